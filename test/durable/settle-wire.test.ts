// The settle call's raw message, streamed beside the call (src/durable/settle-wire.ts) when the object
// keeps it (a held or consolidated block; a mismatch's is not sent), and the
// exact-length stream reader under it and under the ingest body (src/durable/stream-bytes.ts): the
// bytes arrive whole in the check's place, whatever the stream's chunking; a stream shorter or longer
// than announced fails the call (the Worker then answers 503 and the relay retries) rather than
// storing a truncated message. Through a real ChainHead stub: its evidence serves the bytes sent.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { fromSettleCall, RAW_CHUNK_BYTES, toSettleCall } from "../../src/durable/settle-wire.ts";
import { readExactly } from "../../src/durable/stream-bytes.ts";
import type { SettleRequest } from "../../src/durable/ingest-steps.ts";
import type { Outcome } from "../../src/checks/outcome.ts";
import type { Hash } from "../../src/protocol/types.ts";
import { consolidated, hashOf, held, mismatch, replacement, ref } from "./fixtures.ts";

const bytes = (n: number, seed = 7): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

/** A byte stream (BYOB-capable) of `data` in pieces of `piece` bytes. */
function byteStream(data: Uint8Array, piece: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    type: "bytes",
    pull(c) {
      if (at >= data.length) return c.close();
      c.enqueue(data.slice(at, at + piece));
      at += piece;
    },
  }) as ReadableStream<Uint8Array>;
}

/** A default (JS) stream of `data` in pieces of `piece` bytes. */
function chunkStream(data: Uint8Array, piece: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= data.length) return c.close();
      c.enqueue(data.subarray(at, at + piece));
      at += piece;
    },
  });
}

describe("readExactly", () => {
  const data = bytes(200_000);
  for (const [name, make] of [["a byte stream (BYOB)", byteStream], ["a JS stream of chunks", chunkStream]] as const) {
    it(`${name}: the bytes whole, in one buffer of the length; shorter or longer throws`, async () => {
      for (const piece of [1_000, 65_536, 300_000]) expect(await readExactly(make(data, piece), data.length)).toEqual(data);
      await expect(readExactly(make(data, 4_096), data.length + 1)).rejects.toThrow(/ended at 200000 of 200001/);
      await expect(readExactly(make(data, 4_096), data.length - 1)).rejects.toThrow(/longer than 199999/);
    });
  }
});

const base = (n: number, hash: Hash = hashOf(n), peer = "peerA"): SettleRequest => ({ chainId: "901", nonceKey: `relay:${n}:${hash}`, nonceExpiresAt: Date.now() + 60_000, verdict: "accept", reason: "valid", peer, number: BigInt(n), hash });

/** The block at n as it consolidated, carrying `raw` as its gossip message. */
function withRaw(n: number, raw: Uint8Array): Outcome {
  const o = consolidated(n);
  if (o.kind === "consolidated") o.candidate.raw = raw;
  return o;
}

describe("settle-wire", () => {
  it("each kind of check: its raw message leaves the call and comes back in its place", async () => {
    const raw = bytes(3 * RAW_CHUNK_BYTES + 17);
    const checks = [
      { kind: "outcome" as const, outcome: withRaw(5, raw), localSafe: ref(9) },
      { kind: "outcome" as const, outcome: replacement(5, "p", 1, raw), localSafe: ref(9) },
      { kind: "hold" as const, pending: { ...held(5), raw } },
    ];
    for (const check of checks) {
      const call = toSettleCall({ ...base(5), check });
      expect(call.raw?.length).toBe(raw.length);
      expect(JSON.stringify(call.check, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain('"0":'); // no bytes inline
      expect((await fromSettleCall(call)).check).toEqual(check);
    }
    // a mismatch is REJECTed by hash, its bytes never read: not sent at all
    const m = toSettleCall({ ...base(5), check: { kind: "outcome", outcome: mismatch(5, hashOf(5, 3), hashOf(5)), localSafe: ref(9) } });
    expect(m.raw).toBeUndefined();
    expect(m.check?.kind === "outcome" && m.check.outcome.kind === "mismatch" && m.check.outcome.raw.length).toBe(0);
    const drop = { kind: "drop" as const, reason: "l1-info-undecodable" };
    expect(toSettleCall({ ...base(5), check: drop }).raw).toBeUndefined();
  });

  it("a stream that does not match what the call announces fails it", async () => {
    const raw = bytes(100_000);
    const call = toSettleCall({ ...base(5), check: { kind: "hold", pending: { ...held(5), raw } } });
    await expect(fromSettleCall({ ...call, raw: { length: raw.length + 5, stream: call.raw!.stream } })).rejects.toThrow(/ended at/);
    await expect(fromSettleCall({ ...base(5), raw: { length: 3, stream: chunkStream(bytes(3), 3) } })).rejects.toThrow(/a check that has none/);
    await expect(fromSettleCall({ ...call, raw: { length: 11 * 1024 * 1024, stream: chunkStream(bytes(3), 3) } })).rejects.toThrow(/bad raw message length/);
  });

  it("through a ChainHead stub: the head's envelope, streamed, is the one its evidence serves", async () => {
    const stub = env.CHAIN.get(env.CHAIN.idFromName("settle-wire"));
    const raw = bytes(5 * RAW_CHUNK_BYTES + 3, 1);
    const d = await stub.settle(toSettleCall({ ...base(5), check: { kind: "outcome", outcome: withRaw(5, raw), localSafe: ref(9) } }));
    expect(d).toMatchObject({ verdict: "accept", head: 5n });
    // an equivocation at the same height: the record keeps the head's envelope as sent
    const other = bytes(1_000, 2);
    const e = await stub.settle(toSettleCall({ ...base(5, hashOf(5, 1), "peerB"), check: { kind: "outcome", outcome: replacement(5, "peerB", 1, other), localSafe: ref(9) } }));
    expect(e).toMatchObject({ reason: "equivocation" });
    const [rec] = await stub.evidence();
    expect(rec).toMatchObject({ existing: { bytes: raw.length }, conflicting: { bytes: other.length } });
    expect(await stub.evidenceMessage(rec!.id, "existing")).toEqual(raw);
    expect(await stub.evidenceMessage(rec!.id, "conflicting")).toEqual(other);
  });
});
