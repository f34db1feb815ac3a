// `op-follow devnet` (and `npm start`): one command that runs Following Mode end to end on this
// machine, offline — the chain server in real time (L2 block every 1–2 s), the real Worker under
// `wrangler dev --local` (local Durable Object storage), one relay and the publisher signing as the
// devnet's sequencer (stack.ts) — and shows the cross-safe head advancing until Ctrl-C (or
// --duration), then stops everything: publisher, relay, the wrangler process group, chain server.
//
// Scenarios (--scenario <kind>@<seconds>, repeatable) steer the chain through its control model:
//   replace       deposits-only replacement a few blocks above cross-safe; promoted on the follower
//                 once the Worker has taken it (the head shows "replaced")
//   l1-reorg      the newest 3 L1 blocks are replaced; L2 blocks built on them are rebuilt (the
//                 Worker's head rewinds and advances on the rebuilt blocks)
//   l2-reorg      the L2 chain reorgs from just below the sequencer's cross-safe head
//   equivocation  the sequencer signs a second block at a cross-safe height and gossips it; the Worker
//                 raises its alarm and halts the head; the devnet clears the alarm 10 s later (admin API)
//   unsafe-reorg  the sequencer rebuilds its newest unsafe blocks (above local-safe) and gossips the new
//                 ones: the Worker's unsafe head follows (an unsafe-reorg event), cross-safe is untouched
//   sequencer-silent  the sequencer stops gossiping unsafe blocks for 15 s: the unsafe head stalls while
//                 local-safe and cross-safe go on (and overtake it), then it catches up
//
// The view shows the three heads: unsafe (the blocks topics) leads local-safe (the follower's node),
// which leads cross-safe.
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname, join } from "node:path";
import { watchLaunchers } from "../process/launcher-watch.ts";
import { onStopSignal } from "../process/stop-signals.ts";
import { createLogger, type Logger } from "../relay/log.ts";
import { COLOR, LineRenderer, PLAIN, renderPanel, type ScenarioState, type ViewSnapshot, type WorkerEvent, type WorkerHead, type WorkerUnsafe } from "./devnet-view.ts";
import { signedGossipMessage } from "./gossip.ts";
import { preparePersisted, type ChainIdentity } from "./persisted-chain.ts";
import { startChainServer, type ChainServer } from "./rpc-server.ts";
import { startStack, STOP_BOUND_MS, type Stack } from "./stack.ts";

export { devnetUsage, DevnetUsageError, parseDevnetArgs, SCENARIOS, SILENCE_S, type DevnetOptions, type ScenarioKind } from "./devnet-args.ts";
import { devnetUsage, DevnetUsageError, parseDevnetArgs, SILENCE_S, type DevnetOptions, type ScenarioKind } from "./devnet-args.ts";

interface StatusJson {
  head: WorkerHead | null;
  localSafe: { number: number } | null;
  lag: number | null;
  alarm: { kind: string; number: number } | null;
  events: WorkerEvent[];
  unsafe?: WorkerUnsafe | null;
  unsafeEvents?: WorkerEvent[];
}

export interface DevnetResult {
  firstHead: number | null;
  lastHead: number | null;
  advanced: boolean;
}

