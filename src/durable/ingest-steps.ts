// What the chain's Durable Object does for one ingest request, as pure steps over the machine and the
// claim book (claims.ts): the object's shell (chain-head.ts) runs them, persists, and holds waiting
// copies; the model-based test (test/durable/machine.property.test.ts) runs the same steps.
//
// A validly signed block takes two calls when it is new: `claimBlock` (small: no envelope) makes the
// request its owner, the Worker runs the RPC checks, `settleOwned` applies their result (the envelope
// travels once, here). Any other copy is answered by `claimBlock` alone: a final verdict (duplicate,
// already decided or held, REJECTed by its owner's checks), or "wait" while another request owns it.
// Every other message (invalid, or on a topic without a block) is settled in one call, `settleMessage`.
import type { RpcReport } from "../checks/rpc-tally.ts";
import type { L2BlockRef } from "../protocol/block-ref.ts";
import type { Hash } from "../protocol/types.ts";
import type { ClaimBook } from "./claims.ts";
import type { AdmitInput, ChainMachine, Decision, Outcome } from "./machine.ts";
import type { HoldRequest } from "./types.ts";

/** The request's nonce, as every ingest call carries it: claimed once, a replay is refused. */
export interface NonceInput {
  chainId: string;
  nonceKey: string;
  nonceExpiresAt: number;
  /** What the Worker's RPC work for this message saw of each endpoint: the chain's health record. */
  rpc?: RpcReport;
}

/** A validly signed block, before its RPC checks: no envelope bytes. */
export interface ClaimRequest extends NonceInput, AdmitInput {
  number: bigint;
  hash: Hash;
  /** How long the owner's claim lasts (claims.ts leaseMs, from the Worker's RPC timeout). */
  leaseMs: number;
}

export type ClaimStep = { kind: "replay" } | { kind: "refused"; reason: "nonce-table-full" } | BlockStep;

/** The answer for a block once the request's nonce is claimed. */
export type BlockStep =
  /** This request owns the block until `until`: run the checks, then settle with their result. */
  | { kind: "check"; until: number }
  /** Another request owns it until `until`: retry (the owner may still fail). */
  | { kind: "wait"; until: number }
  /** Answered without a check: a duplicate, a block already decided or held, a stale one… */
  | { kind: "final"; decision: Decision };

/** pipeline.ts CheckResult, with what holding the block needs. */
export type SettleCheck =
  | { kind: "outcome"; outcome: Outcome; localSafe: L2BlockRef }
  | { kind: "hold"; pending: HoldRequest; localSafe?: L2BlockRef }
  | { kind: "drop"; reason: string; localSafe?: L2BlockRef };

/**
 * One message settled in one call: the Worker's stateless verdict and, for a validly signed block,
 * either the result of its RPC checks (`check`, from the claim's owner: `owned`) or nothing.
 */
export interface SettleRequest extends NonceInput, AdmitInput {
  check?: SettleCheck;
  /** The request claimed the block (claimBlock answered "check"): its nonce is already claimed. */
  owned?: boolean;
}

export type SettleStep =
  | { kind: "replay" }
  | { kind: "refused"; reason: "nonce-table-full" }
  /** Admitted, but no check was sent: nothing was recorded (nonce included); claim it instead. */
  | { kind: "needs-check" }
  | { kind: "decided"; decision: Decision };

/** Claims the request's nonce, then answers for the block (see reclaim). */
export function claimBlock(m: ChainMachine, book: ClaimBook, req: ClaimRequest, now: number): ClaimStep {
  // Past its nonce's lifetime a request could be a replay whose original's nonce is already
  // forgotten: refused (the Worker sizes the lifetime so an honest request never gets here).
  if (now >= req.nonceExpiresAt || m.nonceUsed(req.nonceKey, now)) return { kind: "replay" };
  if (!m.nonceRoom(now)) return { kind: "refused", reason: "nonce-table-full" };
  // Every answer uses the nonce up, "wait" included: a replayed copy must not collect a verdict
  // (and score its peer) a second time. The relay's retry is a new request with a new nonce.
  m.claimNonce(req.nonceKey, req.nonceExpiresAt, now);
  return reclaim(m, book, req, now);
}

