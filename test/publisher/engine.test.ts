// The publish engine against the real chain server (manual stepping), with a recorder in place of
// gossip: which blocks go out, in what order, only when cross-safe, never twice (also across
// restarts and an interrupted publication), republication from the fork point after an L2 reorg,
// and the refusals (hash does not recompute, no longer canonical, not sent).
import "../../src/node/keccak.ts";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signedGossipMessage } from "../../src/devnet/gossip.ts";
import { startChainServer, type ChainServer } from "../../src/devnet/rpc-server.ts";
import { fromHex, toHex } from "../../src/protocol/hex.ts";
import { crossSafeTopic } from "../../src/protocol/topic.ts";
import type { Hash } from "../../src/protocol/types.ts";
import { validateGossipMessage } from "../../src/protocol/validate.ts";
import { FatalPublisherError, PublishEngine, type PublisherEvent, type SendResult } from "../../src/publisher/engine.ts";
import { rpcClient } from "../../src/publisher/rpc.ts";
import { rpcSequencerSource, type SequencerSource } from "../../src/publisher/source.ts";
import { emptyState, loadState, saveState, stateFromJson, stateToJson, type PublisherState } from "../../src/publisher/state.ts";
import { crossSafeOf } from "../../src/publisher/sync-status.ts";
import { silentLogger } from "../../src/relay/log.ts";

let server: ChainServer;
let dir: string;
beforeAll(async () => {
  server = await startChainServer();
  dir = await mkdtemp(join(tmpdir(), "publisher-engine-"));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  server.reset();
  server.faults.clear();
  server.advance(120); // 60 L2 blocks; cross-safe = 60 - 6 - 2 = 52
});

interface Sent {
  number: bigint;
  hash: Hash;
  message: Uint8Array;
}

function source(): SequencerSource {
  return rpcSequencerSource(rpcClient("l2", server.urls.sequencerL2, 2_000), rpcClient("rollup", server.urls.sequencerRollup, 2_000));
}

let fileNo = 0;
function harness(over: { state?: PublisherState; from?: bigint; src?: SequencerSource; send?: (m: Uint8Array) => SendResult; stateFile?: string } = {}) {
  const sent: Sent[] = [];
  const events: PublisherEvent[] = [];
  const stateFile = over.stateFile ?? join(dir, `state-${fileNo++}.json`);
  const chain = server.chain;
  const engine = new PublishEngine({
    source: over.src ?? source(),
    chainId: chain.options.l2ChainId,
    signerKey: fromHex(chain.options.sequencerKey),
    state: over.state ?? emptyState(chain.options.l2ChainId),
    persist: (s) => saveState(stateFile, s),
    send: async (message, ref) => {
      const r = over.send ? over.send(message) : ({ kind: "sent", recipients: ["peer"] } as SendResult);
      if (r.kind !== "not-sent") sent.push({ ...ref, message });
      return r;
    },
    ...(over.from !== undefined ? { from: over.from } : {}),
    log: silentLogger,
    onEvent: (e) => events.push(e),
  });
  return { engine, sent, events, stateFile };
}

const seqBlock = (n: bigint) => server.chain.view("sequencer").blockByNumber(n)!;
const crossSafe = () => server.chain.heads().crossSafe;

describe("crossSafeOf (optimism_syncStatus)", () => {
  const ref = (n: number, h: string) => ({ hash: h, number: n, parentHash: "0x" + "00".repeat(32), timestamp: 1, l1origin: { hash: "0x" + "00".repeat(32), number: 0 }, sequenceNumber: 0 });
  const a = "0x" + "aa".repeat(32);
  const b = "0x" + "bb".repeat(32);
  it("prefers cross_safe_l2 and falls back to safe_l2 (op-node: safe_l2 is cross-safe post-interop)", () => {
    expect(crossSafeOf({ safe_l2: ref(5, a), local_safe_l2: ref(9, b) })).toEqual({ number: 5n, hash: a, field: "safe_l2" });
    expect(crossSafeOf({ safe_l2: ref(5, a), cross_safe_l2: ref(4, b) })).toEqual({ number: 4n, hash: b, field: "cross_safe_l2" });
    expect(crossSafeOf({ safe_l2: { ...ref(0, a), number: "0x10" } })).toMatchObject({ number: 16n });
  });
  it("names the malformed field", () => {
    expect(() => crossSafeOf(null)).toThrow(/not an object/);
    expect(() => crossSafeOf({})).toThrow(/safe_l2 is missing/);
    expect(() => crossSafeOf({ safe_l2: { ...ref(1, a), hash: "0x12" } })).toThrow(/safe_l2.hash/);
    expect(() => crossSafeOf({ safe_l2: { ...ref(1, a), number: -1 } })).toThrow(/safe_l2.number/);
  });
});

