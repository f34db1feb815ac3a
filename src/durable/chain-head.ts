// The per-chain Durable Object: a thin shell around ChainMachine. Calls are serialised by the
// runtime's input gates around storage; every decision is taken synchronously by the machine and
// persisted in the same turn, so concurrent ingests from many relays cannot interleave a decision.
// The ingest calls (claim a new block, settle, release) are ingest-desk.ts: one check per block,
// however many relays deliver it.
// The alarm does the periodic work: score decay, pending promotion once local-safe catches up,
// and the reorg check of the head against the follower's L2 node.
import { DurableObject } from "cloudflare:workers";
import { decodeEnvelope } from "../protocol/envelope.ts";
import { snappyDecode } from "../protocol/snappy.ts";
import { CROSS_SAFE_VERSION } from "../protocol/topic.ts";
import type { Hash } from "../protocol/types.ts";
import { settingsOf, type SettingsEnv } from "../checks/settings.ts";
import { chainRuntime, checkCandidate, fetchCanonicalHashes, fetchLocalSafe, type ChainRuntime } from "../checks/pipeline.ts";
import { ChainMachine, type Decision, type NonceClaim } from "./machine.ts";
import { IngestDesk, type ClaimResponse, type SettleResponse } from "./ingest-desk.ts";
import type { ClaimRequest } from "./ingest-steps.ts";
import { fromSettleCall, type SettleCall } from "./settle-wire.ts";
import { evidencePage, summarise, type EvidencePage, type EvidenceRole, type EvidenceSummary } from "./evidence-page.ts";
import { MachineStore } from "./storage.ts";
import { metricsView, peersView, statusView } from "./chain-reads.ts";
import { HealthBook, type ChainHealthFacts } from "./rpc-health.ts";
import { probeQuiet } from "./rpc-probe.ts";
import { RpcTally } from "../checks/rpc-tally.ts";
import type { CrossSafeHead } from "./types.ts";

/** Alarm cadence: quick while candidates wait for local-safe, relaxed otherwise. */
const TICK_BUSY_MS = 2_000;
const TICK_IDLE_MS = 5_000; // also bounds how long a head that reorged off the local chain stays up
/** Pending candidates re-checked per alarm run (lowest heights first). */
const PROMOTE_PER_TICK = 32;

export type { ClaimRequest, SettleCheck, SettleRequest } from "./ingest-steps.ts";
export type { SettleCall } from "./settle-wire.ts";
export type { ClaimResponse, SettleResponse } from "./ingest-desk.ts";

