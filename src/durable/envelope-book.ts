// The raw gossip envelopes of the newest cross-safe heads, kept as equivocation evidence (the
// attestation a conflicting one contradicts). They live in SQLite only: this book holds their sizes,
// and a new head's bytes leave with the change that stores them (Changes.envelopesPut). Bounded by
// count and by bytes of storage. Part of the chain state machine (machine.ts), which owns the Changes
// it fills.
import type { Hash } from "../protocol/types.ts";
import { LIMITS, type Changes } from "./machine-types.ts";
import type { EvidenceMessages } from "./types.ts";

export class EnvelopeBook {
  readonly #sizes = new Map<Hash, number>();
  readonly #changes: () => Changes;

  constructor(changes: () => Changes) {
    this.#changes = changes;
  }

  /** The stored envelope's size, if the head's envelope is kept. */
  size(h: Hash): number | undefined {
    return this.#sizes.get(h);
  }

  entries(): [Hash, number][] {
    return [...this.#sizes.entries()];
  }

  /** Loads the sizes of stored envelopes (not recorded as changes). */
  restore(entries: readonly (readonly [Hash, number])[]): void {
    for (const [h, n] of entries) this.#sizes.set(h, n);
  }

  /**
   * Where an evidence record finds head `h`'s message: its bytes if the head was put in this batch
   * (not stored yet, and a prune later in the batch must not lose them), else the stored envelope to
   * copy; null if it is not kept.
   */
  message(h: Hash): EvidenceMessages["existing"] {
    if (!this.#sizes.has(h)) return null;
    const unstored = this.#changes().envelopesPut.get(h);
    return unstored ? { raw: unstored } : { copyOf: h };
  }

  put(h: Hash, raw: Uint8Array): void {
    this.#sizes.set(h, raw.length);
    this.#changes().envelopesPut.set(h, raw);
  }

  /**
   * Within the bounds: keeps the envelopes of the heads listed newest first (asked only when over
   * them), at most LIMITS.envelopes and LIMITS.envelopeBytes (the newest always); forgets the rest.
   */
  keepNewest(headsNewestFirst: () => Iterable<Hash>): void {
    let bytes = 0;
    for (const n of this.#sizes.values()) bytes += n;
    if (this.#sizes.size <= LIMITS.envelopes && bytes <= LIMITS.envelopeBytes) return;
    const keep = new Set<Hash>();
    bytes = 0;
    for (const h of headsNewestFirst()) {
      const n = this.#sizes.get(h);
      if (n === undefined) continue;
      if (keep.size >= LIMITS.envelopes || (keep.size > 0 && bytes + n > LIMITS.envelopeBytes)) break;
      keep.add(h);
      bytes += n;
    }
    for (const h of [...this.#sizes.keys()]) {
      if (keep.has(h)) continue;
      this.#sizes.delete(h);
      this.#changes().envelopesPut.delete(h);
      this.#changes().envelopesDelete.push(h);
    }
  }
}
