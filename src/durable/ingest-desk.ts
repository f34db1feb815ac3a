// The ingest path of the chain's Durable Object (chain-head.ts delegates to it): the pure steps of
// ingest-steps.ts run against the object's machine, persisted through its shell, with the claims on
// new blocks (claims.ts) and the copies held until their owner settles (claim-waiters.ts).
import type { RpcReport } from "../checks/rpc-tally.ts";
import type { Hash } from "../protocol/types.ts";
import { ClaimBook, CLAIMS } from "./claims.ts";
import { ClaimWaiters } from "./claim-waiters.ts";
import { claimBlock, envelopeBytes, reclaim, releaseOwned, settleMessage, settleOwned, type ClaimRequest, type SettleRequest } from "./ingest-steps.ts";
import type { ChainMachine, Decision } from "./machine.ts";

export type SettleResponse =
  | { replay: true }
  /** Nothing was recorded: every nonce slot holds an unexpired nonce (the Worker answers 503; relays retry). */
  | { replay: false; refused: "nonce-table-full" }
  | (Decision & {
      replay: false;
      refused?: undefined;
      /** Admitted, but no check was sent: nothing was recorded (nonce included); claim the block instead. */
      needsCheck: boolean;
      /** The head's number after this call. */
      head: bigint | null;
    });

/** claim()'s answer (ingest-steps.ts ClaimStep, as sent back to the Worker). */
export type ClaimResponse =
  | { replay: true }
  | { replay: false; refused: "nonce-table-full" }
  /** This request owns the block: run the RPC checks, then settle({ owned: true, check }). */
  | { replay: false; refused?: undefined; kind: "check" }
  /** Another request's check is running: the relay retries after `retryAfterMs`. */
  | { replay: false; refused?: undefined; kind: "wait"; retryAfterMs: number }
  | (Decision & { replay: false; refused?: undefined; kind: "final"; head: bigint | null });

/** What the desk needs from the object around it. */
export interface DeskShell {
  /** The machine now (a failed storage write replaces it with one reloaded from storage). */
  machine(): ChainMachine;
  /** Persists the machine's changes in one transaction; throws (after reloading) if that fails. */
  commit(): void;
  /** Adds to a counter ("verdict|reason", "claim|answer", "bytes|…"). */
  bump(key: string, by?: number): void;
  refuse(reason: "nonce-table-full"): { replay: false; refused: "nonce-table-full" };
  scheduleAlarm(): Promise<void>;
  /** The request's RPC report into the chain's health record (rpc-health.ts), and its write when due. */
  mergeHealth(rpc: RpcReport | undefined): void;
  saveHealth(): void;
}

export class IngestDesk {
  readonly #shell: DeskShell;
  readonly #claims = new ClaimBook();
  readonly #waiters = new ClaimWaiters();

  constructor(shell: DeskShell) {
    this.#shell = shell;
  }

  /**
   * A validly signed block before its checks (no envelope): the request owns it, or gets a final
   * answer, or — while another request's claim is live — is held here up to CLAIMS.holdMs for the
   * owner's result (or its lapse, when this copy takes over) before being told to retry.
   */
  async claim(req: ClaimRequest): Promise<ClaimResponse> {
    const sh = this.#shell;
    sh.mergeHealth(req.rpc);
    let s = claimBlock(sh.machine(), this.#claims, req, Date.now());
    if (s.kind === "replay") return { replay: true };
    if (s.kind === "refused") return sh.refuse(s.reason);
    if (s.kind === "wait") {
      sh.commit(); // the nonce, before holding: a replay of this request is refused meanwhile
      sh.bump("claim|held");
      const holdEnd = Date.now() + CLAIMS.holdMs;
      while (s.kind === "wait" && Date.now() < holdEnd) {
        await this.#waiters.wait(req.hash, Math.min(s.until, holdEnd) - Date.now());
        s = reclaim(sh.machine(), this.#claims, req, Date.now());
        if (s.kind === "check") sh.bump("claim|takeover");
      }
    }
    sh.bump(`claim|${s.kind === "check" ? "owner" : s.kind}`);
    if (s.kind === "final") sh.bump(`${s.decision.verdict}|${s.decision.reason}`);
    try {
      sh.commit();
    } catch (e) {
      if (s.kind === "check" && this.#claims.release(req.hash, req.nonceKey)) this.#waiters.wake(req.hash);
      throw e;
    }
    sh.saveHealth();
    switch (s.kind) {
      case "check":
        return { replay: false, kind: "check" };
      case "wait":
        return { replay: false, kind: "wait", retryAfterMs: Math.max(0, Math.min(CLAIMS.retryAfterMs, s.until - Date.now())) };
      default:
        await sh.scheduleAlarm();
        return { replay: false, kind: "final", ...s.decision, head: sh.machine().head?.number ?? null };
    }
  }

  /**
   * One call that decides: the owner's check result (`owned`), or a message without a block claim
   * (invalid; or a check sent without claiming, as tests and older Workers do). Nonce, admission and
   * decision in one SQLite transaction. Wakes the copies waiting on the block.
   */
  async settle(req: SettleRequest): Promise<SettleResponse> {
    const sh = this.#shell;
    const now = Date.now();
    sh.mergeHealth(req.rpc);
    let d: Decision;
    if (req.owned && req.check && req.number !== undefined && req.hash !== undefined) {
      try {
        d = settleOwned(sh.machine(), this.#claims, { ...req, number: req.number, hash: req.hash, check: req.check }, now);
        this.#counted(d, req);
      } finally {
        // Decided — or failed (the claim is gone with it): a copy takes over. Woken in a later task,
        // so the owner's answer (the one that tells the relays the head moved) leaves before the
        // copies' own commits run: woken at once, each copy's commit ran ahead of it.
        const hash = req.hash;
        setTimeout(() => this.#waiters.wake(hash), 0);
      }
    } else {
      const s = settleMessage(sh.machine(), req, now);
      if (s.kind === "replay") return { replay: true };
      if (s.kind === "refused") return sh.refuse(s.reason);
      if (s.kind === "needs-check") return { replay: false, needsCheck: true, verdict: "ignore", reason: "needs-check", head: sh.machine().head?.number ?? null };
      d = s.decision;
      this.#counted(d, req); // one transaction: the nonce, the admission and the decision
    }
    sh.saveHealth();
    await sh.scheduleAlarm();
    return { replay: false, needsCheck: false, verdict: d.verdict, reason: d.reason, head: sh.machine().head?.number ?? null };
  }

  /** The Worker's check for a claimed block failed (an exception, the settle call failing): a waiting copy takes over now. */
  release(hash: Hash, owner: string): boolean {
    if (!releaseOwned(this.#shell.machine(), this.#claims, hash, owner, Date.now())) return false;
    this.#shell.bump("claim|released");
    this.#shell.commit();
    this.#waiters.wake(hash);
    return true;
  }

  #counted(d: Decision, req: SettleRequest): void {
    this.#shell.bump("bytes|envelope-to-object", envelopeBytes(req.check));
    this.#shell.bump(`${d.verdict}|${d.reason}`);
    this.#shell.commit();
  }
}