/** Runs the devnet until `stop` resolves (or --duration). */
export async function runDevnetWith(o: DevnetOptions, io: { out: (s: string) => void; err: (s: string) => void; isTty: boolean; stop: Promise<string> }): Promise<DevnetResult> {
  const t0 = Date.now();
  let logStream: WriteStream | undefined;
  if (o.logFile) {
    mkdirSync(dirname(o.logFile), { recursive: true });
    logStream = createWriteStream(o.logFile, { flags: "w" });
  }
  const sink = (line: string): void => void logStream?.write(line + "\n");
  const mkLog = (component: string): Logger => createLogger({ level: "info", sink, fields: { component } });
  const p = o.color ? COLOR : PLAIN;

  io.out(`${p.bold("op-follow devnet")}: starting the chain server, the Worker (wrangler dev --local), a relay and the publisher…\n`);
  let server: ChainServer | undefined;
  let stack: Stack | undefined;
  const timers: ReturnType<typeof setTimeout>[] = [];
  const result: DevnetResult = { firstHead: null, lastHead: null, advanced: false };
  try {
    // Genesis 30 s in the past: the chain starts with history, so cross-safe is past genesis at once.
    let chain: ChainIdentity = { seed: "op-follow", l2BlockTime: o.blockTime, l1BlockTime: 4, genesisTime: BigInt(Math.floor(Date.now() / 1000) - 30) };
    if (o.persistTo) {
      const plan = await preparePersisted(o.persistTo, chain);
      chain = plan.chain;
      if (plan.kind === "resume") io.out(`resuming the devnet in ${o.persistTo}: rebuilding its chain (${plan.blocks} blocks)…\n`);
      else if (plan.kind === "restart") io.out(`${o.persistTo} holds a devnet that cannot be resumed (${plan.why}): starting a new chain; its Worker state was removed\n`);
    }
    server = await startChainServer({
      port: o.chainPort,
      realtime: { intervalMs: 200 },
      chain: { seed: chain.seed, l2BlockTime: chain.l2BlockTime as 1 | 2, l1BlockTime: chain.l1BlockTime, genesisTime: chain.genesisTime },
    });
    const srv = server;
    stack = await startStack({
      server: srv,
      workerPort: o.port,
      ...(o.persistTo ? { persistTo: o.persistTo } : {}),
      onWorkerOutput: (l) => sink(JSON.stringify({ ts: new Date().toISOString(), component: "wrangler", msg: l })),
      relayLog: mkLog("relay"),
      publisherLog: mkLog("publisher"),
      relay: { logLevel: "info" },
      // with --persist-to, the publisher resumes where it stopped too
      publisher: { pollIntervalMs: 250, logLevel: "info", ...(o.persistTo ? { stateFile: join(o.persistTo, "publisher-state.json") } : {}) },
      // what each part took to stop: a slow one is named, not guessed at
      onStopped: (parts) => io.out(`${parts.map((p) => (p.ms === null ? `${p.part} not stopped after ${STOP_BOUND_MS / 1000} s (ends with the process)` : `${p.part} ${(p.ms / 1000).toFixed(1)} s`)).join(" · ")}\n`),
    });
    const st = stack;
    const chainId = st.chainId.toString();

    // ---- scenarios -------------------------------------------------------------------------
    const scenarioStates: ScenarioState[] = o.scenarios.map((s) => ({ label: s.kind, atS: s.atS, state: "pending" }));
    const adminPost = async (path: string): Promise<unknown> => {
      const r = await fetch(`${st.worker.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${st.adminToken}` } });
      return r.json();
    };
    const workerHead = async (): Promise<WorkerHead | null> => {
      const r = await fetch(`${st.worker.url}/v1/chains/${chainId}/cross-safe`);
      return r.status === 200 ? ((await r.json()) as WorkerHead) : null;
    };
    const runScenario = async (kind: ScenarioKind, s: ScenarioState): Promise<void> => {
      const chain = srv.chain;
      s.state = "running";
      try {
        switch (kind) {
          case "replace": {
            const h = chain.heads().crossSafe + 3n;
            const r = chain.replaceWithDepositsOnly(h, "spec");
            s.note = `block #${h} replaced (${r.replacement.hash.slice(0, 10)}…); promoting on the follower once the Worker has it`;
            const end = Date.now() + 30_000;
            for (;;) {
              const wh = await workerHead().catch(() => null);
              if (wh && BigInt(wh.number) >= h) break;
              if (Date.now() > end) break;
              await new Promise((r2) => setTimeout(r2, 200));
            }
            chain.promoteReplacement(h);
            s.note = `block #${h} replaced by a deposits-only block, then promoted on the follower`;
            break;
          }
          case "l1-reorg": {
            // Deep enough (3 × 4 s) to reach L2 blocks that were already cross-safe, shallow enough to stay above L1 finalized.
            const r = chain.reorgL1(3, { l2: "rebuild" });
            s.note = `L1 reorged from #${r.from}${r.l2RebuiltFrom !== undefined ? `, L2 rebuilt from #${r.l2RebuiltFrom}` : ", no L2 block affected"}`;
            break;
          }
          case "l2-reorg": {
            const from = chain.heads().crossSafe - 1n;
            chain.reorgL2(from);
            s.note = `L2 reorged from #${from}`;
            break;
          }
          case "equivocation": {
            const wh = await workerHead();
            const h = wh ? BigInt(wh.number) - 1n : chain.heads().crossSafe - 1n;
            const b = chain.equivocate(h);
            await st.publisher.node.publishRaw(st.topic, signedGossipMessage(chain, b).message, { timeoutMs: 5_000 });
            s.note = `sequencer signed a second block at #${h} (${b.hash.slice(0, 10)}…); alarm cleared in 10 s`;
            timers.push(
              setTimeout(() => {
                void adminPost(`/v1/chains/${chainId}/admin/clear-alarm?note=${encodeURIComponent("cleared by op-follow devnet")}`).then(
                  () => (s.note = `sequencer signed a second block at #${h}; alarm raised, then cleared by the devnet`),
                  (e: unknown) => (s.note = `clearing the alarm failed: ${(e as Error).message}`),
                );
              }, 10_000),
            );
            break;
          }
          case "unsafe-reorg": {
            // Above local-safe: only unsafe blocks change; the publisher gossips the new ones from the fork.
            const from = chain.heads().localSafe + 2n;
            const tip = chain.heads().unsafe;
            chain.reorgL2(from);
            s.note = `the sequencer rebuilt unsafe blocks #${from}–#${tip} (${chain.view("sequencer").blockByNumber(from)!.hash.slice(0, 10)}… at #${from})`;
            break;
          }
          case "sequencer-silent": {
            st.publisher.setUnsafePaused(true);
            s.note = `the sequencer stopped gossiping unsafe blocks; back in ${SILENCE_S} s`;
            timers.push(
              setTimeout(() => {
                st.publisher.setUnsafePaused(false);
                s.note = `the sequencer was silent for ${SILENCE_S} s, then gossiped again`;
              }, SILENCE_S * 1000),
            );
            break;
          }
        }
        s.state = "done";
      } catch (e) {
        s.state = "failed";
        s.note = (e as Error).message;
      }
      if (!io.isTty) io.out(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] scenario ${kind}: ${s.state}${s.note ? ` — ${s.note}` : ""}\n`);
    };
    o.scenarios.forEach((sc, i) => timers.push(setTimeout(() => void runScenario(sc.kind, scenarioStates[i]!), sc.atS * 1000)));

    // ---- the view ----------------------------------------------------------------------------
    const snapshot = async (): Promise<ViewSnapshot> => {
      const h = srv.chain.heads();
      const ps = st.publisher.status();
      let worker: ViewSnapshot["worker"];
      try {
        const r = await fetch(`${st.worker.url}/v1/chains/${chainId}/status`, { signal: AbortSignal.timeout(2_000) });
        const j = (await r.json()) as StatusJson;
        const events = [...(j.events ?? []), ...(j.unsafeEvents ?? [])].sort((a, b) => b.atMs - a.atMs);
        worker = { ok: true, head: j.head, localSafe: j.localSafe?.number ?? null, lag: j.lag, alarm: j.alarm, events, unsafe: j.unsafe ?? null };
        if (j.head) {
          result.firstHead ??= j.head.number;
          if (result.lastHead !== null && j.head.number > result.lastHead) result.advanced = true;
          result.lastHead = j.head.number;
        }
      } catch (e) {
        worker = { ok: false, error: (e as Error).message };
      }
      return {
        elapsedS: (Date.now() - t0) / 1000,
        chainId,
        blockTime: o.blockTime,
        urls: { worker: st.worker.url, chain: srv.urls.base, control: srv.urls.control, relay: st.relayAddr },
        workerStartMs: st.worker.startMs,
        logFile: o.logFile,
        sequencer: { unsafe: h.unsafe, localSafe: h.localSafe, crossSafe: h.crossSafe },
        worker,
        publisher: { published: ps.published, last: ps.lastPublished?.number ?? null, peers: ps.peers, lastError: ps.lastError },
        relay: { peers: st.relay.node.connectedPeers().length, banned: st.relay.node.bans.size },
        scenarios: scenarioStates,
      };
    };

    io.out(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (wrangler dev ${(st.worker.startMs / 1000).toFixed(1)} s) · Worker ${st.worker.url} · chain ${srv.urls.base}\n`);
    let drawn = 0;
    // events from before this run (a resumed --persist-to) are history, not news
    const lineRenderer = new LineRenderer(t0);
    const draw = async (): Promise<void> => {
      const s = await snapshot();
      if (io.isTty) {
        const lines = renderPanel(s, p);
        // Move up over the previous panel and redraw it, clearing each line.
        let text = drawn ? `\x1b[${drawn}F` : "";
        for (const l of lines) text += `\x1b[2K${l}\n`;
        for (let i = lines.length; i < drawn; i++) text += "\x1b[2K\n";
        io.out(text);
        drawn = Math.max(lines.length, drawn);
      } else {
        for (const l of lineRenderer.render(s)) io.out(l + "\n");
      }
    };
    let timer: ReturnType<typeof setInterval> | undefined;
    const why = await new Promise<string>((resolveStop) => {
      let busy = false;
      timer = setInterval(() => {
        if (busy) return;
        busy = true;
        void draw().finally(() => (busy = false));
      }, 500);
      if (o.durationS !== undefined) timers.push(setTimeout(() => resolveStop(`--duration ${o.durationS} s`), o.durationS * 1000));
      void io.stop.then(resolveStop);
    });
    clearInterval(timer);
    await draw().catch(() => undefined);
    io.out(`\nstopping (${why})…\n`);
    return result;
  } finally {
    for (const t of timers) clearTimeout(t);
    await stack?.stop();
    await server?.close();
    await new Promise<void>((r) => (logStream ? logStream.end(() => r()) : r()));
    if (result.firstHead !== null) {
      io.out(`stopped. cross-safe head went from #${result.firstHead} to #${result.lastHead} in ${((Date.now() - t0) / 1000).toFixed(0)} s${o.logFile ? `; logs in ${o.logFile}` : ""}\n`);
    } else {
      io.out(`stopped.${o.logFile ? ` Logs in ${o.logFile}` : ""}\n`);
    }
  }
}

