// Keeps a started service running until SIGINT or SIGTERM (or until it ends by itself), then stops it
// once. A second signal while it stops exits at once with 130, for a stop that hangs.
import type { Logger } from "../relay/log.ts";

export interface Service {
  /** Idempotent: later calls return the first call's promise. */
  stop(): Promise<void>;
  /** Resolves when the service has ended, by stop() or by itself; absent: it runs until a signal. */
  done?: Promise<void>;
}

/** 0 after a clean stop; 1 when stopping failed (logged as "error during shutdown"). */
export async function runUntilSignal(service: Service, log: Logger): Promise<number> {
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
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      log.warn("second signal: exiting now", { signal: sig });
      process.exit(130);
    }
    log.info("shutting down", { signal: sig });
    void stop();
    signalled();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    await (service.done ?? firstSignal);
    return await stop();
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
