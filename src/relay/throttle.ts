// Rate-limited logging for the forwarder: a failing Worker or a flood must not flood the log too.

/** Logs at most once per interval per key, counting what it suppressed. */
export class Throttle {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  private readonly intervalMs: number;
  private readonly now: () => number;
  constructor(intervalMs: number, now: () => number) {
    this.intervalMs = intervalMs;
    this.now = now;
  }
  allow(key: string): { ok: boolean; suppressed: number } {
    const t = this.now();
    const e = this.last.get(key);
    if (!e || t - e.at >= this.intervalMs) {
      const suppressed = e?.suppressed ?? 0;
      this.last.set(key, { at: t, suppressed: 0 });
      return { ok: true, suppressed };
    }
    e.suppressed++;
    return { ok: false, suppressed: e.suppressed };
  }
}
