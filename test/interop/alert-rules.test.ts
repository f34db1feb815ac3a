// The shipped alert rules (docs/alerts/op-follow.rules.yml) evaluated by Prometheus's own rule
// engine (`promtool test rules`, built by build.sh from test/interop/promtool) on what the real
// system exposes: the devnet chain server, the Worker under `wrangler dev`, the relay and the
// publisher (src/devnet/stack.ts). /metrics of the Worker and of the relays are scraped once a
// second while the chain advances one block per scrape, through
//   a healthy run      — no rule may fire;
//   an L2 RPC outage   — OpFollowRpcDown, OpFollowRpcErrors, OpFollowWorkerFailing, OpFollowHeadStalled,
//                        OpFollowLagRising fire;
//   an equivocation    — OpFollowEquivocationAlarm fires;
//   a relay with a wrong secret — OpFollowRelayWorkerDown fires (the good relay's stays silent).
// Each scrape is fed to promtool as one minute (interval 1m): the rules' windows and `for:` are
// minutes, the scenarios seconds. Only what is invariant under that stretch is used by the rules
// (state gauges, counts, changes(), the sign of deriv()); the Worker's own thresholds are shortened
// with its HEALTH_* vars to match.
import "../../src/node/keccak.ts";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedGossipMessage } from "../../src/devnet/gossip.ts";
import { startChainServer, type ChainServer } from "../../src/devnet/rpc-server.ts";
import { startStack, type Stack } from "../../src/devnet/stack.ts";
import { silentLogger } from "../../src/relay/log.ts";
import { startRelay, type Relay } from "../../src/relay/relay.ts";
import { INTEROP_DIR } from "./harness/go-helpers.ts";
import { INTEROP_SKIP } from "./harness/interop-env.ts";
import { parseExposition, promtool, rulesTestFile, type ExpAlert, type RuleTestGroup, type Scrape } from "./harness/promtool.ts";

const RULES = resolve(INTEROP_DIR, "../../docs/alerts/op-follow.rules.yml");
const KEEP = new Set(["op_follow_alarm", "op_follow_lag_blocks", "op_follow_cross_safe_head", "op_follow_rpc_up", "op_follow_rpc_errors_total", "op_follow_health_status", "op_follow_relay_worker_up"]);
const WORKER = { job: "op-follow-worker", instance: "worker" };
const ALERTS = ["OpFollowEquivocationAlarm", "OpFollowHeadStalled", "OpFollowLagRising", "OpFollowRpcDown", "OpFollowRpcErrors", "OpFollowWorkerFailing", "OpFollowRelayWorkerDown"];

/** Each alert's annotations as the rules file spells them (simple line layout: `summary: "…"`). */
function annotationsOf(text: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const line of text.split("\n")) {
    const a = /^\s*- alert: (\S+)/.exec(line);
    if (a) out.set(a[1]!, (current = {}));
    const s = /^\s*(summary|description): (".*")\s*$/.exec(line);
    if (s && current) current[s[1]!] = JSON.parse(s[2]!) as string;
  }
  return out;
}

