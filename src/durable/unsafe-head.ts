// The per-chain unsafe-head Durable Object: a thin shell around UnsafeMachine. A class of its own
// (not a table in ChainHead) so traffic on the blocks topics — one call per message, a flood
// included — is serialised here and never queues in front of ChainHead's cross-safe decisions.
// No alarm and no RPC: everything it decides comes from the Worker's validation and its own state.
import { DurableObject } from "cloudflare:workers";
import type { SettingsEnv } from "../checks/settings.ts";
import { UnsafeMachine } from "./unsafe-machine.ts";
import { UnsafeStore } from "./unsafe-storage.ts";
import type { UnsafeAdmit, UnsafeDecision } from "./unsafe-types.ts";

/** One blocks-topic message, settled in one call: the nonce is claimed and the block admitted in one transaction. */
export interface UnsafeSettleRequest {
  nonceKey: string;
  nonceExpiresAt: number;
  admit: UnsafeAdmit;
}

export type UnsafeSettleResponse =
  | { replay: true }
  /** Nothing was recorded: every nonce slot holds an unexpired nonce (the Worker answers 503; relays retry). */
  | { replay: false; refused: "nonce-table-full" }
  | (UnsafeDecision & { replay: false; refused?: undefined; head: bigint | null });

export class UnsafeHead extends DurableObject<SettingsEnv> {
  #machine!: UnsafeMachine;
  #store!: UnsafeStore;
  #counters = new Map<string, number>();

  constructor(ctx: DurableObjectState, env: SettingsEnv) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.#store = new UnsafeStore(ctx.storage);
      this.#machine = this.#store.load();
    });
  }

  settle(req: UnsafeSettleRequest): UnsafeSettleResponse {
    const m = this.#machine;
    const now = Date.now();
    // Past its lifetime a nonce may be forgotten, so the request could be a replay: refused (the
    // Worker sizes the lifetime so an honest request never gets here).
    const claim = now >= req.nonceExpiresAt ? "replay" : m.claimNonce(req.nonceKey, req.nonceExpiresAt, now);
    if (claim === "replay") return { replay: true };
    if (claim === "full") {
      this.#count("refused|nonce-table-full");
      this.#commit();
      return { replay: false, refused: "nonce-table-full" };
    }
    const d = m.admit(req.admit, now);
    this.#count(`${d.verdict}|${d.reason}`);
    this.#commit();
    return { replay: false, verdict: d.verdict, reason: d.reason, head: this.#machine.head?.ref.number ?? null };
  }

  #count(k: string): void {
    this.#counters.set(k, (this.#counters.get(k) ?? 0) + 1);
  }

  /**
   * One transaction for the nonce, the admission and the head. If it fails (rolled back), memory is
   * ahead of storage: reload from storage (as ChainHead does) and fail the call — the Worker answers
   * 503 and the relay retries; nothing was recorded, the nonce neither.
   */
  #commit(): void {
    try {
      this.#store.persist(this.#machine, this.#counters);
    } catch (e) {
      this.#machine = this.#store.load();
      this.#counters.clear();
      console.error(JSON.stringify({ msg: "unsafe head: storage write failed; state reloaded from storage", err: String(e) }));
      throw new Error(`storage write failed: ${String(e)}`);
    }
  }

  head() {
    return this.#machine.head;
  }

  status() {
    const m = this.#machine;
    return { head: m.head, events: m.events().slice(-50).reverse(), heights: m.heightCount };
  }

  metrics() {
    const m = this.#machine;
    return { counters: Object.fromEntries(this.#store.counters()), head: m.head?.ref.number ?? null, delay: m.delay, nonces: m.nonceCount };
  }
}
