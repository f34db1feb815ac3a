// Relay authentication on POST /v1/ingest: every failure is a 401 (or 413 for size) and changes
// nothing. A 401 says only "unauthorized" (a reason would tell an outsider which relay ids exist);
// the reason is in the Worker's log.
import { SELF } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { MAX_GOSSIP_SIZE } from "../../src/protocol/snappy.ts";
import { H } from "../../src/protocol/ingest-auth.ts";
import { TEST_RELAY_ID } from "./secrets.ts";
import { admin, CHAIN_ID, control, crossSafe, heads, ingest, peers, signed, status } from "./harness.ts";
import { freshWorld } from "./setup.ts";
import { testPeerId } from "../helpers/peer-ids.ts";

freshWorld();

/** What `f` made the Worker log as unauthorized requests (its console is this isolate's). */
async function unauthorizedLogs(f: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const spy = vi.spyOn(console, "log");
  try {
    await f();
    return spy.mock.calls.flatMap(([line]) => {
      try {
        const j = JSON.parse(String(line));
        return j?.msg === "unauthorized" ? [j] : [];
      } catch {
        return [];
      }
    });
  } finally {
    spy.mockRestore();
  }
}

/** Peer records with scores to whole points: scores decay continuously, a penalty is 10 points. */
async function peerState() {
  const p = await peers();
  return { ...p, peers: p.peers.map((x) => ({ ...x, score: Math.round(x.score) })) };
}

async function unchanged<T>(f: () => Promise<T>): Promise<T> {
  const before = { head: await crossSafe(), status: await status(), peers: await peerState() };
  const r = await f();
  expect(await crossSafe()).toEqual(before.head);
  expect((await status())["events"]).toEqual(before.status["events"]);
  expect(await peerState()).toEqual(before.peers);
  return r;
}

