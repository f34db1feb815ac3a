// The Worker's /healthz tells the truth, by the rules in src/worker/health.ts (README "Health"), with
// the thresholds shortened in vitest.config.ts (RPC failing after 2 s, faults recent for 3 s, head
// stalled after 2 s, failing after 4 s): each transition for RPC down, an equivocation alarm and a
// stalled head, against the real Worker and Durable Object and the devnet's nodes over HTTP. The
// same facts at /metrics.
import { evictDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin, CHAIN_ID, chainStub, control, crossSafe, heads, ingest, runAlarm, signed } from "./harness.ts";
import { freshWorld } from "./setup.ts";
import { testPeerId } from "../helpers/peer-ids.ts";

freshWorld();

interface Reason {
  code: string;
  status: string;
  detail: string;
}
interface Endpoint {
  lastSuccessAtMs: number | null;
  lastError: { atMs: number; reason: string } | null;
  downSinceAtMs: number | null;
}
interface Chain {
  status: string;
  reasons: Reason[];
  rpc: Record<string, Endpoint>;
  alarm: { raisedAtMs: number; number: number; evidenceId: number } | null;
  head: number | null;
  headMovedAtMs: number | null;
  headAgeMs: number | null;
  localSafe: number | null;
  lag: number | null;
  stalledMs: number;
}
interface Healthz {
  ok: boolean;
  status: string;
  reasons: (Reason & { chainId: string })[];
  health: Record<string, Chain>;
}

