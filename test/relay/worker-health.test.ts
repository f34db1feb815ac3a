// The relay's health follows the Worker's: /healthz turns 503 and op_follow_relay_worker_up 0 when
// requests keep failing (401 for a wrong secret, 5xx, no answer) for --worker-failing-after, naming
// the reason; one success brings it back. Real libp2p nodes and the HTTP ingest stub.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crossSafeTopic } from "../../src/protocol/topic.ts";
import type { GossipNode } from "../../src/relay/node.ts";
import type { Relay } from "../../src/relay/relay.ts";
import { failureOfStatus, WorkerHealth } from "../../src/relay/worker-health.ts";
import { startStub, testMessage, waitFor, type IngestStub } from "../helpers/relay-ingest-stub.ts";
import { CHAIN_ID, connect, gossipPeer, launchRelay, RELAY_ID, SECRET, stopAll } from "../helpers/relay-nodes.ts";

describe("WorkerHealth", () => {
  it("unknown → ok → degraded → failing only when sustained (≥ 3 in a row over the window) → ok", () => {
    let t = 1_000_000;
    const h = new WorkerHealth({ windowMs: 30_000, now: () => t });
    expect(h.status()).toEqual({ state: "unknown", consecutiveFailures: 0, lastOkMs: null });
    h.ok();
    expect(h.status().state).toBe("ok");
    expect(h.fail("auth", "401 bad-signature")).toBe(true);
    t += 40_000;
    expect(h.status().state).toBe("degraded"); // one failure, however old, is not sustained
    h.fail("auth", "401");
    expect(h.fail("http-5xx", "503 unavailable")).toBe(false);
    expect(h.status()).toMatchObject({ state: "failing", reason: "http-5xx", consecutiveFailures: 3, causes: { auth: 2, "http-5xx": 1 }, failingSinceMs: 1_000_000, lastOkMs: 1_000_000 });
    expect(h.ok()).toBe(true);
    expect(h.status().state).toBe("ok");
    // many failures within the window: degraded, not failing
    for (let i = 0; i < 50; i++) h.fail("timeout", "no answer");
    t += 29_999;
    expect(h.failing).toBe(false);
    t += 1;
    expect(h.status()).toMatchObject({ state: "failing", reason: "timeout", message: expect.stringContaining("--request-timeout") });
  });

  it("classifies statuses", () => {
    expect([401, 500, 503, 408, 429, 404, 400, 413, 200].map(failureOfStatus)).toEqual(["auth", "http-5xx", "http-5xx", "throttled", "throttled", "refused", "refused", undefined, undefined]);
  });
});

interface Healthz {
  ok: boolean;
  reason?: string;
  message?: string;
  workerFailing: boolean;
  worker: { ingest: { state: string; reason?: string; consecutiveFailures: number } };
}

describe("relay /healthz and op_follow_relay_worker_up against a failing Worker", () => {
  const TOPIC = crossSafeTopic(CHAIN_ID);
  let stub: IngestStub;
  let relay: Relay;
  let pub: GossipNode;
  let n = 0;
  let publisher: ReturnType<typeof setInterval>;

  beforeAll(async () => {
    stub = await startStub({ secrets: { [RELAY_ID]: SECRET } });
    relay = await launchRelay(stub.url, { metricsAddr: "127.0.0.1:0", workerFailingAfterMs: 1_000, requestTimeoutMs: 300, deadlineMs: 4_000 });
    pub = await gossipPeer([TOPIC]);
    await connect(pub, relay.node);
    await relay.node.waitForTopicPeers(TOPIC, 1, 5_000);
    // steady traffic, as on a live chain
    publisher = setInterval(() => void pub.publishRaw(TOPIC, testMessage("accept", `m-${n++}`)).catch(() => undefined), 100);
  });
  afterAll(async () => {
    clearInterval(publisher);
    await stopAll(pub, relay, stub);
  });

  const base = (): string => `http://127.0.0.1:${relay.metricsServer!.port}`;
  async function healthz(): Promise<{ status: number; body: Healthz }> {
    const r = await fetch(`${base()}/healthz`);
    return { status: r.status, body: (await r.json()) as Healthz };
  }
  async function workerUp(): Promise<number> {
    const text = await (await fetch(`${base()}/metrics`)).text();
    return Number(/^op_follow_relay_worker_up (\d)$/m.exec(text)![1]);
  }
  async function expectHealthy(): Promise<void> {
    await waitFor(() => stub.received.length > 0, 5_000, "a message through");
    let h = await healthz();
    // 200 comes back while the state is still "degraded"; "ok" follows the next successful request
    const ok = () => h.status === 200 && (h.body as { worker?: { ingest?: { state?: string } } }).worker?.ingest?.state === "ok";
    for (let i = 0; i < 200 && !ok(); i++) h = await new Promise((r) => setTimeout(r, 50)).then(healthz);
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ ok: true, workerFailing: false, worker: { ingest: { state: "ok" } } });
    expect(h.body.reason).toBeUndefined();
    expect(await workerUp()).toBe(1);
  }
  /** Polls until /healthz is 503; checks that it was not 503 before `windowMs` of failures. */
  async function expectFailing(reason: string, message: RegExp): Promise<void> {
    const t0 = Date.now();
    let h = await healthz();
    while (h.status !== 503) {
      if (Date.now() - t0 > 10_000) throw new Error(`still healthy after 10 s: ${JSON.stringify(h.body)}`);
      await new Promise((r) => setTimeout(r, 50));
      h = await healthz();
    }
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900); // sustained, not the first failure
    expect(h.body).toMatchObject({ ok: false, reason, workerFailing: true, worker: { ingest: { state: "failing" } } });
    expect(h.body.message).toMatch(message);
    expect(h.body.worker.ingest.consecutiveFailures).toBeGreaterThanOrEqual(3);
    expect(await workerUp()).toBe(0);
  }

  it("healthy while the Worker answers", async () => {
    await expectHealthy();
  });

  it("a wrong secret (401): failing, reason worker-ingest-auth; fixed: healthy again", async () => {
    stub.o.secrets[RELAY_ID] = "another-secret-0123456789abcdef0123";
    await expectFailing("worker-ingest-auth", /401.*check --relay-id, the secret/);
    stub.o.secrets[RELAY_ID] = SECRET;
    stub.received.length = 0;
    await expectHealthy();
  });

  it("5xx: failing, reason worker-ingest-http-5xx; then healthy", async () => {
    stub.failWith = 503;
    await expectFailing("worker-ingest-http-5xx", /server errors \(5xx\).*last: 503/);
    stub.failWith = undefined;
    stub.received.length = 0;
    await expectHealthy();
  });

  it("a Worker that hangs: failing, reason worker-ingest-timeout; then healthy", async () => {
    stub.delayMs = 2_000;
    await expectFailing("worker-ingest-timeout", /does not answer within --request-timeout/);
    stub.delayMs = 0;
    stub.received.length = 0;
    await expectHealthy();
  });

  it("unreachable: failing, reason worker-ingest-unreachable; back: healthy", async () => {
    await stub.stop();
    await expectFailing("worker-ingest-unreachable", /cannot connect to the Worker/);
    await stub.start();
    stub.received.length = 0;
    await expectHealthy();
  });
});