export class ChainHead extends DurableObject<SettingsEnv> {
  #machine!: ChainMachine;
  #store!: MachineStore;
  #health!: HealthBook;
  #counters = new Map<string, number>();
  #chainId: string | null = null;
  /** When the alarm is set for (ms), as last written; null = none. Saves a storage read per call. */
  #alarmAt: number | null = null;
  readonly #desk = new IngestDesk({
    machine: () => this.#machine,
    commit: () => this.#commit(),
    bump: (k, by) => this.#bump(k, by),
    refuse: (r) => this.#refuse(r),
    scheduleAlarm: () => this.#scheduleAlarm(),
    mergeHealth: (rpc) => this.#health.merge(rpc),
    saveHealth: () => this.#saveHealth(Date.now()),
  });

  constructor(ctx: DurableObjectState, env: SettingsEnv) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.#store = new MachineStore(ctx.storage);
      this.#machine = this.#store.load();
      this.#health = new HealthBook(ctx.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'health'").toArray()[0]?.value as string | undefined);
      this.#alarmAt = await ctx.storage.getAlarm();
      this.#chainId = (ctx.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'chainId'").toArray()[0]?.value as string | undefined) ?? null;
    });
  }

  // ---- ingest path (called by the Worker: ingest-desk.ts) ------------------------------------

  claim(req: ClaimRequest): Promise<ClaimResponse> {
    this.#bind(req.chainId);
    return this.#desk.claim(req);
  }

  /** The Worker streams a check's raw message beside the call (settle-wire.ts); tests may inline it. */
  async settle(call: SettleCall): Promise<SettleResponse> {
    this.#bind(call.chainId);
    return this.#desk.settle(await fromSettleCall(call));
  }

  release(chainId: string, hash: Hash, owner: string): boolean {
    this.#bind(chainId);
    return this.#desk.release(hash, owner);
  }

  /**
   * A request on a topic this deployment does not serve still uses up its nonce (in the object of
   * a served chain): answered once, a replay of it is refused like any other.
   */
  claimNonce(chainId: string, key: string, expiresAt: number): NonceClaim {
    this.#bind(chainId);
    const now = Date.now();
    const r = now >= expiresAt ? "replay" : this.#machine.claimNonce(key, expiresAt, now);
    if (r === "full") this.#refuse("nonce-table-full");
    else if (r === "claimed") this.#commit();
    return r;
  }

  #refuse(reason: "nonce-table-full"): { replay: false; refused: typeof reason } {
    this.#bump(`refused|${reason}`);
    this.#commit();
    return { replay: false, refused: reason };
  }

  // ---- reads ---------------------------------------------------------------------------------

  head(): CrossSafeHead | null {
    return this.#machine.head;
  }

  status() {
    return statusView(this.#machine);
  }

  /** Every record (sizes, not messages): for tests and tools only, the read API pages (evidencePage). */
  evidence() {
    return this.#machine.evidence();
  }

  evidencePage(after: number, limit: number): EvidencePage {
    return evidencePage(this.#machine.evidence(), after, limit);
  }

  evidenceSummary(id: number): EvidenceSummary | undefined {
    const e = this.#machine.evidenceById(id);
    return e && summarise(e);
  }

  /** One raw message of a record, read from storage: undefined for no such record, null when it was not kept. */
  evidenceMessage(id: number, role: EvidenceRole): Uint8Array | null | undefined {
    const e = this.#machine.evidenceById(id);
    if (!e) return undefined;
    return e[role].bytes === null ? null : this.#store.evidenceMessage(id, role);
  }

  peers() {
    return peersView(this.#machine, Date.now());
  }

  metrics() {
    return metricsView(this.#machine, this.#store.counters(), Date.now());
  }

  /** What the Worker's /healthz and /metrics judge this chain by (src/worker/health.ts). */
  healthFacts(): ChainHealthFacts {
    const m = this.#machine;
    const now = Date.now();
    this.#health.observe(m.head, m.localSafe, now);
    return this.#health.facts(m.head, m.localSafe, m.alarm, now);
  }

  purgePeers(peer?: string): number {
    const n = this.#machine.purgePeers(Date.now(), peer);
    this.#commit();
    return n;
  }

  clearAlarm(note: string): boolean {
    const ok = this.#machine.clearAlarm(Date.now(), note);
    this.#commit();
    return ok;
  }

  // ---- alarm ---------------------------------------------------------------------------------

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.#machine.tick(now);
    this.#commit();
    const tally = new RpcTally();
    const rt = this.#runtime(tally);
    if (rt) {
      await this.#promote(rt.rt, tally).catch((e) => (tally.noteError(e), console.error("promote", e)));
      await this.#checkReorg(rt.rt).catch((e) => (tally.noteError(e), console.error("reorg check", e)));
      await probeQuiet(rt.rt, this.#health, tally, now, rt.probeAfterMs);
    }
    this.#health.merge(tally.report());
    this.#saveHealth(Date.now());
    await this.#scheduleAlarm(true);
  }

  async #promote(rt: ChainRuntime, tally: RpcTally): Promise<void> {
    // Read every tick, pending or not: with a silent sequencer (or every relay down) nothing else
    // would, and the lag (local-safe − head) is how the operator sees it (docs/failure-modes.md row 7).
    this.#machine.observeLocalSafe(await fetchLocalSafe(rt));
    this.#commit();
    if (this.#machine.pending().length === 0) return;
    for (const p of this.#machine.promotable().slice(0, PROMOTE_PER_TICK)) {
      // an earlier candidate of this pass may have decided or dropped it (and its stored message)
      if (!this.#machine.pendingByHash(p.hash)) continue;
      // its message from storage, one candidate at a time: the object holds none in memory
      const raw = this.#store.pendingMessage(p.hash);
      const d = raw ? snappyDecode(raw) : undefined;
      const e = d?.ok ? decodeEnvelope(d.data, CROSS_SAFE_VERSION) : undefined;
      if (!raw || !e?.ok) {
        // cannot happen for a validated, stored envelope; if its bytes are gone it can never be checked
        this.#machine.dropPending(p.hash, raw ? "pending-undecodable" : "pending-message-missing", Date.now());
        this.#commit();
        continue;
      }
      const r = await checkCandidate(rt, e.envelope, { messageId: p.messageId, peer: p.peer, relay: p.relay, receivedMs: p.receivedMs, raw });
      if (r.localSafe) this.#machine.observeLocalSafe(r.localSafe);
      if (r.kind === "hold") tally.noteReason(r.reason);
      if (r.kind === "outcome") {
        this.#count(this.#machine.decide(r.outcome, Date.now(), { promoted: true }));
      } else if (r.kind === "hold") {
        this.#machine.hold({ ...p, reason: r.reason, raw }, Date.now());
      } else {
        this.#machine.dropPending(p.hash, r.reason, Date.now());
      }
      this.#commit();
    }
  }

  async #checkReorg(rt: ChainRuntime): Promise<void> {
    const head = this.#machine.head;
    if (!head) return;
    const top = await fetchCanonicalHashes(rt, [head.number]);
    const h = top.get(head.number);
    if (h === undefined || h === head.hash) return;
    const canonical = await fetchCanonicalHashes(rt, this.#machine.reorgProbe());
    this.#machine.reconcile(canonical, Date.now());
    this.#commit();
  }

  // ---- plumbing ------------------------------------------------------------------------------

  #bind(chainId: string): void {
    if (this.#chainId === chainId) return;
    this.#chainId = chainId;
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('chainId', ?)", chainId);
  }

  #runtime(observer: RpcTally): { rt: ChainRuntime; probeAfterMs: number } | null {
    const s = settingsOf(this.env);
    if (s instanceof Error || !this.#chainId) return null;
    const chain = s.chains.get(this.#chainId);
    return chain ? { rt: chainRuntime(chain, s.rpcTimeoutMs, observer), probeAfterMs: s.health.rpcFailingMs / 2 } : null;
  }

  /** The health record follows the head; written only when it says so (rpc-health.ts). */
  #saveHealth(now: number): void {
    const m = this.#machine;
    this.#health.observe(m.head, m.localSafe, now);
    const row = this.#health.takeWrite(now);
    if (row !== null) this.ctx.storage.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('health', ?)", row);
  }

  #count(d: Decision): void {
    this.#bump(`${d.verdict}|${d.reason}`);
  }

  #bump(k: string, by = 1): void {
    if (by > 0) this.#counters.set(k, (this.#counters.get(k) ?? 0) + by);
  }

  /**
   * Persists what the machine changed in one transaction. If the transaction fails (it rolled back),
   * memory is ahead of storage: reload the machine from storage, so nothing is ever held in memory
   * that a restart would lose (no head, evidence or alarm without its row), and fail the call.
   */
  #commit(): void {
    try {
      this.#store.persist(this.#machine, this.#counters);
    } catch (e) {
      this.#machine = this.#store.load();
      this.#counters.clear();
      console.error(JSON.stringify({ msg: "storage write failed; state reloaded from storage", chainId: this.#chainId, err: String(e) }));
      throw new Error(`storage write failed: ${String(e)}`);
    }
  }

  async #scheduleAlarm(fromAlarm = false): Promise<void> {
    const now = Date.now();
    const want = now + (this.#machine.pending().length > 0 ? TICK_BUSY_MS : TICK_IDLE_MS);
    if (fromAlarm || this.#alarmAt === null || this.#alarmAt > want || this.#alarmAt < now - 60_000) {
      await this.ctx.storage.setAlarm(want);
      this.#alarmAt = want;
    }
  }

}
