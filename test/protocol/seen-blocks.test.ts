// op-node's per-height seen cache: 6 distinct blocks per height, the 7th REJECTed (even a duplicate),
// an already-seen hash IGNOREd, and memory bounded by an LRU of heights.
import { describe, expect, it } from "vitest";
import { MAX_BLOCKS_PER_HEIGHT, SEEN_HEIGHTS, SeenBlocks } from "../../src/protocol/seen-blocks.ts";

const h = (i: number) => `0x${i.toString(16).padStart(64, "0")}`;

describe("SeenBlocks", () => {
  it("op-node constants: more than 5 hashes at a height is too many; 1000 heights", () => {
    expect(MAX_BLOCKS_PER_HEIGHT).toBe(5);
    expect(SEEN_HEIGHTS).toBe(1000);
  });

  it("6 distinct hashes at one height are new, the 7th is too many, and so is a duplicate after that", () => {
    const s = new SeenBlocks();
    for (let i = 0; i < 6; i++) expect(s.checkAndMark(7n, h(i))).toBe("new");
    expect(s.checkAndMark(7n, h(6))).toBe("too-many");
    expect(s.checkAndMark(7n, h(0))).toBe("too-many"); // the count check comes before the seen check
    expect(s.checkAndMark(7n, h(6))).toBe("too-many"); // a rejected hash is not remembered as seen
    expect(s.checkAndMark(8n, h(0))).toBe("new"); // heights are independent
  });

  it("a duplicate below the limit is seen; it does not count twice", () => {
    const s = new SeenBlocks();
    expect(s.checkAndMark(1n, h(1))).toBe("new");
    expect(s.checkAndMark(1n, h(1))).toBe("seen");
    for (let i = 2; i <= 6; i++) expect(s.checkAndMark(1n, h(i))).toBe("new");
    expect(s.checkAndMark(1n, h(7))).toBe("too-many");
  });

  it("evicts the least recently used height at capacity (a lookup counts as use)", () => {
    const s = new SeenBlocks(3);
    s.checkAndMark(1n, h(1));
    s.checkAndMark(2n, h(2));
    s.checkAndMark(3n, h(3));
    expect(s.checkAndMark(1n, h(1))).toBe("seen"); // touches height 1
    s.checkAndMark(4n, h(4)); // evicts height 2, the least recently used
    expect(s.size).toBe(3);
    expect(s.checkAndMark(1n, h(1))).toBe("seen");
    expect(s.checkAndMark(3n, h(3))).toBe("seen");
    expect(s.checkAndMark(2n, h(2))).toBe("new"); // forgotten → new again (and evicts height 4)
    expect(s.checkAndMark(4n, h(4))).toBe("new");
  });

  it("memory stays bounded: 100,000 heights × up to 7 hashes keep at most `capacity` heights", () => {
    const s = new SeenBlocks();
    for (let n = 0; n < 100_000; n++) {
      const k = 1 + (n % 7);
      for (let i = 0; i < k; i++) s.checkAndMark(BigInt(n), h(i));
      expect(s.size).toBeLessThanOrEqual(SEEN_HEIGHTS);
    }
    expect(s.size).toBe(SEEN_HEIGHTS);
    // the newest 1000 heights are remembered, older ones are not
    expect(s.checkAndMark(99_999n, h(0))).toBe("seen");
    expect(s.checkAndMark(0n, h(0))).toBe("new");
  });
});
