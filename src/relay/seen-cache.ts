// The forwarder's memory of final verdicts by message id, so a repeat is answered at once without the
// Worker. Bounded in size (the oldest is forgotten first) and in time.
import type { Verdict } from "../protocol/verdict.ts";

export interface SeenVerdict {
  verdict: Verdict;
  reason: string;
}

export class SeenCache {
  private readonly entries = new Map<string, SeenVerdict & { expires: number }>();
  private readonly size: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(size: number, ttlMs: number, now: () => number) {
    this.size = size;
    this.ttlMs = ttlMs;
    this.now = now;
  }

  get(msgId: string): SeenVerdict | undefined {
    const e = this.entries.get(msgId);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.entries.delete(msgId);
      return undefined;
    }
    return e;
  }

  set(msgId: string, verdict: Verdict, reason: string): void {
    this.entries.delete(msgId);
    this.entries.set(msgId, { verdict, reason, expires: this.now() + this.ttlMs });
    while (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
  }
}
