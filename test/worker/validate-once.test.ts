// Validation once per message per isolate (src/worker/validate-once.ts), inside workerd: copies of
// the same bytes reuse the first copy's result, and every reused verdict is the one a fresh
// validation (src/protocol/validate.ts) gives at the copy's own clock.
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../src/protocol/hex.ts";
import { addressOfPrivateKey, BLOCK_SIGNING_DOMAIN, CROSS_SAFE_SIGNING_DOMAIN } from "../../src/protocol/signature.ts";
import { crossSafeTopic, formatTopic } from "../../src/protocol/topic.ts";
import { validateGossipMessage, type ValidationContext, type ValidationResult } from "../../src/protocol/validate.ts";
import { validateOnce, type KeptValidation } from "../../src/worker/validate-once.ts";
import { ValidationMemo } from "../../src/worker/validation-memo.ts";
import { buildGossip, Rng, validPayload, withValidBlockHash } from "../helpers/payload-gen.ts";
import { NOT_SEQUENCER_KEY } from "./harness.ts";

const CHAIN = 901n;
// anvil's dev key 5 (test/helpers/vectors.ts reads node:fs, which workerd has not)
const KEY = fromHex("0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba");
const SIGNER = addressOfPrivateKey(KEY);
const OTHER_KEY = fromHex(NOT_SEQUENCER_KEY);
const NOW = 1_750_000_000;
const rng = new Rng(0x0ce);

/** A v4 block at NOW, signed by SIGNER in the cross-safe domain (or the block domain). */
function message(o: { key?: Uint8Array; domain?: Uint8Array } = {}): Uint8Array {
  const pbr = rng.bytes(32);
  const p = withValidBlockHash(validPayload(rng, 4, { timestamp: BigInt(NOW) }), pbr);
  return buildGossip(p, 4, CHAIN, o.key ?? KEY, pbr, o.domain ?? CROSS_SAFE_SIGNING_DOMAIN).raw;
}

function ctx(over: Partial<ValidationContext> = {}): ValidationContext {
  return { chainId: CHAIN, topic: crossSafeTopic(CHAIN), kind: "cross-safe", version: 4, signer: SIGNER, now: NOW, ...over };
}

async function sha256(b: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", b)));
}

/** validate.ts, counting its runs. */
function counting(): { runs: () => number; validate: (raw: Uint8Array, c: ValidationContext) => Promise<ValidationResult> } {
  let n = 0;
  return { runs: () => n, validate: async (raw, c) => (n++, validateGossipMessage(raw, c)) };
}

/** What the route reads of a fresh validation. */
async function fresh(raw: Uint8Array, c: ValidationContext) {
  const v = await validateGossipMessage(raw, c);
  const p = v.envelope?.payload;
  return { verdict: v.verdict, reason: v.reason, messageId: v.messageId, ...(p ? { block: { number: p.blockNumber, hash: toHex(p.blockHash), timestamp: p.timestamp } } : {}) };
}