function expected(alert: string, labels: Record<string, string>, severity: string): ExpAlert {
  const ann = annotationsOf(readFileSync(RULES, "utf8")).get(alert) ?? {};
  const all = { ...labels, severity };
  const render = (t: string) => t.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, k: string) => all[k as keyof typeof all] ?? "");
  return { labels: all, annotations: Object.fromEntries(Object.entries(ann).map(([k, v]) => [k, render(v)])) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: ChainServer;
let stack: Stack;
let badRelay: Relay | undefined;
let dir: string;
const workerLog: string[] = [];

describe.skipIf(INTEROP_SKIP)("alert rules (docs/alerts/op-follow.rules.yml) under promtool", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "op-follow-alerts-"));
    server = await startChainServer();
    server.advance(120);
    stack = await startStack({
      server,
      onWorkerOutput: (l) => workerLog.push(l),
      publisher: { pollIntervalMs: 100, unsafe: false },
      // the Worker's /healthz thresholds, stretched like the scrapes (1 s ≙ 1 min)
      workerVars: { HEALTH_RPC_FAILING_SECONDS: "2", HEALTH_RPC_ERROR_WINDOW_SECONDS: "5", HEALTH_STALL_SECONDS: "5", HEALTH_STALL_FAILING_SECONDS: "10" },
    });
  }, 120_000);

  afterAll(async () => {
    await badRelay?.stop();
    await stack?.stop();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  async function workerHead(): Promise<number | null> {
    const r = await fetch(`${stack.worker.url}/v1/chains/${stack.chainId}/cross-safe`);
    return r.status === 200 ? ((await r.json()) as { number: number }).number : null;
  }

  async function waitHead(min: number, timeoutMs: number): Promise<number> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const h = await workerHead();
      if (h !== null && h >= min) return h;
      if (Date.now() > end) throw new Error(`the Worker's head did not reach ${min} (at ${h}); wrangler:\n${workerLog.slice(-30).join("\n")}`);
      await sleep(250);
    }
  }

  /** One step a second: a new block, then a scrape of the Worker and the relays. */
  async function run(steps: number, each?: (i: number) => Promise<void> | void): Promise<Scrape[]> {
    const out: Scrape[] = [];
    const t0 = Date.now();
    for (let i = 0; i < steps; i++) {
      server.advanceBlocks(1);
      await each?.(i);
      await sleep(Math.max(0, t0 + (i + 1) * 1_000 - Date.now()));
      const s = parseExposition(await (await fetch(`${stack.worker.url}/metrics`)).text(), KEEP, WORKER);
      for (const [k, v] of parseExposition(stack.relay.metrics.registry.render(), KEEP, { job: "op-follow-relay", instance: "relay" })) s.set(k, v);
      if (badRelay) for (const [k, v] of parseExposition(badRelay.metrics.registry.render(), KEEP, { job: "op-follow-relay", instance: "bad-relay" })) s.set(k, v);
      out.push(s);
    }
    return out;
  }

  function evaluate(group: RuleTestGroup): { status: number | null; out: string } {
    const file = join(dir, `${group.name}.test.yml`);
    writeFileSync(file, rulesTestFile(RULES, [group]));
    const r = promtool(["test", "rules", file]);
    if (r.status !== 0) console.log(`promtool test rules ${group.name}:\n${r.out}\n--- ${file}:\n${readFileSync(file, "utf8").slice(0, 6000)}`);
    return r;
  }

  /** Fired at some evaluation within the run (Prometheus's own ALERTS series). */
  const firedSomewhere = (alert: string, last: number) => ({
    atStep: last,
    expr: `max by (alertname) (max_over_time(ALERTS{alertname="${alert}",alertstate="firing"}[${last + 1}m]))`,
    exp: [{ labels: `{alertname="${alert}"}`, value: 1 }],
  });

  it("promtool check rules accepts the file", () => {
    const r = promtool(["check", "rules", RULES]);
    expect(r.out).toMatch(/SUCCESS: 7 rules found/);
    expect(r.status).toBe(0);
  });

  it("a healthy run fires nothing; each fault scenario fires its rules", async () => {
    const chain = stack.chainId.toString();
    await waitHead(Number(server.chain.heads().crossSafe), 60_000);

    // 1. healthy: 25 scrapes ("25 minutes"), nothing may fire
    const healthy = await run(25);
    const hr = evaluate({
      name: "healthy",
      interval: "1m",
      scrapes: healthy,
      alerts: [8, 16, 24].flatMap((atStep) => ALERTS.map((alertname) => ({ atStep, alertname, exp: [] }))),
      exprs: [{ atStep: 24, expr: `max_over_time(ALERTS{alertstate="firing"}[25m])`, exp: [] }],
    });
    expect(hr.status, hr.out).toBe(0);
    // the control run did exercise the series the rules read
    expect(healthy.at(-1)!.get(`op_follow_rpc_up{chain="${chain}",endpoint="l2",job="op-follow-worker",instance="worker"}`)).toBe(1);
    expect(healthy.at(-1)!.get(`op_follow_lag_blocks{chain="${chain}",job="op-follow-worker",instance="worker"}`)).toBeGreaterThan(0);

    // 2. the follower's L2 node answers 500 to everything: candidates are held, the head stalls while
    // local-safe (rollup node) goes on
    const fault = server.faults.add({ endpoint: "l2", fault: { kind: "http-status", status: 500 } });
    const outage = await run(30);
    server.faults.remove(fault);
    const w = { chain, ...WORKER };
    const last = outage.length - 1;
    const or = evaluate({
      name: "l2-outage",
      interval: "1m",
      scrapes: outage,
      alerts: [
        { atStep: last, alertname: "OpFollowRpcDown", exp: [expected("OpFollowRpcDown", { ...w, endpoint: "l2" }, "critical")] },
        { atStep: last, alertname: "OpFollowRpcErrors", exp: [expected("OpFollowRpcErrors", { chain, endpoint: "l2" }, "warning")] },
        { atStep: last, alertname: "OpFollowWorkerFailing", exp: [expected("OpFollowWorkerFailing", w, "critical")] },
        { atStep: last, alertname: "OpFollowHeadStalled", exp: [expected("OpFollowHeadStalled", w, "warning")] },
        { atStep: last, alertname: "OpFollowLagRising", exp: [expected("OpFollowLagRising", w, "warning")] },
        { atStep: last, alertname: "OpFollowEquivocationAlarm", exp: [] },
        { atStep: last, alertname: "OpFollowRelayWorkerDown", exp: [] },
      ],
      exprs: ["OpFollowRpcDown", "OpFollowRpcErrors", "OpFollowWorkerFailing", "OpFollowHeadStalled", "OpFollowLagRising"].map((a) => firedSomewhere(a, last)),
    });
    expect(or.status, or.out).toBe(0);

    // recovery: the held blocks are promoted, the head catches up
    await waitHead(Number(server.chain.heads().crossSafe) - 1, 60_000);

    // 3. the sequencer signs a second block at a height the Worker already holds as cross-safe
    const head = (await workerHead())!;
    const equivocating = server.chain.equivocate(BigInt(head - 1));
    await stack.publisher.node.publishRaw(stack.topic, signedGossipMessage(server.chain, equivocating).message, { timeoutMs: 5_000 });
    const eq = await run(8);
    const er = evaluate({
      name: "equivocation",
      interval: "1m",
      scrapes: eq,
      alerts: [{ atStep: 7, alertname: "OpFollowEquivocationAlarm", exp: [expected("OpFollowEquivocationAlarm", w, "critical")] }],
      exprs: [firedSomewhere("OpFollowEquivocationAlarm", 7)],
    });
    expect(er.status, er.out).toBe(0);
    const cleared = await fetch(`${stack.worker.url}/v1/chains/${chain}/admin/clear-alarm`, { method: "POST", headers: { authorization: `Bearer ${stack.adminToken}` } });
    expect(cleared.status).toBe(200);

    // 4. a second relay with a wrong secret: every request to the Worker is a 401
    badRelay = await startRelay(
      {
        chainIds: [stack.chainId],
        workerUrl: stack.worker.url,
        relayId: "misconfigured-relay",
        secret: "not-the-secret-the-worker-has-0123456789",
        listen: ["/ip4/127.0.0.1/tcp/0"],
        peers: [stack.relayAddr],
        bootstrap: [],
        logLevel: "info",
        maxQueue: 256,
        maxQueueBytes: 64 * 2 ** 20,
        concurrency: 4,
        deadlineMs: 30_000,
        requestTimeoutMs: 5_000,
        peerListIntervalMs: 250,
        invalidMessageWeight: -10,
        banThreshold: -100,
        banDurationMs: 60_000,
        workerFailingAfterMs: 2_000,
        statusIntervalMs: 0,
        maxConnections: 8,
      },
      { log: silentLogger, scoreInspectMs: 250, backoffBaseMs: 100, backoffMaxMs: 1_000 },
    );
    const bad = await run(10);
    const rr = evaluate({
      name: "relay-wrong-secret",
      interval: "1m",
      scrapes: bad,
      alerts: [{ atStep: 9, alertname: "OpFollowRelayWorkerDown", exp: [expected("OpFollowRelayWorkerDown", { job: "op-follow-relay", instance: "bad-relay" }, "critical")] }],
      exprs: [firedSomewhere("OpFollowRelayWorkerDown", 9)],
    });
    expect(rr.status, rr.out).toBe(0);
  }, 240_000);
});
