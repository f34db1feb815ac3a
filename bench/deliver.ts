// Drives a manually stepped devnet chain one block at a time through the publisher and a relay group
// and times each block (redundancy.ts, wan.ts, attack.ts). The chain runs with head lags 0, so each new
// block is local-safe and cross-safe at once: the publisher signs and gossips it (after its next poll)
// and every relay forwards its copy to the Worker.
//
// ingest→head of a block = from the earliest relay receipt of its gossip message (the relay's
// receivedMs) to the earliest moment a relay got the Worker's "advanced" answer for it (receivedMs +
// that relay's receipt → verdict latency): the Worker answers after the Durable Object made it the
// head, so from then on GET /v1/chains/<id>/cross-safe shows it. Relays run on this machine's one
// clock, so receipts of different relays compare. The next block is made only once every relay has a
// verdict for this one (all copies settled), so no block queues behind the one before.
import type { ChainServer } from "../src/devnet/rpc-server.ts";
import type { VerdictRecord } from "./relay-child.ts";
import type { RelayGroup } from "./relay-group.ts";
import { sleep } from "./bench-env.ts";

export interface BlockTiming {
  number: number;
  /** Calldata asked of bigBlocks (0: an ordinary devnet block). */
  calldataBytes: number;
  /** null: no relay got "advanced" for it within the timeout. */
  ingestToHeadMs: number | null;
  /**
   * From the earliest receipt to the moment the Durable Object wrote it as the head (the head's
   * `updatedAtMs`, the object's clock: from then on the read API shows it), without the answer's way
   * back to the relay; null without `headUrl`, or if the head read afterwards is another block.
   */
  ingestToHeadWrittenMs: number | null;
  /** Per relay receipt → verdict, for the copies that arrived; `afterFirstMs`: its receipt after the earliest relay's. */
  copies: Array<{ reason: string; latencyMs: number; afterFirstMs: number; queuedMs?: number }>;
}

export interface DeliverOptions {
  server: ChainServer;
  group: RelayGroup;
  /** One entry per block: calldata bytes (0 = an ordinary block). */
  sizes: number[];
  /** Per block; default 120 s. */
  timeoutMs?: number;
  /** Before each block (e.g. to pace it). */
  before?: (i: number) => Promise<void>;
  /** How many relays must report a verdict before the next block (default all of them). */
  copiesWanted?: number;
  /** The chain's GET /v1/chains/<id>/cross-safe: read after each block for the head's `updatedAtMs`. */
  headUrl?: string;
}

export async function deliverBlocks(o: DeliverOptions): Promise<BlockTiming[]> {
  const out: BlockTiming[] = [];
  const byHash = new Map<string, VerdictRecord[]>();
  const want = o.copiesWanted ?? o.group.relays.length;
  const chain = o.server.chain;
  for (const [i, size] of o.sizes.entries()) {
    await o.before?.(i);
    if (size > 0) chain.bigBlocks(size);
    o.server.advanceBlocks(1);
    const b = chain.view("sequencer").crossSafe();
    const hash = b.hash.toLowerCase();
    const end = performance.now() + (o.timeoutMs ?? 120_000);
    for (;;) {
      for (const r of await o.group.drainAll()) {
        if (!r.hash) continue;
        const h = r.hash.toLowerCase();
        byHash.set(h, [...(byHash.get(h) ?? []), r]);
      }
      if ((byHash.get(hash)?.length ?? 0) >= want || performance.now() > end) break;
      // Each poll is an IPC round trip to every relay child: at 10 ms that was 100 a second per relay,
      // work on the same cores the blocks are timed on. The records carry their own times, so how
      // often they are collected changes no figure, only when the next block is made.
      await sleep(50);
    }
    const recs = byHash.get(hash) ?? [];
    byHash.clear();
    const first = Math.min(...recs.map((r) => r.receivedMs));
    const adv = recs.filter((r) => r.reason === "advanced").map((r) => r.receivedMs + r.latencyMs);
    const written = o.headUrl && adv.length ? await headWrittenAt(o.headUrl, hash) : null;
    out.push({
      number: Number(b.number),
      calldataBytes: size,
      ingestToHeadMs: adv.length ? Math.min(...adv) - first : null,
      ingestToHeadWrittenMs: written === null ? null : written - first,
      copies: recs.map((r) => ({ reason: r.reason, latencyMs: r.latencyMs, afterFirstMs: r.receivedMs - first, ...(r.queuedMs !== undefined ? { queuedMs: r.queuedMs } : {}) })),
    });
  }
  return out;
}

/** The head's `updatedAtMs` (ms since epoch) if the head is the block `hash`, else null. */
async function headWrittenAt(url: string, hash: string): Promise<number | null> {
  const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (r.status !== 200) {
    await r.arrayBuffer();
    return null;
  }
  const h = (await r.json()) as { hash?: string; updatedAtMs?: number };
  return h.hash?.toLowerCase() === hash && typeof h.updatedAtMs === "number" ? h.updatedAtMs : null;
}

/** Sizes spread evenly on a log scale from `min` to `max` bytes, in a seeded shuffled order. */
export function logSpreadSizes(count: number, min: number, max: number, seed = 1): number[] {
  const sizes = Array.from({ length: count }, (_, i) => Math.round(min * (max / min) ** (count === 1 ? 0 : i / (count - 1))));
  let x = seed >>> 0 || 1;
  for (let i = sizes.length - 1; i > 0; i--) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0; // LCG: the same order every run
    const j = x % (i + 1);
    [sizes[i], sizes[j]] = [sizes[j]!, sizes[i]!];
  }
  return sizes;
}