describe("validateOnce", () => {
  it("five copies at once: one validation, five identical verdicts, equal to a fresh validation's", async () => {
    const raw = message();
    const key = await sha256(raw);
    const memo = new ValidationMemo<KeptValidation>();
    const c = counting();
    const out = await Promise.all([0, 1, 2, 3, 4].map(() => validateOnce(raw, ctx(), key, { memo, validate: c.validate })));
    expect(c.runs()).toBe(1);
    expect(out.filter((v) => v.validatedHere).length).toBe(1);
    const want = await fresh(raw, ctx());
    expect(want.reason).toBe("valid");
    for (const v of out) expect(v.facts).toEqual(want);
    // a copy that turns out to own the block still gets the envelope for its checks
    const env = await out.find((v) => !v.validatedHere)!.envelope();
    expect(toHex(env!.payload.blockHash)).toBe(want.block!.hash);
  });

  it("an invalid message's verdict is reused too (each copy is still scored by its own settle)", async () => {
    const raw = message({ key: OTHER_KEY });
    const memo = new ValidationMemo<KeptValidation>();
    const c = counting();
    const key = await sha256(raw);
    for (let i = 0; i < 3; i++) expect((await validateOnce(raw, ctx(), key, { memo, validate: c.validate })).facts).toEqual(await fresh(raw, ctx()));
    expect(c.runs()).toBe(1);
  });

  it("a validation that throws is not kept: the copies waiting on it validate for themselves", async () => {
    const raw = message();
    const key = await sha256(raw);
    const memo = new ValidationMemo<KeptValidation>();
    let calls = 0;
    const flaky = async (r: Uint8Array, c: ValidationContext): Promise<ValidationResult> => {
      if (calls++ === 0) {
        await new Promise((res) => setTimeout(res, 20)); // the copies are waiting by now
        throw new Error("out of memory");
      }
      return validateGossipMessage(r, c);
    };
    const [first, ...copies] = await Promise.allSettled([0, 1, 2].map(() => validateOnce(raw, ctx(), key, { memo, validate: flaky })));
    expect(first).toMatchObject({ status: "rejected", reason: new Error("out of memory") });
    const want = await fresh(raw, ctx());
    for (const r of copies) expect(r).toMatchObject({ status: "fulfilled", value: { facts: want } });
    expect(calls).toBe(2); // the first copy woken validated; the second then reused its result
    expect((await validateOnce(raw, ctx(), key, { memo, validate: flaky })).validatedHere).toBe(false); // kept now
    expect(calls).toBe(2);
  });

  it("the clock: a copy whose own time puts the block in the future validates afresh; the first copy's result stands for later copies", async () => {
    const raw = message();
    const key = await sha256(raw);
    const memo = new ValidationMemo<KeptValidation>();
    const c = counting();
    expect((await validateOnce(raw, ctx(), key, { memo, validate: c.validate })).facts.reason).toBe("valid");
    // 6 s earlier by this copy's clock: the block is > 5 s in the future (validate.ts step 5)
    const early = await validateOnce(raw, ctx({ now: NOW - 6 }), key, { memo, validate: c.validate });
    expect(early.facts).toEqual(await fresh(raw, ctx({ now: NOW - 6 })));
    expect(early.facts.reason).toBe("timestamp-in-future");
    expect(c.runs()).toBe(2);
    // cross-safe has no past window: a copy much later reuses "valid"
    expect((await validateOnce(raw, ctx({ now: NOW + 600 }), key, { memo, validate: c.validate })).facts.reason).toBe("valid");
    expect(c.runs()).toBe(2);
  });

  it("a result that failed on the clock is not kept: the next copy, later, validates and may pass", async () => {
    const raw = message();
    const key = await sha256(raw);
    const memo = new ValidationMemo<KeptValidation>();
    const c = counting();
    expect((await validateOnce(raw, ctx({ now: NOW - 6 }), key, { memo, validate: c.validate })).facts.reason).toBe("timestamp-in-future");
    expect((await validateOnce(raw, ctx(), key, { memo, validate: c.validate })).facts.reason).toBe("valid");
    expect(c.runs()).toBe(2);
  });

  it("the blocks topics' past window is applied with each copy's clock", async () => {
    const pbr = rng.bytes(32);
    const raw = buildGossip(withValidBlockHash(validPayload(rng, 3, { timestamp: BigInt(NOW) }), pbr), 3, CHAIN, KEY, pbr, BLOCK_SIGNING_DOMAIN).raw;
    const bc = (now: number): ValidationContext => ctx({ kind: "blocks", version: 3, topic: formatTopic(CHAIN, "blocks", 3), now });
    const key = await sha256(raw);
    const memo = new ValidationMemo<KeptValidation>();
    const first = await validateOnce(raw, bc(NOW), key, { memo });
    expect(first.facts).toEqual(await fresh(raw, bc(NOW)));
    expect(first.facts.reason).toBe("valid");
    const late = await validateOnce(raw, bc(NOW + 61), key, { memo });
    expect(late.facts).toEqual(await fresh(raw, bc(NOW + 61)));
    expect(late.validatedHere).toBe(true);
  });

  it("another signer, topic or attestation domain is another key: validated afresh", async () => {
    const raw = message();
    const key = await sha256(raw);
    const memo = new ValidationMemo<KeptValidation>();
    const c = counting();
    const variants: ValidationContext[] = [ctx(), ctx({ signer: addressOfPrivateKey(OTHER_KEY) }), ctx({ attestationDomain: "block" }), ctx({ topic: crossSafeTopic(902n), chainId: 902n })];
    for (const v of variants) expect((await validateOnce(raw, v, key, { memo, validate: c.validate })).facts).toEqual(await fresh(raw, v));
    expect(c.runs()).toBe(4);
    expect(memo.size).toBe(4);
  });

  it("without a signer (its lookup failed) nothing is kept", async () => {
    const raw = message();
    const memo = new ValidationMemo<KeptValidation>();
    const v = await validateOnce(raw, ctx({ signer: undefined }), await sha256(raw), { memo });
    expect(v.facts.reason).toBe("no-signer-configured");
    expect(memo.size).toBe(0);
  });
});
