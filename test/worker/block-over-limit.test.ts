// MAX_BLOCK_BYTES (issue 15 item 4): a block bigger than the Worker is configured to check gets a
// clear answer, IGNORE `block-over-limit` with the limit and the size in `detail`, before any work
// on it — no RPC call — with its nonce used up, and a counter and an event for the operator. Run
// against the real Worker and Durable Objects in workerd, with the setting changed (fetchWith).
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { snappyDecodedLength } from "../../src/protocol/snappy.ts";
import { BLOCKS_TOPIC, CHAIN_ID, control, ingest, ingestRequest, signed, status } from "./harness.ts";
import { conforms, fetchWith } from "./openapi-check.ts";
import { freshWorld } from "./setup.ts";

freshWorld(120, { endingNow: true });

const LIMIT = 16 * 1024;
type Stats = Record<string, { calls: number; bytes: number }>;
const rpcStats = async (reset = false): Promise<Stats> => (await control<{ stats: Stats }>({ op: "rpcStats", reset })).stats;
const calls = (s: Stats) => Object.values(s).reduce((n, v) => n + v.calls, 0);

/** A block of ~64 KB of calldata, local-safe (so a check would accept it); its number. */
async function bigBlock(): Promise<bigint> {
  const r = await control<{ heights: string[] }>({ op: "bigBlocks", bytes: 64 * 1024 });
  await control({ op: "advanceBlocks", count: 10 });
  return BigInt(r.heights[0]!);
}

const limited = async (message: Uint8Array, o: { nonce?: string; topic?: string } = {}) => fetchWith({ MAX_BLOCK_BYTES: String(LIMIT) }, "/v1/ingest", await ingestRequest(message, o));

describe("MAX_BLOCK_BYTES", () => {
  it("a cross-safe block over the limit: IGNORE block-over-limit naming both sizes, no RPC, nonce used, counted and listed", async () => {
    const n = await bigBlock();
    const b = await signed(n);
    const size = (snappyDecodedLength(b.message) as { length: number }).length;
    expect(size).toBeGreaterThan(LIMIT);
    await rpcStats(true);
    const nonce = "0123456789abcdef0123456789abcdef";
    const body = await conforms("post", "/v1/ingest", await limited(b.message, { nonce }));
    expect(body).toEqual({ verdict: "ignore", reason: "block-over-limit", messageId: "", detail: expect.stringContaining(`decodes to ${size} bytes, over this Worker's MAX_BLOCK_BYTES of ${LIMIT}`) });
    expect(body.detail).toContain("raise the Worker's MAX_BLOCK_BYTES");
    expect(calls(await rpcStats())).toBe(0);
    // the nonce is used up: the same request again is a replay
    expect((await limited(b.message, { nonce })).status).toBe(401);
    const text = await (await SELF.fetch("http://follower/metrics")).text();
    expect(text).toContain(`op_follow_messages_total{chain="${CHAIN_ID}",verdict="ignore",reason="block-over-limit"} 1`);
    expect((await status())["events"][0]).toMatchObject({ kind: "ignored", reason: "block-over-limit" });
    expect((await status())["head"]).toBeNull();
  });

  it("a blocks-topic (unsafe) block over the limit too; blocks within it are checked as before", async () => {
    const n = await bigBlock();
    const u = await signed(n, { topicKind: "blocks" });
    const body = await conforms("post", "/v1/ingest", await limited(u.message, { topic: BLOCKS_TOPIC }));
    expect(body).toMatchObject({ verdict: "ignore", reason: "block-over-limit" });
    const text = await (await SELF.fetch("http://follower/metrics")).text();
    expect(text).toContain(`op_follow_unsafe_messages_total{chain="${CHAIN_ID}",verdict="ignore",reason="block-over-limit"} 1`);
    // a small block under the same limit goes through the whole check
    const small = await signed(n - 1n);
    expect((snappyDecodedLength(small.message) as { length: number }).length).toBeLessThan(LIMIT);
    expect(await conforms("post", "/v1/ingest", await limited(small.message))).toMatchObject({ verdict: "accept", number: Number(n - 1n) });
  });

  it("a preamble op-node rejects stays REJECT: a peer cannot turn its penalty into an IGNORE", async () => {
    // 32 KiB claimed, 3 bytes of body: more than snappy can expand to
    expect(await conforms("post", "/v1/ingest", await limited(Uint8Array.of(0x80, 0x80, 0x02, 0, 0, 0)))).toMatchObject({ verdict: "reject", reason: "snappy-corrupt" });
    // over the gossip limit
    expect(await conforms("post", "/v1/ingest", await limited(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0)))).toMatchObject({ verdict: "reject", reason: "snappy-too-large" });
  });

  it("unset, the limit is the gossip maximum: the same big block is checked and accepted", async () => {
    const n = await bigBlock();
    const b = await signed(n);
    expect((await ingest(b.message)).body).toMatchObject({ verdict: "accept", reason: "advanced", number: Number(n) });
  });
});
