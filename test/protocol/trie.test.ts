// orderedTrieRoot (hand-written, bottom-up) against @ethereumjs/trie (a general insert-one-key-at-a-time
// Merkle-Patricia trie) on thousands of random lists, keyed by rlp(index) as geth's DeriveSha does.
import "../../src/node/keccak.ts";
import { RLP } from "@ethereumjs/rlp";
import { Trie } from "@ethereumjs/trie";
import sha3 from "js-sha3";
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/protocol/hex.ts";
import { EMPTY_TRIE_ROOT, orderedTrieRoot } from "../../src/protocol/trie.ts";
import { Rng } from "../helpers/payload-gen.ts";

// js-sha3 (pure JS) keeps the reference independent of our WASM keccak and is faster than its default.
const keccakJs = (d: Uint8Array) => new Uint8Array(sha3.keccak256.arrayBuffer(d));

/** Reference root: insert (rlp(i), item) one by one. An empty value is a deletion in a MPT — the
 * item is absent, exactly as geth's DeriveSha leaves it out (StackTrie.Update refuses it). */
async function referenceRoot(items: readonly Uint8Array[]): Promise<string> {
  const t = new Trie({ useKeyHashingFunction: keccakJs });
  for (let i = 0; i < items.length; i++) await t.put(RLP.encode(i), items[i]!);
  return toHex(t.root());
}

function item(rng: Rng, maxSize: number): Uint8Array {
  const r = rng.float();
  if (r < 0.08) return new Uint8Array(0);
  if (r < 0.25) return Uint8Array.of(rng.pick([0x00, 0x01, 0x7f, 0x80, 0x81, 0xfe, 0xff, rng.int(0, 255)]));
  // sizes around the 32-byte embedding threshold of a trie node are the interesting ones
  if (r < 0.45) return rng.bytes(rng.int(25, 40));
  return rng.bytes(rng.int(0, maxSize));
}

/** List length: mostly small, often around the rlp key boundaries 127/128 and 255/256, up to 300
 * (the reference costs ~0.07 ms per insert, so the mix keeps the whole test near 10 s). */
function count(rng: Rng): number {
  const r = rng.float();
  if (r < 0.65) return rng.int(0, 20);
  if (r < 0.77) return rng.int(120, 140);
  if (r < 0.8) return rng.int(250, 300);
  return rng.int(0, 150);
}

describe("orderedTrieRoot", () => {
  it("empty list → the empty-trie root", async () => {
    expect(toHex(orderedTrieRoot([]))).toBe("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
    expect(toHex(EMPTY_TRIE_ROOT)).toBe(await referenceRoot([]));
  });

  it("an empty item is absent from the trie (geth's DeriveSha skips what StackTrie.Update refuses)", () => {
    const a = Uint8Array.of(0xaa);
    const b = Uint8Array.of(0xbb, 0xcc);
    expect(orderedTrieRoot([new Uint8Array(0)])).toEqual(EMPTY_TRIE_ROOT);
    // [a, "", b] hashes like a trie holding only keys rlp(0) → a and rlp(2) → b
    const root = orderedTrieRoot([a, new Uint8Array(0), b]);
    expect(root).not.toEqual(orderedTrieRoot([a, b]));
    expect(root).not.toEqual(orderedTrieRoot([a, Uint8Array.of(0x80), b]));
  });

  it("edge cases: single bytes < 0x80 and 0x80, embedding threshold, key boundaries", async () => {
    const cases: Uint8Array[][] = [
      [Uint8Array.of(0x00)],
      [Uint8Array.of(0x7f)],
      [Uint8Array.of(0x80)],
      [Uint8Array.of(0x01), Uint8Array.of(0x80)],
      [new Uint8Array(0)],
      [new Uint8Array(0), new Uint8Array(0)],
      [Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2)],
      [new Uint8Array(30).fill(7), new Uint8Array(31).fill(7), new Uint8Array(32).fill(7), new Uint8Array(33).fill(7)],
      ...[1, 2, 16, 17, 127, 128, 129, 255, 256, 257].map((n) => Array.from({ length: n }, (_, i) => Uint8Array.of(i & 0xff))),
      ...[127, 128, 256].map((n) => Array.from({ length: n }, () => new Uint8Array(0))),
    ];
    for (const c of cases) expect(toHex(orderedTrieRoot(c)), `${c.length} items`).toBe(await referenceRoot(c));
  });

  it("matches @ethereumjs/trie on 1,000 random lists (0..300 items of 0..200 bytes)", { timeout: 180_000 }, async () => {
    const rng = new Rng(0x7121e);
    let items = 0;
    for (let k = 0; k < 1000; k++) {
      const c = Array.from({ length: count(rng) }, () => item(rng, 200));
      items += c.length;
      const want = await referenceRoot(c);
      if (toHex(orderedTrieRoot(c)) !== want) expect.fail(`case ${k}: ${c.length} items: ${c.map((x) => toHex(x)).join(",")}`);
    }
    expect(items).toBeGreaterThan(30_000);
  });

  it("matches @ethereumjs/trie on large lists (> 1000 items)", async () => {
    const rng = new Rng(0x1a29e);
    for (const n of [1000, 1337, 2500]) {
      const c = Array.from({ length: n }, () => item(rng, 120));
      expect(toHex(orderedTrieRoot(c)), `${n} items`).toBe(await referenceRoot(c));
    }
  });

  it("does not depend on the items' buffers beyond their views (subarrays of one buffer)", () => {
    const rng = new Rng(5);
    const buf = rng.bytes(4000);
    const views = Array.from({ length: 150 }, (_, i) => buf.subarray(i * 20, i * 20 + 1 + (i % 25)));
    const copies = views.map((v) => v.slice());
    expect(orderedTrieRoot(views)).toEqual(orderedTrieRoot(copies));
  });
});
