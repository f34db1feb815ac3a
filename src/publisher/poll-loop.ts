// The publisher's poll loop around one engine (cross-safe, or unsafe with --unsafe): step, sleep,
// back off on failures (logging the first and every 30th), stop on a fatal error, log each change of
// the reason a publication is held once.
import type { Logger } from "../relay/log.ts";
import { FatalPublisherError, type StepResult } from "./engine.ts";

export interface PollLoopOptions {
  step(): Promise<StepResult>;
  intervalMs: number;
  log: Logger;
  /** While true the loop skips its steps (e.g. a silenced sequencer in the devnet). */
  paused?: () => boolean;
  onStep(r: StepResult): void;
  /** The last poll error (null after a good poll). */
  onError(message: string | null): void;
  onPollError(): void;
  onFatal(e: FatalPublisherError): void;
}

export interface PollLoop {
  /** Resolves when the loop has stopped (stop() or a fatal error). */
  done: Promise<void>;
  stop(): void;
}

export function startPollLoop(o: PollLoopOptions): PollLoop {
  let stopped = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number): Promise<void> =>
    new Promise((r) => {
      const t = setTimeout(r, ms);
      wake = () => {
        clearTimeout(t);
        r();
      };
    });
  let failures = 0;
  let lastLogged = "";
  const done = (async () => {
    while (!stopped) {
      let delay = o.intervalMs;
      try {
        if (!o.paused?.()) {
          const r = await o.step();
          o.onStep(r);
          failures = 0;
          o.onError(null);
          if (r.more) delay = 0;
          if (r.stoppedAt && r.stoppedAt.reason !== "stopped") {
            const line = `${r.stoppedAt.reason}@${r.stoppedAt.number}`;
            if (line !== lastLogged) o.log.info("publication held", { number: r.stoppedAt.number, reason: r.stoppedAt.reason, ...(r.stoppedAt.detail ? { detail: r.stoppedAt.detail } : {}) });
            lastLogged = line;
          } else lastLogged = "";
        }
      } catch (e) {
        if (e instanceof FatalPublisherError) {
          o.log.error("publisher stopping", { err: e });
          o.onError(e.message);
          stopped = true;
          o.onFatal(e);
          break;
        }
        failures++;
        o.onPollError();
        o.onError((e as Error).message);
        // Log the first failure and then every 30th, so an outage does not flood the log.
        if (failures === 1 || failures % 30 === 0) o.log.warn("poll failed", { err: e, failures });
        delay = Math.min(o.intervalMs * 2 ** Math.min(failures, 4), 15_000);
      }
      if (!stopped) await sleep(delay);
    }
  })();
  return {
    done,
    stop() {
      stopped = true;
      wake?.();
    },
  };
}