/**
 * The answer for a block whose request's nonce is claimed: wait while another request's claim is
 * live; otherwise the machine's per-height rules (duplicate, decided, held → final) or, for a block
 * nobody holds, a new claim. Also run again for a held copy when it wakes up.
 */
export function reclaim(m: ChainMachine, book: ClaimBook, req: ClaimRequest, now: number): BlockStep {
  const c = book.live(req.hash, now);
  if (c && c.owner !== req.nonceKey) return { kind: "wait", until: c.until };
  // No live claim: an in-flight mark left in the machine belongs to an owner that failed or lapsed
  // (explicit release, lease end, or a restart that forgot the claim). It must not answer
  // "already-seen": this copy takes over.
  m.release(req.number, req.hash);
  const a = m.admit(req, now);
  if (!a.proceed) return { kind: "final", decision: { verdict: a.verdict, reason: a.reason } };
  const until = now + req.leaseMs;
  book.take(req.hash, req.number, req.nonceKey, until, now);
  return { kind: "check", until };
}

/**
 * The owner's result. Applied unless the block was decided meanwhile (a lapsed owner settling after
 * a copy took over and settled first: then it gets what a copy gets). Ends any claim on the block.
 */
export function settleOwned(m: ChainMachine, book: ClaimBook, req: SettleRequest & { number: bigint; hash: Hash; check: SettleCheck }, now: number): Decision {
  book.drop(req.hash);
  if (req.check.localSafe) m.observeLocalSafe(req.check.localSafe, { forwardOnly: true });
  m.release(req.number, req.hash); // our own in-flight mark (or a taken-over owner's): admitted again below
  const a = m.admit(req, now);
  return a.proceed ? apply(m, req.number, req.hash, req.check, now) : { verdict: a.verdict, reason: a.reason };
}

/** The Worker's check for a claimed block failed: its claim ends now and a waiting copy takes over. */
export function releaseOwned(m: ChainMachine, book: ClaimBook, hash: Hash, owner: string, now: number): boolean {
  const c = book.live(hash, now);
  if (!c || !book.release(hash, owner)) return false;
  m.release(c.number, hash);
  return true;
}

/** A message settled in one call: an invalid one, or (tests, older Workers) a block with its check and no claim. */
export function settleMessage(m: ChainMachine, req: SettleRequest, now: number): SettleStep {
  if (now >= req.nonceExpiresAt || m.nonceUsed(req.nonceKey, now)) return { kind: "replay" };
  if (!m.nonceRoom(now)) return { kind: "refused", reason: "nonce-table-full" };
  const a = m.admit(req, now);
  if (a.proceed && !req.check) {
    m.release(req.number!, req.hash!); // nothing durable was written, the nonce is not claimed
    return { kind: "needs-check" };
  }
  m.claimNonce(req.nonceKey, req.nonceExpiresAt, now);
  // Worth keeping even for a duplicate, but a check can be seconds older than one settled since:
  // from ingest, local-safe only moves forward (the alarm reads it afresh, reorgs included).
  if (req.check?.localSafe) m.observeLocalSafe(req.check.localSafe, { forwardOnly: true });
  return { kind: "decided", decision: a.proceed ? apply(m, req.number!, req.hash!, req.check!, now) : { verdict: a.verdict, reason: a.reason } };
}

function apply(m: ChainMachine, n: bigint, hash: Hash, c: SettleCheck, now: number): Decision {
  switch (c.kind) {
    case "outcome":
      return m.decide(c.outcome, now);
    case "hold":
      return m.hold(c.pending, now);
    case "drop":
      m.release(n, hash); // it can never pass (e.g. no L1 info deposit): forget it
      return { verdict: "ignore", reason: c.reason };
  }
}

/** The raw gossip message a check carries (a held block, a consolidated one, a mismatch), if any. */
export function checkRaw(c: SettleCheck): Uint8Array | undefined {
  if (c.kind === "hold") return c.pending.raw;
  if (c.kind === "outcome") return c.outcome.kind === "consolidated" ? c.outcome.candidate.raw : c.outcome.raw;
  return undefined;
}

/** The envelope bytes a settle request carries (the raw gossip message inside its check, if any). */
export function envelopeBytes(c: SettleCheck | undefined): number {
  return (c && checkRaw(c)?.length) ?? 0;
}
