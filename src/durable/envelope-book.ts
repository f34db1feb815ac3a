// The raw gossip envelopes of the newest cross-safe heads, kept as equivocation evidence (the
// attestation a conflicting one contradicts). Held in memory, so bounded by count and by bytes: an
// isolate has 128 MB and an envelope may be 10 MiB. Part of the chain state machine (machine.ts),
// which owns the Changes it fills.
import type { Hash } from "../protocol/types.ts";
import { LIMITS, type Changes } from "./machine-types.ts";

export class EnvelopeBook {
  readonly #envelopes = new Map<Hash, Uint8Array>();
  readonly #changes: () => Changes;

  constructor(changes: () => Changes) {
    this.#changes = changes;
  }

  get(h: Hash): Uint8Array | undefined {
    return this.#envelopes.get(h);
  }

  entries(): [Hash, Uint8Array][] {
    return [...this.#envelopes.entries()];
  }

  /** Loads stored envelopes (not recorded as changes). */
  restore(entries: readonly (readonly [Hash, Uint8Array])[]): void {
    for (const [h, raw] of entries) this.#envelopes.set(h, raw);
  }

  put(h: Hash, raw: Uint8Array): void {
    this.#envelopes.set(h, raw);
    this.#changes().envelopesPut.push(h);
  }

  /**
   * Within the bounds: keeps the envelopes of the heads listed newest first (asked only when over
   * them), at most LIMITS.envelopes and LIMITS.envelopeBytes (the newest always); forgets the rest.
   */
  keepNewest(headsNewestFirst: () => Iterable<Hash>): void {
    let bytes = 0;
    for (const raw of this.#envelopes.values()) bytes += raw.length;
    if (this.#envelopes.size <= LIMITS.envelopes && bytes <= LIMITS.envelopeBytes) return;
    const keep = new Set<Hash>();
    bytes = 0;
    for (const h of headsNewestFirst()) {
      const raw = this.#envelopes.get(h);
      if (!raw) continue;
      if (keep.size >= LIMITS.envelopes || (keep.size > 0 && bytes + raw.length > LIMITS.envelopeBytes)) break;
      keep.add(h);
      bytes += raw.length;
    }
    for (const h of [...this.#envelopes.keys()]) {
      if (keep.has(h)) continue;
      this.#envelopes.delete(h);
      this.#changes().envelopesDelete.push(h);
    }
  }
}
