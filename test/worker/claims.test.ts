// One check per block, however many relays deliver it (issue 15 item 1), through the real Worker and
// Durable Object in workerd against the chain server over HTTP JSON-RPC. Copies of a new block
// arriving while its first copy is checked are held in the object, or told to retry (HTTP 202),
// and end with the owner's verdict; an owner that fails — released by its Worker, or gone without a
// word until its lease lapses — hands the block to a waiting copy. The chain server counts RPC calls:
// the L1 block look-up happens once per check, so it counts checks.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { leaseMs } from "../../src/durable/claims.ts";
import { CHAIN_ID, chainStub, control, heads, ingest, peers, signed, type IngestResult } from "./harness.ts";
import { freshWorld } from "./setup.ts";
import { testPeerId } from "../helpers/peer-ids.ts";

freshWorld();

const RPC_TIMEOUT_MS = 1000; // vitest.config.ts binds it
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a relay does with one message: send it, and again after each 202 until a verdict comes. */
async function relay(message: Uint8Array, peer: string): Promise<{ final: IngestResult; retries: number; ms: number }> {
  const t = Date.now();
  for (let retries = 0; ; retries++) {
    const r = await ingest(message, { peer });
    if (r.status !== 202) return { final: r, retries, ms: Date.now() - t };
    const body = r.body as unknown as { retry: boolean; retryAfterMs: number; reason: string; blockHash: string };
    expect(body).toMatchObject({ retry: true, reason: "claimed-by-another-request" });
    await sleep(body.retryAfterMs);
  }
}

async function checks(): Promise<number> {
  const s = await control<{ stats: Record<string, { calls: number }> }>({ op: "rpcStats" });
  return s.stats["l1 eth_getBlockByNumber"]?.calls ?? 0;
}

async function metric(name: string): Promise<number> {
  const text = await (await SELF.fetch("http://follower/metrics")).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(`chain="${CHAIN_ID}"`));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

/** Claims a block in the object as a Worker would, then never settles it (a Worker cancelled mid-check). */
async function claimAndVanish(number: bigint, hash: string, owner: string): Promise<void> {
  const r = await chainStub().claim({
    chainId: CHAIN_ID.toString(),
    nonceKey: owner,
    nonceExpiresAt: Date.now() + 120_000,
    peer: testPeerId("Ghost"),
    verdict: "accept",
    reason: "valid",
    number,
    hash: hash as `0x${string}`,
    leaseMs: leaseMs(RPC_TIMEOUT_MS),
  });
  expect(r).toMatchObject({ replay: false, kind: "check" });
}

