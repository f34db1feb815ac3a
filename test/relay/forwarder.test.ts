// The forwarder against a real HTTP stub of the Worker's ingest endpoint: verdict pass-through,
// authentication, retries, deadline, back-pressure, local checks, seen cache, shutdown.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { computeMessageId } from "../../src/protocol/message-id.ts";
import type { Verdict } from "../../src/protocol/verdict.ts";
import { Forwarder, type ForwarderOptions, type VerdictEvent } from "../../src/relay/forwarder.ts";
import { createLogger } from "../../src/relay/log.ts";
import { createRelayMetrics, type RelayMetrics } from "../../src/relay/metrics.ts";
import { msgIdToString } from "../../src/relay/msg-id.ts";
import { IngestStub, startStub, testMessage, waitFor } from "../helpers/relay-ingest-stub.ts";
import { RELAY_ID, SECRET } from "../helpers/relay-nodes.ts";

const TOPIC = "/optimism/901/0/cross-safe-blocks";
const PEER = "16Uiu2HAmPeerPeerPeerPeerPeerPeerPeerPeerPeerPeer";

let stub: IngestStub;
let metrics: RelayMetrics;
let reports: Array<{ msgId: string; source: string; verdict: Verdict }>;
let events: VerdictEvent[];
let fwd: Forwarder | undefined;

async function job(kind: "accept" | "reject" | "ignore", tag: string, data = testMessage(kind, tag)) {
  return { msgId: msgIdToString(await computeMessageId(TOPIC, data)), topic: TOPIC, data, source: PEER, receivedMs: Date.now() };
}

function make(over: Partial<ForwarderOptions> = {}): Forwarder {
  fwd = new Forwarder({
    workerUrl: stub.url,
    relayId: RELAY_ID,
    secret: SECRET,
    report: (msgId, source, verdict) => reports.push({ msgId, source, verdict }),
    onVerdict: (e) => events.push(e),
    metrics,
    backoffBaseMs: 20,
    backoffMaxMs: 200,
    requestTimeoutMs: 1_000,
    deadlineMs: 5_000,
    ...over,
  });
  return fwd;
}

beforeEach(async () => {
  stub = await startStub({ secrets: { [RELAY_ID]: SECRET } });
  metrics = createRelayMetrics();
  reports = [];
  events = [];
});
afterEach(async () => {
  await fwd?.stop();
  fwd = undefined;
  await stub.stop();
});

