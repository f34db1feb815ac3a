// Stopping one part of a whole within a bound (the devnet's publisher, relay and Worker; the chaos
// run's parts): how long it took, or that it had not stopped in time — its stop goes on, and the
// caller stops the next part regardless, so one hung stop cannot keep the others running.
export type StopOutcome =
  | { kind: "stopped"; ms: number }
  /** The stop rejected: the part is as stopped as it will get; the caller reports the error. */
  | { kind: "failed"; ms: number; error: unknown }
  | { kind: "late"; boundMs: number };

export async function boundedStop(stop: () => Promise<void>, boundMs: number): Promise<StopOutcome> {
  const t0 = performance.now();
  const ms = (): number => Math.round(performance.now() - t0);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<StopOutcome>((r) => (timer = setTimeout(() => r({ kind: "late", boundMs }), boundMs)));
  // stop() may throw synchronously too
  const done = Promise.resolve()
    .then(stop)
    .then(
      (): StopOutcome => ({ kind: "stopped", ms: ms() }),
      (error: unknown): StopOutcome => ({ kind: "failed", ms: ms(), error }),
    );
  try {
    return await Promise.race([done, late]);
  } finally {
    clearTimeout(timer);
  }
}