describe("claims: one check per block", () => {
  it("five relays deliver a new block at once: one check, one envelope to the object, the owner's verdict for all", async () => {
    const h = await heads();
    const b = await signed(h.crossSafe);
    await control({ op: "rpcStats", reset: true });
    // a slow L1 node keeps the owner's check running while the copies arrive
    await control({ op: "faults.add", rule: { endpoint: "l1", method: "eth_getBlockByNumber", delayMs: 400 } });
    const copies = await Promise.all([0, 1, 2, 3, 4].map(async (i) => relay(b.message, testPeerId(`Peer${i}`))));
    const verdicts = copies.map((c) => `${c.final.status} ${c.final.body.verdict} ${c.final.body.reason}`).sort();
    expect(verdicts).toEqual(["200 accept advanced", "200 ignore duplicate", "200 ignore duplicate", "200 ignore duplicate", "200 ignore duplicate"]);
    // only the owner ran the checks; the copies were held in the object (claim only)
    expect(copies.filter((c) => c.final.timing.includes("check")).length).toBe(1);
    for (const c of copies) if (!c.final.timing.includes("check")) expect(c.final.timing).toMatch(/^claim;dur=\d+, validated;desc=0, do-envelope;desc=0$/);
    expect(copies.find((c) => c.final.timing.includes("check"))!.final.timing).toContain(`do-envelope;desc=${b.message.length}`);
    expect(await checks()).toBe(1);
    expect(await metric("op_follow_object_envelope_bytes_total")).toBe(b.message.length);
    expect(await metric("op_follow_ingest_claims_total")).toBeGreaterThan(0);
  });

  it("a copy held while the owner's Worker is gone takes over when the lease lapses; the block is decided", async () => {
    const h = await heads();
    const b = await signed(h.crossSafe);
    await claimAndVanish(b.number, b.blockHash, "dead-worker:1");
    await control({ op: "rpcStats", reset: true });
    const c = await relay(b.message, testPeerId("PeerA"));
    expect(c.final.body).toMatchObject({ verdict: "accept", reason: "advanced" });
    expect(c.final.timing).toContain("check");
    expect(c.retries).toBeGreaterThanOrEqual(1); // held up to 4 s, told to retry, held again until the lapse
    expect(c.ms).toBeGreaterThanOrEqual(leaseMs(RPC_TIMEOUT_MS) - 500);
    expect(await checks()).toBe(1);
    expect(await (await SELF.fetch("http://follower/metrics")).text()).toContain(`op_follow_ingest_claims_total{chain="${CHAIN_ID}",answer="takeover"} 1`);
  });

  it("an owner released by its Worker (its check failed) hands the block to a held copy at once", async () => {
    const h = await heads();
    const b = await signed(h.crossSafe);
    await claimAndVanish(b.number, b.blockHash, "failed-worker:1");
    const t = Date.now();
    const copy = relay(b.message, testPeerId("PeerA"));
    await sleep(300);
    expect(await chainStub().release(CHAIN_ID.toString(), b.blockHash as `0x${string}`, "failed-worker:1")).toBe(true);
    const c = await copy;
    expect(c.final.body).toMatchObject({ verdict: "accept", reason: "advanced" });
    expect(c.retries).toBe(0); // woken inside its first request
    expect(Date.now() - t).toBeLessThan(leaseMs(RPC_TIMEOUT_MS));
    // a release by anyone but the owner, or of a block no longer claimed, does nothing
    expect(await chainStub().release(CHAIN_ID.toString(), b.blockHash as `0x${string}`, "failed-worker:1")).toBe(false);
  });

  it("a block its owner's checks REJECT: every copy gets the REJECT, the sender is scored once", async () => {
    const h = await heads();
    const conflict = await control<{ hash: string }>({ op: "conflictingBlock", height: (h.crossSafe - 1n).toString() });
    const bad = await signed(conflict.hash);
    await control({ op: "rpcStats", reset: true });
    await control({ op: "faults.add", rule: { endpoint: "l1", method: "eth_getBlockByNumber", delayMs: 300 } });
    const copies = await Promise.all([0, 1, 2].map(() => relay(bad.message, testPeerId("Liar"))));
    for (const c of copies) expect(c.final.body.verdict).toBe("reject");
    expect(new Set(copies.map((c) => c.final.body.reason)).size).toBe(1);
    expect(copies[0]!.final.body.reason).toMatch(/^consolidation-mismatch:/);
    // and a copy arriving after the decision too
    expect((await relay(bad.message, testPeerId("Other"))).final.body).toMatchObject({ verdict: "reject", reason: copies[0]!.final.body.reason });
    expect(await checks()).toBe(1);
    expect((await peers()).peers.find((p) => p.peerId === testPeerId("Liar"))).toMatchObject({ rejected: 1 });
  });

  it("a replay of the owner's request is refused and leaves its claim alone", async () => {
    const h = await heads();
    const b = await signed(h.crossSafe);
    await control({ op: "faults.add", rule: { endpoint: "l1", method: "eth_getBlockByNumber", delayMs: 300 } });
    const owner = ingest(b.message, { nonce: "0123456789abcdef0123456789abcdef" });
    await sleep(100);
    const replay = await ingest(b.message, { nonce: "0123456789abcdef0123456789abcdef" });
    expect(replay.status).toBe(401);
    expect((await owner).body).toMatchObject({ verdict: "accept", reason: "advanced" });
  });
});
