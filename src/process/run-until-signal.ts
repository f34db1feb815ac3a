// Keeps a started service running until a stop signal (SIGINT, SIGTERM, SIGHUP: stop-signals.ts), the
// launcher's disappearance (launcher-watch.ts), or its own end, then stops it once. A second signal
// while it stops exits at once with 130, for a stop that hangs.
import { watchLaunchers } from "./launcher-watch.ts";
import { onStopSignal } from "./stop-signals.ts";

/** What stopping logs: any logger with these levels (the relay's log.ts fits). */
export interface StopLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface Service {
  /** Idempotent: later calls return the first call's promise. */
  stop(): Promise<void>;
  /** Resolves when the service has ended, by stop() or by itself; absent: it runs until a signal. */
  done?: Promise<void>;
}

/** 0 after a clean stop; 1 when stopping failed (logged as "error during shutdown"). */
export async function runUntilSignal(service: Service, log: StopLog): Promise<number> {
  let stopped: Promise<number> | undefined;
  const stop = (): Promise<number> =>
    (stopped ??= service.stop().then(
      () => 0,
      (e: unknown) => {
        log.error("error during shutdown", { err: e });
        return 1;
      },
    ));
  let signalled = (): void => {};
  const firstSignal = new Promise<void>((resolve) => (signalled = resolve));
  const begin = (fields: Record<string, unknown>): void => {
    log.info("shutting down", fields);
    void stop();
    signalled();
  };
  const offSignals = onStopSignal(
    (signal) => begin({ signal }),
    (signal) => {
      log.warn("second signal: exiting now", { signal });
      process.exit(130);
    },
  );
  const offWatch = watchLaunchers((pid) => begin({ launcherGone: pid }));
  try {
    await (service.done ?? firstSignal);
    return await stop();
  } finally {
    offSignals();
    offWatch();
  }
}