async function healthz(): Promise<{ http: number; body: Healthz; chain: Chain }> {
  const res = await SELF.fetch("http://follower/healthz");
  const body = (await res.json()) as Healthz;
  return { http: res.status, body, chain: body.health[CHAIN_ID]! };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codes = (c: Chain) => c.reasons.map((r) => r.code);

/** The head at local-safe (lag 0), every endpoint asked once: the chain is ok. */
async function healthyHead(): Promise<bigint> {
  const h = await heads();
  expect((await ingest((await signed(h.localSafe)).message)).body).toMatchObject({ verdict: "accept" });
  await runAlarm();
  const z = await healthz();
  expect(z.chain).toMatchObject({ status: "ok", reasons: [], head: Number(h.localSafe), localSafe: Number(h.localSafe), lag: 0, alarm: null, stalledMs: 0 });
  for (const ep of ["l1", "l2", "rollup"]) expect(z.chain.rpc[ep]).toMatchObject({ lastError: null, downSinceAtMs: null, lastSuccessAtMs: expect.any(Number) });
  expect(z).toMatchObject({ http: 200, body: { ok: true, status: "ok" } });
  return h.localSafe;
}

async function metrics(): Promise<string> {
  return (await SELF.fetch("http://follower/metrics")).text();
}

describe("/healthz", () => {
  it("RPC down: ok → degraded → failing (503) → degraded → ok", async () => {
    await healthyHead();
    await control({ op: "faults.add", rule: { endpoint: "rollup", fault: { kind: "http-status", status: 500 } } });
    const t0 = Date.now();
    await runAlarm(); // the alarm reads local-safe from the rollup node every tick
    let z = await healthz();
    expect(z.http).toBe(200);
    expect(z.chain.status).toBe("degraded");
    expect(z.chain.reasons).toEqual([{ code: "rpc-failing:rollup", status: "degraded", detail: expect.stringContaining("rpc-http-error:rollup") }]);
    expect(z.chain.rpc["rollup"]!.lastError).toEqual({ atMs: expect.any(Number), reason: "rpc-http-error:rollup" });
    expect(z.chain.rpc["rollup"]!.downSinceAtMs).toBeGreaterThanOrEqual(t0);
    expect(await metrics()).toContain(`op_follow_rpc_up{chain="${CHAIN_ID}",endpoint="rollup"} 0`);

    await sleep(2_100);
    await runAlarm();
    z = await healthz();
    expect(z.http).toBe(503);
    expect(z.body).toMatchObject({ ok: false, status: "failing" });
    // liveness is another matter: the Worker serves
    expect((await SELF.fetch("http://follower/livez")).status).toBe(200);
    expect(z.body.reasons).toContainEqual({ chainId: CHAIN_ID, code: "rpc-down:rollup", status: "failing", detail: expect.stringMatching(/no success for \d+ s/) });
    const m = await metrics();
    expect(m).toContain(`op_follow_health_status{chain="${CHAIN_ID}"} 2`);
    expect(m).toContain(`op_follow_health_reason{chain="${CHAIN_ID}",code="rpc-down:rollup",status="failing"} 1`);
    expect(m).toMatch(new RegExp(`op_follow_rpc_errors_total\\{chain="${CHAIN_ID}",endpoint="rollup",reason="rpc-http-error:rollup"\\} [2-9]`));

    await control({ op: "faults.clear" });
    await runAlarm();
    z = await healthz();
    expect(z.http).toBe(200);
    expect(z.chain).toMatchObject({ status: "degraded", reasons: [{ code: "rpc-errors:rollup", status: "degraded" }] });
    expect(z.chain.rpc["rollup"]!.downSinceAtMs).toBeNull();
    expect(await metrics()).toContain(`op_follow_rpc_up{chain="${CHAIN_ID}",endpoint="rollup"} 1`);

    await sleep(3_100);
    z = await healthz();
    expect(z).toMatchObject({ http: 200, body: { ok: true, status: "ok" }, chain: { status: "ok", reasons: [] } });
  });

  it("an ingest's RPC faults reach the record with its settle call (no alarm run)", async () => {
    const top = await healthyHead();
    await control({ op: "advanceBlocks", count: 1 });
    await control({ op: "faults.add", rule: { endpoint: "l2", method: "eth_getBlockByNumber", fault: { kind: "http-status", status: 502 } } });
    expect((await ingest((await signed(top + 1n)).message)).body).toMatchObject({ verdict: "ignore", reason: "rpc-http-error:l2" });
    const z = await healthz();
    expect(z.chain.status).toBe("degraded");
    expect(codes(z.chain)).toEqual(["rpc-failing:l2"]);
    expect(z.chain.rpc["l2"]!.lastError!.reason).toBe("rpc-http-error:l2");
    // the same check reached the rollup node (and L1) fine
    expect(z.chain.rpc["rollup"]!.downSinceAtMs).toBeNull();
  });

  it("an L1 node nothing asks lately is probed by the alarm", async () => {
    await healthyHead();
    await control({ op: "faults.add", rule: { endpoint: "l1", fault: { kind: "http-status", status: 503 } } });
    // with no candidate pending the alarm reads only the rollup and L2 nodes; L1, quiet for half of
    // HEALTH_RPC_FAILING_SECONDS, gets one cheap call
    await sleep(1_100);
    await runAlarm();
    const z = await healthz();
    expect(codes(z.chain)).toEqual(["rpc-failing:l1"]);
    expect(z.chain.rpc["l1"]!.lastError!.reason).toBe("rpc-http-error:l1");
  });

  it("equivocation alarm: ok → failing (503) while raised → ok once cleared", async () => {
    const at = await healthyHead();
    await control({ op: "setHeads", crossSafe: at.toString() }); // the devnet equivocates only at cross-safe heights
    await control({ op: "equivocate", height: at.toString() });
    const st = await control<{ equivocations: { equivocating: string }[] }>({ op: "status" });
    const second = await signed(st.equivocations[0]!.equivocating);
    expect((await ingest(second.message, { peer: testPeerId("HonestRelayer") })).body).toMatchObject({ verdict: "ignore", reason: "equivocation" });
    let z = await healthz();
    expect(z.http).toBe(503);
    expect(z.chain.status).toBe("failing");
    expect(z.chain.alarm).toMatchObject({ number: Number(at), raisedAtMs: expect.any(Number), evidenceId: expect.any(Number) });
    expect(z.chain.reasons).toContainEqual({ code: "alarm-raised", status: "failing", detail: expect.stringContaining(`equivocation at block ${at}`) });
    const m = await metrics();
    expect(m).toContain(`op_follow_alarm{chain="${CHAIN_ID}"} 1`);
    expect(m).toMatch(new RegExp(`op_follow_alarm_raised_timestamp_seconds\\{chain="${CHAIN_ID}"\\} \\d+`));

    expect((await admin("clear-alarm")).status).toBe(200);
    z = await healthz();
    expect(z).toMatchObject({ http: 200, chain: { status: "ok", alarm: null, reasons: [] } });
  });

  it("head stalled: ok → degraded → failing (503) → ok when the head moves", async () => {
    const top = await healthyHead();
    const moved = (await healthz()).chain.headMovedAtMs!;
    expect(moved).toBe((await crossSafe())!.updatedAtMs);
    await control({ op: "advanceBlocks", count: 3 }); // local-safe moves on, no relay sends the blocks
    await runAlarm(); // local-safe is read
    let z = await healthz();
    expect(z.chain).toMatchObject({ status: "ok", lag: 3, head: Number(top) });

    await sleep(2_100);
    z = await healthz();
    expect(z.http).toBe(200);
    expect(z.chain.status).toBe("degraded");
    expect(z.chain.reasons).toEqual([{ code: "head-stalled", status: "degraded", detail: expect.stringContaining("local-safe 3 blocks ahead") }]);
    expect(z.chain.stalledMs).toBeGreaterThanOrEqual(2_000);
    expect(z.chain.headAgeMs).toBeGreaterThanOrEqual(2_000);

    await sleep(2_000);
    z = await healthz();
    expect(z.http).toBe(503);
    expect(z.chain.reasons).toEqual([{ code: "head-stalled", status: "failing", detail: expect.any(String) }]);
    expect(await metrics()).toMatch(new RegExp(`op_follow_head_stalled_seconds\\{chain="${CHAIN_ID}"\\} [4-9]`));

    // the relays deliver: the head moves to local-safe
    expect((await ingest((await signed(top + 3n)).message)).body).toMatchObject({ verdict: "accept" });
    z = await healthz();
    expect(z).toMatchObject({ http: 200, chain: { status: "ok", reasons: [], lag: 0, stalledMs: 0 } });
    expect(z.chain.headMovedAtMs).toBeGreaterThan(moved);
  });

  it("the record survives a restart of the Durable Object", async () => {
    await healthyHead();
    await control({ op: "faults.add", rule: { endpoint: "rollup", fault: { kind: "http-status", status: 500 } } });
    await runAlarm(); // an endpoint going down is written at once
    await evictDurableObject(chainStub());
    const z = await healthz();
    expect(z.chain.rpc["rollup"]!.lastError!.reason).toBe("rpc-http-error:rollup");
    expect(z.chain.rpc["rollup"]!.downSinceAtMs).not.toBeNull();
    expect(codes(z.chain)).toEqual(["rpc-failing:rollup"]);
  });
});