describe("state file", () => {
  it("round-trips and rejects malformed content", async () => {
    const s = emptyState(901n);
    s.cursor = { number: 7n, hash: ("0x" + "11".repeat(32)) as Hash };
    s.published.push(s.cursor);
    s.inflight = { number: 8n, hash: ("0x" + "22".repeat(32)) as Hash };
    expect(stateFromJson(stateToJson(s))).toEqual(s);
    const f = join(dir, "roundtrip.json");
    await saveState(f, s);
    expect(await loadState(f)).toEqual(s);
    expect(await loadState(join(dir, "missing.json"))).toBeNull();
    await writeFile(f, "{not json");
    await expect(loadState(f)).rejects.toThrow(/roundtrip.json: not JSON/);
    await writeFile(f, JSON.stringify({ version: 1, chainId: "901", cursor: { number: "x", hash: "0x" }, published: [], inflight: null }));
    await expect(loadState(f)).rejects.toThrow(/cursor/);
  });
});

describe("PublishEngine", () => {
  it("starts at the cross-safe head, then publishes every newly cross-safe block in order, signed like op-node", async () => {
    const { engine, sent } = harness();
    const r0 = await engine.step();
    expect(r0.head.number).toBe(crossSafe());
    expect(sent.map((s) => s.number)).toEqual([crossSafe()]);

    server.advanceBlocks(5);
    const before = sent.length;
    await engine.step();
    const got = sent.slice(before).map((s) => s.number);
    const start = sent[0]!.number;
    expect(got).toEqual([1n, 2n, 3n, 4n, 5n].map((i) => start + i));
    expect(got.at(-1)).toBe(crossSafe());

    const chain = server.chain;
    for (const s of sent) {
      const b = seqBlock(s.number);
      expect(s.hash).toBe(b.hash);
      // The RPC path reproduces the exact message built from the chain model's own payload.
      expect(toHex(s.message)).toBe(toHex(signedGossipMessage(chain, b).message));
      const v = await validateGossipMessage(s.message, {
        chainId: chain.options.l2ChainId,
        topic: crossSafeTopic(chain.options.l2ChainId),
        kind: "cross-safe",
        version: 4,
        signer: chain.sequencerAddress,
        now: Math.floor(Date.now() / 1000),
      });
      expect(v.reason).toBe("valid");
      expect(v.blockHash).toBe(b.hash);
    }
  });

  it("starts at --from and never publishes above the cross-safe head", async () => {
    const from = crossSafe() - 3n;
    const { engine, sent } = harness({ from });
    await engine.step();
    expect(sent.map((s) => s.number)).toEqual([from, from + 1n, from + 2n, from + 3n]);
    // the tip moves but cross-safe is frozen: nothing new
    server.chain.autoHeads = false;
    server.advanceBlocks(4);
    await engine.step();
    expect(sent).toHaveLength(4);
    server.chain.setHeads({ crossSafe: crossSafe() + 2n });
    await engine.step();
    expect(sent.map((s) => s.number).slice(4)).toEqual([from + 4n, from + 5n]);
  });

  it("never publishes a block twice: restarts resume from the state file; an interrupted publication is not repeated", async () => {
    const first = harness();
    await first.engine.step();
    const stateFile = first.stateFile;
    const last = first.sent.at(-1)!;

    server.advanceBlocks(2);
    // A new process on the same state file (and a --from that must be ignored).
    const loaded = (await loadState(stateFile))!;
    const second = harness({ state: loaded, stateFile, from: 1n });
    await second.engine.step();
    expect(second.sent.map((s) => s.number)).toEqual([last.number + 1n, last.number + 2n]);

    // Crash between "about to send" and "sent": the state says inflight.
    server.advanceBlocks(1);
    const s3 = (await loadState(stateFile))!;
    const n = s3.cursor!.number + 1n;
    s3.inflight = { number: n, hash: seqBlock(n).hash };
    await saveState(stateFile, s3);
    const third = harness({ state: (await loadState(stateFile))!, stateFile });
    await third.engine.recover();
    await third.engine.step();
    expect(third.sent.map((s) => s.number)).not.toContain(n);
    expect((await loadState(stateFile))!.cursor).toEqual({ number: n, hash: seqBlock(n).hash });

    // and the same engine does not repeat anything when polled again with nothing new
    await third.engine.step();
    expect(third.sent).toHaveLength(0);
    const text = await readFile(stateFile, "utf8");
    expect(text).not.toContain(server.chain.options.sequencerKey.slice(2));
  });

  it("after an L2 reorg below the last published block, publishes the new blocks from the fork point", async () => {
    const { engine, sent, events } = harness({ from: crossSafe() - 4n });
    await engine.step();
    const old = new Map(sent.map((s) => [s.number, s.hash]));
    const top = sent.at(-1)!.number;
    const fork = top - 2n;
    server.chain.reorgL2(fork);
    // cross-safe fell below the fork: nothing is published yet, the cursor moved back
    await engine.step();
    expect(events.find((e) => e.type === "reorg")).toMatchObject({ type: "reorg", last: { number: top }, resumeAfter: { number: fork - 1n, hash: old.get(fork - 1n) } });
    expect(sent.length).toBe(old.size);
    server.advanceBlocks(1); // heads follow the rebuilt tip again
    await engine.step();
    const again = sent.slice(old.size);
    expect(again[0]!.number).toBe(fork);
    expect(again.map((s) => s.number)).toEqual(again.map((_, i) => fork + BigInt(i)));
    for (const s of again) {
      expect(s.hash).toBe(seqBlock(s.number).hash);
      if (old.has(s.number)) expect(s.hash).not.toBe(old.get(s.number));
    }
  });

  it("refuses a block whose payload does not hash to the node's hash", async () => {
    const real = source();
    const tampered: SequencerSource = {
      ...real,
      block: async (n) => {
        const b = await real.block(n);
        return b && { ...b, gasUsed: b.gasUsed + 1n };
      },
    };
    const { engine, sent, events } = harness({ src: tampered });
    const r = await engine.step();
    expect(sent).toHaveLength(0);
    expect(r.stoppedAt).toMatchObject({ reason: "bad-block" });
    expect(events.at(-1)).toMatchObject({ type: "held", reason: "bad-block" });
  });

  it("checks canonical and cross-safe right before signing", async () => {
    const real = source();
    let moveAway = true;
    const racing: SequencerSource = {
      ...real,
      // the block is fetched, then the chain reorgs before the final check
      block: async (n) => {
        const b = await real.block(n);
        if (moveAway) {
          moveAway = false;
          server.chain.reorgL2(n);
          server.advanceBlocks(1);
        }
        return b;
      },
    };
    const { engine, sent } = harness({ src: racing });
    const r = await engine.step();
    expect(sent).toHaveLength(0);
    expect(r.stoppedAt?.reason).toMatch(/no-longer-canonical|not-cross-safe/);
    // the next poll publishes the block that is canonical now
    await engine.step();
    expect(sent[0]!.hash).toBe(seqBlock(sent[0]!.number).hash);
  });

  it("a publication that could not be sent is retried, not recorded", async () => {
    let up = false;
    const { engine, sent } = harness({ send: () => (up ? { kind: "sent", recipients: ["p"] } : { kind: "not-sent", reason: "no subscribed peers" }) });
    const r = await engine.step();
    expect(r.stoppedAt?.reason).toBe("not-sent");
    expect(engine.state.cursor).toBeNull();
    expect(engine.state.published).toHaveLength(0);
    up = true;
    await engine.step();
    expect(sent.map((s) => s.number)).toEqual([crossSafe()]);
  });

  it("stops for good when the L2 RPC serves another chain, or the state file is another chain's", async () => {
    const chain = server.chain;
    const wrong = { ...source(), chainId: async () => 10n };
    const { engine } = harness({ src: wrong });
    await expect(engine.step()).rejects.toBeInstanceOf(FatalPublisherError);
    expect(() => harness({ state: emptyState(10n) })).toThrow(/belongs to chain 10/);
    void chain;
  });

  it("rides out RPC trouble: a failing poll throws, the next one publishes", async () => {
    const { engine, sent } = harness();
    const id = server.faults.add({ endpoint: "sequencer-rollup", fault: { kind: "http-status", status: 503 } });
    await expect(engine.step()).rejects.toThrow(/rollup optimism_syncStatus: HTTP 503/);
    server.faults.remove(id);
    await engine.step();
    expect(sent).toHaveLength(1);
  });
});
