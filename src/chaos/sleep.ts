// The chaos run's wait: resolves after `ms`, or at once when `signal` aborts (an abort ends the wait,
// it is not an error: the caller checks the signal). relay/retry.ts's sleep rejects instead.
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((r) => {
    if (signal?.aborted) return r();
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      r();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
