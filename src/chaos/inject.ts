// Injecting one planned fault into the running system and undoing it: each call resolves once the
// fault is over and what it broke is back (a killed relay restarted, wrangler dev up again, a fault
// rule removed, an alarm cleared). Faults on one resource (a relay, the Worker) wait for each other.
import type { FaultRule } from "../devnet/faults.ts";
import { fromHex } from "../protocol/hex.ts";
import type { Checker } from "./checker.ts";
import { flood, invalidMessages } from "./flood.ts";
import type { Fault, PlannedFault, RpcFaultKind } from "./plan.ts";
import { sleep } from "./sleep.ts";
import type { ChaosSystem } from "./system.ts";

export interface InjectResult {
  /** false: the fault could not be injected as planned (detail says why). */
  injected: boolean;
  detail: string;
}

/** Serialises the faults touching one resource. */
export class Locks {
  readonly #tails = new Map<string, Promise<void>>();
  async with<T>(key: string, f: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    this.#tails.set(key, prev.then(() => mine));
    await prev;
    try {
      return await f();
    } finally {
      release();
    }
  }
}

function resourceOf(f: Fault): string | null {
  switch (f.kind) {
    case "relay-kill":
    case "clock-skew":
    case "flood":
      return `relay-${f.relay}`;
    case "worker-restart":
      return "worker";
    case "equivocation":
      return "alarm";
    default:
      return null;
  }
}

function ruleOf(endpoint: FaultRule["endpoint"], kind: RpcFaultKind): FaultRule {
  switch (kind) {
    case "timeout":
      return { endpoint, fault: { kind: "hang" } };
    case "http-500":
      return { endpoint, fault: { kind: "http-status", status: 500 } };
    case "garbage":
      return { endpoint, fault: { kind: "malformed", style: "garbage" } };
    case "wrong-chain":
      return { endpoint, method: "eth_chainId", fault: { kind: "wrong-chain-id", chainId: 424242 } };
  }
}

/** Retries `f` until it returns true, `ms` pass or the run is aborted. */
async function until(ms: number, f: () => Promise<boolean>, everyMs = 250, signal?: AbortSignal): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end && !signal?.aborted) {
    if (await f().catch(() => false)) return true;
    await sleep(everyMs, signal);
  }
  return false;
}

export class Injector {
  readonly #sys: ChaosSystem;
  readonly #checker: Checker;
  readonly #locks = new Locks();
  readonly #log: (line: string) => void;
  readonly #t: () => number;
  readonly #signal: AbortSignal | undefined;

  /**
   * `t`: ms since the run's start; `log`: progress lines for the log file; `signal`: the run's, which
   * cuts every wait short (a fault abandoned at the deadline ends instead of waiting out its time).
   */
  constructor(sys: ChaosSystem, checker: Checker, t: () => number, log: (line: string) => void, signal?: AbortSignal) {
    this.#sys = sys;
    this.#signal = signal;
    this.#checker = checker;
    this.#t = t;
    this.#log = log;
  }

  run(p: PlannedFault): Promise<InjectResult> {
    const key = resourceOf(p.fault);
    const go = (): Promise<InjectResult> => this.#inject(p.fault).catch((e: unknown) => ({ injected: false, detail: `failed: ${e instanceof Error ? e.message : String(e)}` }));
    return key ? this.#locks.with(key, go) : go();
  }