/** The CLI entry: parses, runs until SIGINT/SIGTERM/SIGHUP or --duration, returns the exit code. */
export async function runDevnet(argv: string[]): Promise<number> {
  let o: DevnetOptions | "help";
  try {
    o = parseDevnetArgs(argv);
  } catch (e) {
    process.stderr.write(`op-follow devnet: ${(e as Error).message}\nRun 'op-follow devnet --help' for usage.\n`);
    return 2;
  }
  if (o === "help") {
    process.stdout.write(devnetUsage());
    return 0;
  }
  let onStop: (why: string) => void = () => {};
  const stop = new Promise<string>((r) => (onStop = r));
  // A second signal exits at once: worker-dev's exit hook and the reaper take the Worker down.
  const offSignals = onStopSignal((sig) => onStop(sig));
  const offWatch = watchLaunchers((pid) => onStop(`the launching process ${pid} is gone`));
  try {
    const r = await runDevnetWith(o, { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s), isTty: Boolean(process.stdout.isTTY), stop });
    if (!r.advanced) {
      process.stderr.write("op-follow devnet: the cross-safe head never advanced (see the log file)\n");
      return 1;
    }
    return 0;
  } catch (e) {
    process.stderr.write(`op-follow devnet: ${(e as Error).message}\n`);
    return 1;
  } finally {
    offSignals();
    offWatch();
    // Everything is stopped; if a handle a part left open (a socket of a hung stop) still holds the
    // event loop, exit anyway. Unref'd: a clean exit does not wait for it.
    setTimeout(() => process.exit(), 3_000).unref();
  }
}
