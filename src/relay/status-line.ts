// The periodic progress line at info level, as op-node and op-geth print one: what happened since the
// last line (counter deltas) and how things stand (gauges), so an operator reading the log without a
// Prometheus can tell the process is alive and doing work. Shared by the relay and the publisher.
import type { LogFields, Logger } from "./log.ts";

export interface StatusLineSource {
  /** monotonic totals; the line shows each one's increase since the previous line */
  counters: Record<string, () => number>;
  /** current values, shown as they are */
  gauges: () => LogFields;
}

export interface StatusLine {
  stop(): void;
}

/** Logs `msg` every `intervalMs` (0: never, and undefined is returned). */
export function startStatusLine(log: Logger, msg: string, intervalMs: number, src: StatusLineSource): StatusLine | undefined {
  if (intervalMs <= 0) return undefined;
  const read = (): Record<string, number> => Object.fromEntries(Object.entries(src.counters).map(([k, f]) => [k, f()]));
  let last = read();
  const timer = setInterval(() => {
    const now = read();
    const deltas = Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - (last[k] ?? 0)]));
    last = now;
    try {
      log.info(msg, { ...deltas, ...src.gauges(), intervalS: intervalMs / 1000 });
    } catch (e) {
      log.warn("status line failed", { err: e });
    }
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
