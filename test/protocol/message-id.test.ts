// Gossip message ids (op-node BuildMsgIdFn and the spec-text/kona variant) recomputed independently
// with node:crypto, plus the topic names they hash in.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/protocol/hex.ts";
import { computeMessageId } from "../../src/protocol/message-id.ts";
import { MAX_GOSSIP_SIZE, snappyEncode } from "../../src/protocol/snappy.ts";
import { crossSafeTopic, formatTopic, parseTopic } from "../../src/protocol/topic.ts";
import { Rng } from "../helpers/payload-gen.ts";

function opNodeId(topic: string, valid: boolean, data: Uint8Array): string {
  const t = Buffer.from(topic, "utf8");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(t.length));
  const h = createHash("sha256")
    .update(Uint8Array.of(valid ? 1 : 0, 0, 0, 0))
    .update(len)
    .update(t)
    .update(data)
    .digest();
  return "0x" + h.subarray(0, 20).toString("hex");
}

function specId(valid: boolean, data: Uint8Array): string {
  const h = createHash("sha256")
    .update(Uint8Array.of(valid ? 1 : 0, 0, 0, 0))
    .update(data)
    .digest();
  return "0x" + h.subarray(0, 20).toString("hex");
}

describe("computeMessageId", () => {
  const topics = ["/optimism/10/3/blocks", "/optimism/1301/0/cross-safe-blocks", "", "/optimism/é/0/blocks"];

  it("valid snappy: domain 0x01000000 over the decompressed data (op-node: topic hashed in, byte length LE64)", async () => {
    const rng = new Rng(1);
    for (let k = 0; k < 200; k++) {
      const data = rng.bytes(rng.int(0, 3000));
      const raw = snappyEncode(data);
      const topic = rng.pick(topics);
      const id = await computeMessageId(topic, raw);
      expect(id.length).toBe(20);
      expect(toHex(id)).toBe(opNodeId(topic, true, data));
      expect(toHex(await computeMessageId(topic, raw, undefined, "spec"))).toBe(specId(true, data));
      expect(toHex(await computeMessageId(topic, raw, data))).toBe(opNodeId(topic, true, data));
    }
  });

  it("invalid snappy: domain 0x00000000 over the raw data", async () => {
    const rng = new Rng(2);
    for (let k = 0; k < 200; k++) {
      const raw = rng.bytes(rng.int(0, 300));
      raw[0] = 0xff; // preamble claims more than the bytes can hold
      const topic = rng.pick(topics);
      expect(toHex(await computeMessageId(topic, raw))).toBe(opNodeId(topic, false, raw));
      expect(toHex(await computeMessageId(topic, raw, undefined, "spec"))).toBe(specId(false, raw));
      // a caller that already failed to decode passes null
      expect(toHex(await computeMessageId(topic, raw, null))).toBe(opNodeId(topic, false, raw));
    }
  });

  it("valid snappy above the 10 MiB cap counts as invalid (op-node checks DecodedLen <= maxGossipSize first)", async () => {
    const raw = snappyEncode(new Uint8Array(MAX_GOSSIP_SIZE + 1));
    expect(toHex(await computeMessageId("t", raw))).toBe(opNodeId("t", false, raw));
    const atCap = snappyEncode(new Uint8Array(MAX_GOSSIP_SIZE));
    expect(toHex(await computeMessageId("t", atCap))).toBe(opNodeId("t", true, new Uint8Array(MAX_GOSSIP_SIZE)));
  });

  it("the topic changes the op-node id but not the spec id", async () => {
    const raw = snappyEncode(Uint8Array.of(1, 2, 3));
    const a = toHex(await computeMessageId("/optimism/10/3/blocks", raw));
    const b = toHex(await computeMessageId("/optimism/10/2/blocks", raw));
    expect(a).not.toBe(b);
    expect(toHex(await computeMessageId("/optimism/10/3/blocks", raw, undefined, "spec"))).toBe(
      toHex(await computeMessageId("/optimism/10/2/blocks", raw, undefined, "spec")),
    );
  });
});

describe("topics", () => {
  it("blocks v1..v4 and cross-safe round-trip", () => {
    for (const v of [1, 2, 3, 4] as const) {
      const t = formatTopic(10n, "blocks", v);
      expect(t).toBe(`/optimism/10/${v - 1}/blocks`);
      expect(parseTopic(t)).toEqual({ chainId: 10n, kind: "blocks", version: v });
    }
    expect(crossSafeTopic(1301n)).toBe("/optimism/1301/0/cross-safe-blocks");
    expect(parseTopic("/optimism/1301/0/cross-safe-blocks")).toEqual({ chainId: 1301n, kind: "cross-safe", version: 4 });
  });

  it("anything else is not a topic we know (a validator would REJECT it as unknown-topic)", () => {
    for (const t of [
      "/optimism/10/4/blocks",
      "/optimism/10/3/cross-safe-blocks",
      "/optimism/10/blocks",
      "/optimism/x/0/blocks",
      "/optimism/-1/0/blocks",
      "/optimism/10/0/blocks/",
      "optimism/10/0/blocks",
      "",
    ])
      expect(parseTopic(t), t).toBeUndefined();
  });
});
