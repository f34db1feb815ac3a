// The chain machine's equivocation evidence: records are never dropped (their messages live in
// SQLite only; a record here is a few hundred bytes), ids count up from 1 and are never reused.
// Part of the chain state machine (machine.ts), which owns the Changes it fills.
import type { Hash } from "../protocol/types.ts";
import type { Changes } from "./machine-types.ts";
import type { Evidence, EvidenceMessages } from "./types.ts";

export class EvidenceBook {
  readonly #records = new Map<number, Evidence>();
  readonly #changes: () => Changes;
  #nextId = 1;

  constructor(changes: () => Changes) {
    this.#changes = changes;
  }

  /** Records from storage (not persisted again). */
  restore(records: readonly Evidence[], nextId: number): void {
    for (const e of records) this.#records.set(e.id, e);
    this.#nextId = nextId;
  }

  get nextId(): number {
    return this.#nextId;
  }

  list(): Evidence[] {
    return [...this.#records.values()];
  }

  byId(id: number): Evidence | undefined {
    return this.#records.get(id);
  }

  /** The record of this conflicting block at this height, if one was stored. */
  find(n: bigint, conflicting: Hash): Evidence | undefined {
    for (const e of this.#records.values()) if (e.number === n && e.conflicting.hash === conflicting) return e;
    return undefined;
  }

  /** Stores a new record under the next id; its messages leave with the change (types.ts Evidence). */
  add(record: Omit<Evidence, "id">, messages: Omit<EvidenceMessages, "id">): Evidence {
    const ev: Evidence = { id: this.#nextId++, ...record };
    this.#records.set(ev.id, ev);
    const changes = this.#changes();
    changes.evidencePut.push({ id: ev.id, ...messages });
    changes.meta = true; // the id counter
    return ev;
  }
}
