// The chain machine's recent events (what /status and /events show), the newest LIMITS.events kept.
// Part of the chain state machine (machine.ts), which owns the Changes it fills.
import { LIMITS, type Changes } from "./machine-types.ts";
import type { ChainEvent } from "./types.ts";

export class EventLog {
  readonly #events: ChainEvent[] = [];
  readonly #changes: () => Changes;

  constructor(changes: () => Changes) {
    this.#changes = changes;
  }

  /** Events from storage (not persisted again). */
  restore(events: readonly ChainEvent[]): void {
    this.#events.push(...events.slice(-LIMITS.events));
  }

  list(): ChainEvent[] {
    return [...this.#events];
  }

  add(e: ChainEvent): void {
    this.#events.push(e);
    if (this.#events.length > LIMITS.events) this.#events.splice(0, this.#events.length - LIMITS.events);
    this.#changes().events.push(e);
  }
}
