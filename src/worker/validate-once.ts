// Gossip validation once per message per isolate (validation-memo.ts): a copy of the same bytes on
// the same topic, validated against the same signer and chain settings, reuses the first copy's
// result instead of running snappy, keccak, the block hash and signature recovery again.
//
// Exactly the verdict a fresh validation would give (src/protocol/validate.ts): the only input that
// differs between copies is the clock, used by the timestamp windows (steps 4–5). A result that
// failed on the clock is not kept; a kept one that decoded the envelope carries the block's time,
// and a copy whose own clock puts it outside a window validates afresh. Step 12 (the seen cache)
// is stateful: a context with `seen` is never memoised.
import { timestampWindow, validateGossipMessage, type ValidationContext, type ValidationResult } from "../protocol/validate.ts";
import { toHex } from "../protocol/hex.ts";
import type { Hash, SignedEnvelope } from "../protocol/types.ts";
import type { GossipReason, Verdict } from "../protocol/verdict.ts";
import { ValidationMemo } from "./validation-memo.ts";

/** What the ingest route needs of a validation: no message bytes (the memo keeps these). */
export interface ValidationFacts {
  verdict: Verdict;
  reason: GossipReason;
  messageId: string;
  /** Once the envelope decoded: the payload's number, its stated hash and its time. */
  block?: { number: bigint; hash: Hash; timestamp: bigint };
}

export interface Validated {
  facts: ValidationFacts;
  /** false: a copy's result was reused (nothing was decoded by this request). */
  validatedHere: boolean;
  /**
   * The decoded envelope for the block's checks (the request that owns the block): its own, the
   * first copy's while that one is still alive (a WeakRef: the memo keeps no bytes), or decoded again.
   */
  envelope(): Promise<SignedEnvelope | undefined>;
}

export interface KeptValidation {
  facts: ValidationFacts;
  envelope?: WeakRef<SignedEnvelope>;
}

/** Results that depend on more than the bytes, topic, signer and settings: never reused. */
const NOT_KEPT: ReadonlySet<GossipReason> = new Set(["timestamp-in-future", "timestamp-too-old", "no-signer-configured", "internal-error"]);
/** How long a copy waits for the first copy's running validation before validating for itself. */
export const COPY_WAIT_MS = 3_000;

type Validator = (raw: Uint8Array, ctx: ValidationContext) => Promise<ValidationResult>;

export interface OnceOptions {
  /** Default: this isolate's. */
  memo?: ValidationMemo<KeptValidation>;
  /** Default: validate.ts's (tests inject failures). */
  validate?: Validator;
}

let isolateMemo = new ValidationMemo<KeptValidation>();

/** Forgets every kept validation (admin refresh; tests). */
export function forgetValidations(): void {
  isolateMemo = new ValidationMemo<KeptValidation>();
}

/**
 * Validates `raw` (validate.ts), or reuses the result of a copy with the same `bodyHash` (the
 * SHA-256 the request's authentication computed: the bytes are not hashed twice).
 */
export async function validateOnce(raw: Uint8Array, ctx: ValidationContext, bodyHash: string, o: OnceOptions = {}): Promise<Validated> {
  const validate = o.validate ?? validateGossipMessage;
  if (ctx.seen || !ctx.signer) return own(await validate(raw, ctx));
  const memo = o.memo ?? isolateMemo;
  const key = [ctx.topic, ctx.kind, ctx.version, ctx.chainId, ctx.signer.toLowerCase(), ctx.attestationDomain ?? "", ctx.jovianTime ?? "", ctx.pastWindowSeconds ?? "", bodyHash].join("|");
  const waitEnd = Date.now() + COPY_WAIT_MS;
  for (;;) {
    const now = Date.now();
    const hit = memo.lookup(key, now);
    if (hit.kind === "done") {
      if (!withinWindows(hit.value.facts, ctx)) break; // this copy's clock differs where it matters
      return reused(hit.value, raw, ctx, validate);
    }
    if (hit.kind === "absent") {
      const token = memo.start(key, now);
      if (token === null) continue;
      let v: ValidationResult;
      try {
        v = await validate(raw, ctx);
      } catch (e) {
        memo.drop(key, token);
        throw e;
      }
      if (NOT_KEPT.has(v.reason)) memo.drop(key, token);
      else memo.finish(key, token, { facts: factsOf(v), ...(v.envelope && typeof WeakRef === "function" ? { envelope: new WeakRef(v.envelope) } : {}) }, Date.now());
      return own(v);
    }
    if (now >= waitEnd) break; // the first copy is slow or gone: validate here
    await memo.wait(key, waitEnd - now);
  }
  return own(await validate(raw, ctx));
}

function own(v: ValidationResult): Validated {
  return { facts: factsOf(v), validatedHere: true, envelope: async () => v.envelope };
}

function reused(k: KeptValidation, raw: Uint8Array, ctx: ValidationContext, validate: Validator): Validated {
  return {
    facts: k.facts,
    validatedHere: false,
    envelope: async () => k.envelope?.deref() ?? (await validate(raw, ctx)).envelope,
  };
}

function factsOf(v: ValidationResult): ValidationFacts {
  const p = v.envelope?.payload;
  return { verdict: v.verdict, reason: v.reason, messageId: v.messageId, ...(p ? { block: { number: p.blockNumber, hash: toHex(p.blockHash), timestamp: p.timestamp } } : {}) };
}

/** validate.ts steps 4–5 with this copy's clock, for a result that got past step 3. */
function withinWindows(f: ValidationFacts, ctx: ValidationContext): boolean {
  // failed before the timestamps were read: the clock played no part
  return !f.block || timestampWindow(f.block.timestamp, ctx) === undefined;
}
