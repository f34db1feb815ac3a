// parseRpcBlockHashes (eth_getBlockByNumber(n, false)) on real blocks turned into their hash form,
// its strictness, and values far larger than any test block so far (the regexp-stack regression).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import "../../src/node/keccak.ts";
import { parseRpcBlock, parseRpcBlockHashes, parseRpcTransaction } from "../../src/protocol/rpc-block.ts";
import { isHex } from "../../src/protocol/hex.ts";
import { FIXTURE_BLOCKS, loadFixtureBlock } from "../helpers/rpc-fixtures.ts";

/** A real block's JSON as op-geth serves it with fullTx = false. */
function hashForm(json: Record<string, unknown>): Record<string, unknown> {
  return { ...json, transactions: (json["transactions"] as { hash: string }[]).map((t) => t.hash) };
}

describe("parseRpcBlockHashes", () => {
  it("reads real blocks' hash form: the same header as the full form, the transactions' hashes", () => {
    for (const name of FIXTURE_BLOCKS) {
      const { json, block } = loadFixtureBlock(name);
      const r = parseRpcBlockHashes(hashForm(json));
      if (!r.ok) throw new Error(`${name}: ${r.error.path}: ${r.error.message}`);
      const { transactions: full, ...header } = block;
      expect(r.value).toEqual({ ...header, transactions: full.map((t) => t.hash) });
    }
  });

  it("accepts nothing but 32-byte hashes in `transactions`, and says which form it wants", () => {
    const { json } = loadFixtureBlock("op-goerli-8381743");
    const hashes = hashForm(json);
    const txs = hashes["transactions"] as string[];
    expect(parseRpcBlockHashes(json)).toMatchObject({ ok: false, error: { path: "block.transactions", message: expect.stringMatching(/objects; expected their hashes/) } });
    expect(parseRpcBlock(hashes)).toMatchObject({ ok: false, error: { path: "block.transactions" } });
    expect(parseRpcBlockHashes({ ...hashes, transactions: [txs[0]!.slice(0, 64)] })).toMatchObject({ ok: false, error: { path: "block.transactions[0]", message: "expected 32 bytes, got 31" } });
    expect(parseRpcBlockHashes({ ...hashes, transactions: [txs[0], 7] })).toMatchObject({ ok: false, error: { path: "block.transactions[1]" } });
    expect(parseRpcBlockHashes({ ...hashes, transactions: undefined })).toMatchObject({ ok: false, error: { path: "block.transactions" } });
    expect(parseRpcBlockHashes({ ...hashes, hash: "0x12" })).toMatchObject({ ok: false, error: { path: "block.hash" } });
    expect(parseRpcBlockHashes(null)).toMatchObject({ ok: false, error: { message: "block not found (null result)" } });
    expect(parseRpcBlockHashes({ ...hashes, transactions: [] })).toMatchObject({ ok: true, value: { transactions: [] } });
  });

  it("never throws, on arbitrary JSON or a real block with any member replaced", () => {
    const { json } = loadFixtureBlock("ethrpc-rs-274");
    const hashes = hashForm(json);
    const keys = Object.keys(hashes);
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(...keys), (v, k) => {
        expect(typeof parseRpcBlockHashes(v).ok).toBe("boolean");
        expect(typeof parseRpcBlockHashes({ ...hashes, [k]: v }).ok).toBe("boolean");
      }),
      { numRuns: 1000 },
    );
  });
});

describe("byte strings of many megabytes", () => {
  it("a transaction with 6 MiB of input parses (a capturing hex regexp overflowed V8's stack past 4 MiB)", () => {
    const { json } = loadFixtureBlock("ethrpc-rs-274");
    const tx = (json["transactions"] as Record<string, unknown>[])[0]!;
    const input = `0x${"ab".repeat(6 * 1024 * 1024)}`;
    const r = parseRpcTransaction({ ...tx, input });
    expect(r.ok).toBe(true);
    expect(r.ok && r.value.input.length).toBe(input.length);
    expect(isHex(input)).toBe(true);
    expect(isHex(`${input}0`)).toBe(false);
  });
});