  async #inject(f: Fault): Promise<InjectResult> {
    const sys = this.#sys;
    switch (f.kind) {
      case "relay-kill": {
        await sys.relays.kill(f.relay, f.signal);
        await sleep(f.downMs, this.#signal);
        await this.#startRelay(f.relay, 0);
        return { injected: true, detail: "restarted" };
      }
      case "worker-restart": {
        const t0 = performance.now();
        await sys.worker.restart(f.signal).catch((e: unknown) => {
          this.#checker.add(this.#t(), "run", `wrangler dev could not be started again: ${String(e)}`);
          throw e;
        });
        return { injected: true, detail: `back in ${((performance.now() - t0) / 1000).toFixed(1)} s` };
      }
      case "rpc-fault": {
        const id = await sys.control.addFault(ruleOf(f.endpoint, f.fault));
        // The Worker checks a node's chain id once per 5 minutes: an operator re-pointing an endpoint
        // refreshes it, which is what makes a node now on the wrong chain visible at once.
        if (f.fault === "wrong-chain") await sys.admin("refresh").catch(() => null);
        await sleep(f.durationMs, this.#signal);
        await sys.control.removeFault(id);
        return { injected: true, detail: "rule removed" };
      }
      case "l1-reorg": {
        const r = await sys.control.reorgL1(f.depth, "rebuild");
        return { injected: true, detail: `L1 from #${r.from}${r.l2RebuiltFrom !== null ? `, L2 rebuilt from #${r.l2RebuiltFrom}` : ", no L2 block affected"}` };
      }
      case "l2-reorg": {
        const st = await sys.control.status();
        const from = BigInt(st.heads.crossSafe) - BigInt(f.below);
        await sys.control.reorgL2(from);
        return { injected: true, detail: `L2 from #${from}` };
      }
      case "equivocation":
        return this.#equivocate(f.clearAfterMs);
      case "flood": {
        const addr = sys.relays.slots[f.relay]!.addr!;
        const messages = await invalidMessages(sys.control, 12);
        const r = await flood({ relayAddr: addr, topic: sys.topic, messages, durationMs: f.durationMs, signal: this.#signal });
        return { injected: r.sent > 0, detail: `${r.sent} messages${r.cutOff ? `, cut off by the relay after ${(r.afterMs / 1000).toFixed(1)} s` : ""}` };
      }
      case "clock-skew":
        return this.#skew(f.relay, f.skewMs, f.durationMs);
    }
  }

  /**
   * The sequencer attests a deposits-only replacement of the block at the Worker's head: both blocks
   * consolidate against the follower's chain, so the Worker must raise its alarm and keep both
   * messages as evidence; the operator (here) clears the alarm after looking.
   */
  async #equivocate(clearAfterMs: number): Promise<InjectResult> {
    const sys = this.#sys;
    // The Worker's head must be the follower's block (not one a reorg just orphaned).
    let height: number | null = null;
    await until(20_000, async () => {
      const h = (await sys.status()).head;
      if (!h || (await sys.followerHash(h.number)) !== h.hash) return false;
      height = h.number;
      return true;
    }, 250, this.#signal);
    if (height === null) return { injected: false, detail: "no head on the follower's chain to equivocate on within 20 s" };
    const alarmsBefore = this.#checker.alarmsSeen;
    const eq = await sys.control.equivocate(height);
    const msg = fromHex((await sys.control.signedMessage({ hash: eq.equivocating.hash })).message);
    const sent = await until(20_000, async () => (await sys.publisher.node.publishRaw(sys.topic, msg, { timeoutMs: 5_000 })).recipients.length > 0, 500, this.#signal);
    if (!sent) return { injected: false, detail: `the replacement at #${height} could not be gossiped` };
    this.#log(`chaos: equivocation: replacement ${eq.equivocating.hash} of #${height} (${eq.canonical.hash}) gossiped`);
    const t0 = performance.now();
    // What the Worker said about it (its events at that height), for a report if no alarm comes.
    const said = new Set<string>();
    // A relay holds a message up to its 60 s deadline while the Worker is down.
    const raised = await until(65_000, async () => {
      const st = await sys.status();
      for (const e of st.events) {
        const about = e.number === height && (e.hash === undefined || e.hash === eq.equivocating.hash);
        // a message the Worker could not check the signature of is ignored without its height
        const unchecked = e.number === undefined && e.reason?.startsWith("signer-unavailable") === true;
        if (about || unchecked) said.add(`${e.kind}${e.reason ? ` (${e.reason})` : ""}`);
      }
      return st.alarm !== null || this.#checker.alarmsSeen > alarmsBefore;
    }, 250, this.#signal);
    const raisedIn = ((performance.now() - t0) / 1000).toFixed(1);
    if (!raised) return { injected: false, detail: `replacement at #${height} gossiped, but no alarm within 65 s; the Worker's events for it: ${[...said].join(", ") || "none"}` };
    await sleep(clearAfterMs, this.#signal);
    const cleared = await until(60_000, async () => {
      const r = await sys.admin("clear-alarm?note=chaos");
      return r.status === 200 && (r.body?.["cleared"] === true || (await sys.status()).alarm === null);
    }, 500, this.#signal);
    return { injected: true, detail: `alarm at #${height} raised in ${raisedIn} s, ${cleared ? "cleared" : "NOT cleared"}` };
  }

  /** Starts relay i again (a few tries: its port could be taken a moment); a relay left down is a broken run. */
  async #startRelay(i: number, skewMs: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#sys.relays.start(i, skewMs);
      } catch (e) {
        this.#log(`chaos: relay-${i + 1} did not start (attempt ${attempt}): ${String(e)}`);
        if (attempt >= 3) {
          this.#checker.add(this.#t(), "run", `relay-${i + 1} could not be started again: ${String(e)}`);
          throw e;
        }
        await sleep(1_000, this.#signal);
      }
    }
  }

  /** Restarts a relay with its clock off; its ingest requests must still be accepted (±30 s window). */
  async #skew(i: number, skewMs: number, durationMs: number): Promise<InjectResult> {
    const sys = this.#sys;
    await sys.relays.kill(i, "SIGTERM");
    await this.#startRelay(i, skewMs);
    await sleep(durationMs, this.#signal);
    const st = await sys.relays.stats(i);
    await sys.relays.kill(i, "SIGTERM");
    await this.#startRelay(i, 0);
    const ok = st?.workerRequests["200"] ?? 0;
    const refused = st?.workerRequests["401"] ?? 0;
    if (refused > 0) this.#checker.add(this.#t(), "clock-skew", `relay-${i + 1} with its clock ${skewMs / 1000} s off: ${refused} ingest requests refused (401), ${ok} accepted`);
    return { injected: true, detail: `${ok} ingest requests accepted, ${refused} refused` };
  }
}