describe("forwarder", () => {
  it("reports exactly the Worker's verdict, with signed metadata the Worker can verify", async () => {
    const f = make();
    const jobs = [await job("accept", "a"), await job("reject", "r"), await job("ignore", "i")];
    for (const j of jobs) f.submit(j);
    await f.idle();
    // requests run concurrently: compare by message, not by completion order
    const byId = (xs: Array<{ msgId: string }>) => [...xs].sort((a, b) => a.msgId.localeCompare(b.msgId));
    expect(byId(reports)).toEqual(byId(jobs.map((j, i) => ({ msgId: j.msgId, source: PEER, verdict: (["accept", "reject", "ignore"] as const)[i]! }))));
    expect(stub.authFailures).toEqual([]);
    const metas = (xs: Array<{ receivedMs: number; topic: string }>) => [...xs].sort((a, b) => a.receivedMs - b.receivedMs || a.topic.localeCompare(b.topic));
    expect(metas(stub.received.map((r) => r.meta))).toEqual(metas(jobs.map((j) => ({ relayId: RELAY_ID, topic: TOPIC, peerId: PEER, receivedMs: j.receivedMs }))));
    expect(events.every((e) => e.source === "worker")).toBe(true);
    expect(events.find((e) => e.job.msgId === jobs[0]!.msgId)!.response).toMatchObject({ verdict: "accept", reason: "valid" });
    expect(metrics.messageIdMismatch.get()).toBe(0);
    expect(metrics.messages.get({ verdict: "accept", source: "worker" })).toBe(1);
    expect(metrics.forwardLatency.count({ source: "worker" })).toBe(3);
    // the Worker's Server-Timing phases, and only those
    expect(metrics.workerPhase.count({ phase: "check" })).toBe(3);
    expect(metrics.workerPhase.count({ phase: "settle" })).toBe(3);
    expect(metrics.workerPhase.count({ phase: "other" })).toBe(0);
    expect(metrics.registry.render()).toMatch(/op_follow_relay_worker_phase_seconds_count\{phase="check"\} 3/);
  });

  it("rejects malformed envelopes locally, without asking the Worker", async () => {
    const f = make();
    const garbage = await job("reject", "x", Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1));
    f.submit(garbage);
    expect(reports).toEqual([{ msgId: garbage.msgId, source: PEER, verdict: "reject" }]);
    expect(stub.requests).toEqual([]);
    expect(metrics.localRejects.get({ reason: "snappy-bad-length" })).toBe(1);
  });

  it("answers a repeat from its seen cache: accepted → IGNORE, rejected → REJECT", async () => {
    const f = make();
    const a = await job("accept", "a");
    const r = await job("reject", "r");
    f.submit(a);
    f.submit(r);
    await f.idle();
    f.submit({ ...a, source: "other" });
    f.submit({ ...r, source: "other" });
    expect(reports.slice(2)).toEqual([
      { msgId: a.msgId, source: "other", verdict: "ignore" },
      { msgId: r.msgId, source: "other", verdict: "reject" },
    ]);
    expect(stub.received.length).toBe(2);
  });

  it("retries 5xx and network failures with backoff, then delivers", async () => {
    const f = make();
    stub.failWith = 503;
    const j = await job("accept", "after-503");
    f.submit(j);
    await waitFor(() => stub.requests.length >= 3, 5_000, "three 503s");
    stub.failWith = undefined;
    await stub.stop(); // now the port refuses connections
    await new Promise((r) => setTimeout(r, 150));
    await stub.start();
    await f.idle();
    expect(reports).toEqual([{ msgId: j.msgId, source: PEER, verdict: "accept" }]);
    expect(metrics.retries.get({ cause: "5xx" })).toBeGreaterThanOrEqual(3);
    expect(stub.received.length).toBe(1);
  });

  it("retries the Worker's fail-closed 503 (its nonce table is full) until it has room, then delivers", async () => {
    const f = make();
    stub.failWith = 503;
    stub.failBody = { error: "unavailable", reason: "nonce-table-full" }; // src/worker/ingest-nonce.ts
    stub.failHeaders = { "retry-after": "1" };
    const j = await job("accept", "nonces-full");
    f.submit(j);
    await waitFor(() => stub.requests.length >= 2, 5_000, "two refusals");
    expect(reports).toEqual([]); // no verdict while refused: nothing was decided
    stub.failWith = undefined;
    await f.idle();
    expect(reports).toEqual([{ msgId: j.msgId, source: PEER, verdict: "accept" }]);
    expect(events[0]).toMatchObject({ source: "worker", verdict: "accept" });
    expect(metrics.retries.get({ cause: "5xx" })).toBeGreaterThanOrEqual(2);
    expect(stub.received.length).toBe(1);
  });

  it("keeps a message pending on 202 {retry} (another relay's copy owns the block's check) and asks again when told, without counting a Worker failure", async () => {
    const f = make();
    stub.failWith = 202;
    stub.failBody = { retry: true, retryAfterMs: 50, reason: "claimed-by-another-request", messageId: "", number: "7", blockHash: "0x00" };
    const j = await job("accept", "claimed");
    f.submit(j);
    await waitFor(() => stub.requests.length >= 4, 5_000, "four 202s");
    expect(reports).toEqual([]); // no verdict while the owner's check runs
    expect(f.health.failing).toBe(false);
    expect(f.health.status().consecutiveFailures).toBe(0);
    stub.failWith = undefined; // the owner settled: the next request gets the verdict
    await f.idle();
    expect(reports).toEqual([{ msgId: j.msgId, source: PEER, verdict: "accept" }]);
    expect(metrics.retries.get({ cause: "claimed" })).toBeGreaterThanOrEqual(4);
    // paced by retryAfterMs (about 50 ms apart), not by a growing backoff
    expect(events[0]!.latencyMs).toBeLessThan(2_000);
  });

  it("a claim that outlasts the message's deadline ends in IGNORE (worker-deadline-claimed); an unexpected 202 body is a bad response, retried", async () => {
    const f = make({ deadlineMs: 400 });
    stub.failWith = 202;
    stub.failBody = { retry: true, retryAfterMs: 100, reason: "claimed-by-another-request" };
    const j = await job("accept", "claimed-long");
    f.submit(j);
    await f.idle();
    expect(reports).toEqual([{ msgId: j.msgId, source: PEER, verdict: "ignore" }]);
    expect(events[0]).toMatchObject({ source: "deadline", reason: "worker-deadline-claimed" });
    stub.failBody = { surprise: true };
    const k = await job("accept", "odd-202");
    f.submit(k);
    await f.idle();
    expect(metrics.retries.get({ cause: "bad-body" })).toBeGreaterThanOrEqual(1);
    expect(events[1]).toMatchObject({ source: "deadline", reason: "worker-deadline" });
    expect(f.health.status().consecutiveFailures).toBeGreaterThanOrEqual(1);
  });

  it("treats 401 as a transport failure: never REJECTs, IGNOREs at the deadline", async () => {
    const f = make({ secret: "wrong-secret-0123456789", deadlineMs: 600 });
    const j = await job("reject", "bad-auth");
    f.submit(j);
    await f.idle();
    expect(reports).toEqual([{ msgId: j.msgId, source: PEER, verdict: "ignore" }]);
    expect(events[0]).toMatchObject({ source: "deadline" });
    expect(stub.authFailures.length).toBeGreaterThanOrEqual(2);
    expect(metrics.retries.get({ cause: "401" })).toBeGreaterThanOrEqual(2);
    expect(events[0]!.latencyMs).toBeLessThan(1_500);
  });

  it("413 → REJECT; another 4xx → IGNORE without retrying", async () => {
    const f = make();
    stub.failWith = 413;
    f.submit(await job("accept", "big"));
    await f.idle();
    stub.failWith = 400;
    f.submit(await job("accept", "bad-request"));
    await f.idle();
    expect(reports.map((r) => r.verdict)).toEqual(["reject", "ignore"]);
    expect(stub.requests.map((r) => r.status)).toEqual([413, 400]);
  });

  it("bounds its queue: when full, new messages are IGNOREd at once and counted", async () => {
    const f = make({ maxQueue: 3, concurrency: 2, deadlineMs: 10_000 });
    await stub.stop();
    const jobs = await Promise.all(Array.from({ length: 10 }, (_, i) => job("accept", `q${i}`)));
    let maxDepth = 0;
    for (const j of jobs) {
      f.submit(j);
      maxDepth = Math.max(maxDepth, f.queueDepth);
    }
    // 2 in flight, 3 queued, 5 overflowed
    expect(maxDepth).toBe(3);
    expect(f.inFlightCount).toBe(2);
    expect(reports.map((r) => r.verdict)).toEqual(Array(5).fill("ignore"));
    expect(metrics.queueOverflow.get()).toBe(5);
    await stub.start();
    await f.idle();
    expect(stub.tags("accept").sort()).toEqual(["q0", "q1", "q2", "q3", "q4"]);
  });

  it("serves a good peer's message before a low-standing peer's backlog, and caps each peer's share (overflow:peer-queue-full)", async () => {
    const f = make({ concurrency: 1, maxPerPeer: 4, peerScore: (p) => (p === "bad" ? -1 : 0) });
    stub.delayMs = 50;
    for (let i = 0; i < 6; i++) f.submit({ ...(await job("accept", `bad${i}`)), source: "bad" });
    f.submit(await job("accept", "good"));
    await f.idle();
    // bad0 was in flight; the good peer's message went next; bad4 and bad5 were over bad's share of 4
    expect(stub.tags()).toEqual(["bad0", "good", "bad1", "bad2", "bad3"]);
    expect(events.filter((e) => e.reason === "peer-queue-full").map((e) => e.job.source)).toEqual(["bad", "bad"]);
    expect(reports.filter((r) => r.source === "bad" && r.verdict === "ignore")).toHaveLength(2);
    expect(events.find((e) => e.job.source === PEER)!.queuedMs).toBeGreaterThanOrEqual(0);
  });

  it("bounds queued bytes too", async () => {
    const f = make({ maxQueueBytes: 250, concurrency: 1 });
    await stub.stop();
    for (let i = 0; i < 5; i++) f.submit(await job("accept", `b${i}`, testMessage("accept", `b${i}`, 200, true)));
    expect(f.queueBytes).toBeLessThanOrEqual(250);
    expect(metrics.queueOverflow.get()).toBeGreaterThan(0);
  });

  it("IGNOREs whatever is pending on stop", async () => {
    const f = make();
    await stub.stop();
    const j = await job("accept", "pending");
    f.submit(j);
    await new Promise((r) => setTimeout(r, 50));
    await f.stop();
    expect(reports).toEqual([{ msgId: j.msgId, source: PEER, verdict: "ignore" }]);
    expect(events[0]!.source).toBe("shutdown");
  });

  it("logs the Worker's `detail` for a verdict the operator can fix, and keeps its block number a number", async () => {
    const lines: string[] = [];
    const f = make({ log: createLogger({ level: "warn", sink: (l) => lines.push(l) }) });
    const detail = "the block's message decodes to 70000 bytes, over this Worker's MAX_BLOCK_BYTES of 16384; raise it";
    stub.decide = () => ({ verdict: "ignore", reason: "block-over-limit", number: 42, detail });
    f.submit(await job("ignore", "big"));
    await f.idle();
    expect(events[0]!.response).toMatchObject({ verdict: "ignore", reason: "block-over-limit", number: 42, detail });
    const warn = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "Worker verdict needs the operator's attention");
    expect(warn).toMatchObject({ reason: "block-over-limit", hint: detail });
  });

  it("counts a Worker message id that differs from the relay's", async () => {
    const f = make();
    const j = await job("accept", "id");
    f.submit({ ...j, msgId: msgIdToString(new Uint8Array(20)) });
    await f.idle();
    expect(metrics.messageIdMismatch.get()).toBe(1);
  });

  it("signs with the relay's own clock: 20 s of skew either way is accepted, 40 s is refused (401) and retried", async () => {
    for (const skewS of [20, -20]) {
      const now = (): number => Date.now() + skewS * 1000;
      const f = make({ now });
      // stamped on receipt by the relay's clock (relay.ts)
      f.submit({ ...(await job("accept", `skew${skewS}`)), receivedMs: now() });
      await f.idle();
      await f.stop();
    }
    expect(stub.authFailures).toEqual([]);
    expect(stub.tags("accept")).toEqual(["skew20", "skew-20"]);

    const f = make({ now: () => Date.now() + 40_000, deadlineMs: 400 });
    f.submit({ ...(await job("accept", "skew40")), receivedMs: Date.now() + 40_000 });
    await f.idle();
    expect(stub.authFailures.length).toBeGreaterThan(0);
    expect(new Set(stub.authFailures)).toEqual(new Set(["stale"]));
    expect(metrics.retries.get({ cause: "401" })).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ verdict: "ignore", source: "deadline" });
  });
});