describe("ingest authentication", () => {
  const cases: [string, (m: Uint8Array) => ReturnType<typeof ingest>, string][] = [
    ["no signature header", (m) => ingest(m, { headers: (h) => delete h[H.signature] }), "missing-header"],
    ["no nonce", (m) => ingest(m, { headers: (h) => delete h[H.nonce] }), "missing-header"],
    ["no relay id", (m) => ingest(m, { headers: (h) => delete h[H.relay] }), "missing-header"],
    ["unknown relay", (m) => ingest(m, { relay: "stranger" }), "unknown-relay"],
    ["wrong secret", (m) => ingest(m, { secret: "not-the-secret-0123456789abcdef012345" }), "bad-signature"],
    ["tampered body", (m) => ingest(m, { sendBody: Uint8Array.from(m, (b, i) => (i === 10 ? b ^ 1 : b)) }), "bad-signature"],
    ["tampered peer id (would get an honest peer penalised)", (m) => ingest(m, { headers: (h) => void (h[H.peer] = testPeerId("Victim")) }), "bad-signature"],
    ["tampered topic", (m) => ingest(m, { headers: (h) => void (h[H.topic] = "/optimism/10/0/cross-safe-blocks") }), "bad-signature"],
    ["tampered receive time", (m) => ingest(m, { headers: (h) => void (h[H.received] = "1") }), "bad-signature"],
    ["timestamp 31 s in the past", (m) => ingest(m, { nowSeconds: Math.floor(Date.now() / 1000) - 31 }), "stale"],
    ["timestamp 31 s in the future", (m) => ingest(m, { nowSeconds: Math.floor(Date.now() / 1000) + 31 }), "stale"],
    ["malformed timestamp", (m) => ingest(m, { headers: (h) => void (h[H.timestamp] = "soon") }), "bad-timestamp"],
    ["malformed nonce", (m) => ingest(m, { headers: (h) => void (h[H.nonce] = "zz") }), "bad-nonce"],
    ["malformed signature", (m) => ingest(m, { headers: (h) => void (h[H.signature] = "abc") }), "bad-signature"],
  ];
  for (const [name, send, reason] of cases) {
    it(`${name} → 401 ${reason}`, async () => {
      const h = await heads();
      const b = await signed(h.crossSafe);
      let r!: Awaited<ReturnType<typeof send>>;
      const logs = await unauthorizedLogs(async () => void (r = await unchanged(() => send(b.message))));
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: "unauthorized" });
      expect(logs).toEqual([expect.objectContaining({ level: "warn", route: "ingest", reason })]);
    });
  }

  it("a replayed nonce → 401, even though the first request was accepted", async () => {
    const h = await heads();
    const b = await signed(h.crossSafe);
    const nonce = "00112233445566778899aabbccddeeff";
    expect((await ingest(b.message, { nonce })).body.verdict).toBe("accept");
    let r!: Awaited<ReturnType<typeof ingest>>;
    const logs = await unauthorizedLogs(async () => void (r = await unchanged(() => ingest(b.message, { nonce }))));
    expect({ status: r.status, body: r.body }).toEqual({ status: 401, body: { error: "unauthorized" } });
    expect(logs).toEqual([expect.objectContaining({ reason: "replayed-nonce", relay: TEST_RELAY_ID })]);
  });

  it("a replay still being checked when the signing window closes is refused: the nonce outlives the checks", async () => {
    const h = await heads();
    const b = await signed(h.crossSafe);
    // the follower's L2 node hangs: each check takes the RPC timeout (1 s here) before settling
    await control({ op: "faults.add", rule: { endpoint: "l2", method: "eth_getBlockByNumber", fault: { kind: "hang" } } });
    try {
      while (Date.now() % 1000 > 100) await new Promise((r) => setTimeout(r, 10));
      const nowSeconds = Math.floor(Date.now() / 1000) - 29; // the window closes in about a second
      const nonce = "0123456789abcdef0123456789abcdef";
      expect((await ingest(b.message, { nonce, nowSeconds })).body).toMatchObject({ verdict: "ignore", reason: "rpc-timeout:l2" });
      let r!: Awaited<ReturnType<typeof ingest>>;
      const logs = await unauthorizedLogs(async () => void (r = await unchanged(() => ingest(b.message, { nonce, nowSeconds }))));
      expect({ status: r.status, body: r.body }).toEqual({ status: 401, body: { error: "unauthorized" } });
      expect(logs).toEqual([expect.objectContaining({ reason: "replayed-nonce" })]);
    } finally {
      await control({ op: "faults.clear" });
    }
  });

  it("a replayed nonce on a rejected message is refused too (the peer is not penalised twice)", async () => {
    const nonce = "ffeeddccbbaa99887766554433221100";
    expect((await ingest(Uint8Array.of(1, 2, 3), { nonce, peer: testPeerId("X") })).body.verdict).toBe("reject");
    const r = await unchanged(() => ingest(Uint8Array.of(1, 2, 3), { nonce, peer: testPeerId("X") }));
    expect(r.status).toBe(401);
  });

  it("an oversized body → 413 before anything is read or decided", async () => {
    const big = new Uint8Array(MAX_GOSSIP_SIZE + 1);
    const res = await unchanged(() =>
      SELF.fetch("http://follower/v1/ingest", { method: "POST", headers: { "content-type": "application/octet-stream" }, body: big }),
    );
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: "too-large" });
  });

  it("a message on a topic this deployment does not serve is ignored, once: its nonce is used up", async () => {
    const h = await heads();
    const b = await signed(h.crossSafe);
    for (const [i, topic] of ["/optimism/10/0/cross-safe-blocks", "/optimism/10/3/blocks", "nonsense"].entries()) {
      const nonce = `${i}`.repeat(32);
      const r = await unchanged(() => ingest(b.message, { topic, nonce }));
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ verdict: "ignore", reason: "chain-not-served" });
      // a replay of it is refused like any other
      const again = await unchanged(() => ingest(b.message, { topic, nonce }));
      expect({ status: again.status, body: again.body }).toEqual({ status: 401, body: { error: "unauthorized" } });
    }
    // A served chain's blocks topic is served (the unsafe head): an attestation sent there is checked as
    // an unsafe block (domain 0), so its signature names someone else — and the cross-safe state is untouched.
    const r = await unchanged(() => ingest(b.message, { topic: `/optimism/${CHAIN_ID}/3/blocks` }));
    expect(r.body).toMatchObject({ verdict: "reject", reason: "wrong-signer" });
  });

  it("admin routes answer 401 without a reason too", async () => {
    let r!: Response;
    const logs = await unauthorizedLogs(async () => void (r = await admin("refresh", "z".repeat(40))));
    expect({ status: r.status, body: await r.json() }).toEqual({ status: 401, body: { error: "unauthorized" } });
    expect(logs).toEqual([expect.objectContaining({ route: "admin", reason: "bad-token" })]);
  });
});
