// W3C Server-Timing for the ingest path: how long a request spent in the RPC checks against the
// follower's nodes and in the Durable Object — what an operator needs to tell a slow op-geth from a
// slow object. workerd's clock moves only across I/O, so these I/O phases are what it can time.
export class ServerTiming {
  readonly #phases = new Map<string, number>();
  readonly #counts = new Map<string, number>();

  /** Runs `f`, adding its duration to the phase (a phase run twice is summed). */
  async time<T>(phase: string, f: () => Promise<T>): Promise<T> {
    const t = Date.now();
    try {
      return await f();
    } finally {
      this.#phases.set(phase, (this.#phases.get(phase) ?? 0) + (Date.now() - t));
    }
  }

  /**
   * Adds to a count that is not a duration (e.g. bytes sent to the Durable Object), written as
   * `name;desc=<n>`: no `dur`, so readers of the phases (the relay's metrics) skip it.
   */
  count(name: string, n: number): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + n);
  }

  /** `check;dur=3, settle;dur=1, do-envelope;desc=5120`, or "" when nothing was timed or counted. */
  header(): string {
    return [...[...this.#phases].map(([p, d]) => `${p};dur=${d}`), ...[...this.#counts].map(([p, n]) => `${p};desc=${n}`)].join(", ");
  }
}
