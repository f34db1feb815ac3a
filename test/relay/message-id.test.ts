// (a) The relay's gossipsub message ids equal op-node's for every gossip vector — computed directly by
// the msgIdFn and as gossipsub itself reports them after a real loopback publish.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TopicValidatorResult } from "@libp2p/gossipsub";
import { afterAll, describe, expect, it } from "vitest";
import { snappyEncode } from "../../src/protocol/snappy.ts";
import { msgIdToString, precheck, relayMsgIdFn } from "../../src/relay/msg-id.ts";
import { computeMessageId } from "../../src/protocol/message-id.ts";
import type { GossipNode } from "../../src/relay/node.ts";
import { connect, gossipPeer, stopAll } from "../helpers/relay-nodes.ts";

const DIR = join(import.meta.dirname, "../vectors");

interface GossipVector {
  name: string;
  topic: string;
  raw: Uint8Array;
  opNode: string;
  spec: string;
}

const vectors: GossipVector[] = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .flatMap((f) => {
    const j = JSON.parse(readFileSync(join(DIR, f), "utf8")) as { topic?: string; message_id?: { op_node: string; spec_text_and_kona: string } };
    if (!j.topic || !j.message_id) return [];
    const hex = readFileSync(join(DIR, f.replace(/\.json$/, ".hex")), "utf8").trim();
    return [{ name: f.replace(/\.json$/, ""), topic: j.topic, raw: new Uint8Array(Buffer.from(hex, "hex")), opNode: j.message_id.op_node, spec: j.message_id.spec_text_and_kona }];
  });

describe("relay message id = op-node's", () => {
  it("finds the gossip vectors", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(6);
  });

  for (const v of vectors) {
    it(`${v.name}: msgIdFn gives message_id.op_node (not the spec-text id)`, async () => {
      const id = Buffer.from(await relayMsgIdFn({ topic: v.topic, data: v.raw })).toString("hex");
      expect(id).toBe(v.opNode);
      expect(id).not.toBe(v.spec);
      expect(precheck(v.raw)).toMatchObject({ ok: true });
    });
  }

  it("uses the invalid-snappy domain for garbage and records the local check", async () => {
    const garbage = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
    const id = await relayMsgIdFn({ topic: "/optimism/1/0/cross-safe-blocks", data: garbage });
    expect(id.length).toBe(20);
    expect(precheck(garbage)).toEqual({ ok: false, reason: "snappy-bad-length" });
    expect(precheck(snappyEncode(new Uint8Array(65)))).toEqual({ ok: false, reason: "too-short" });
    expect(precheck(snappyEncode(new Uint8Array(66)))).toEqual({ ok: true, decodedLength: 66 });
    // claims 16 MiB: over op-node's 10 MiB cap, rejected before allocating
    expect(precheck(Uint8Array.of(0x80, 0x80, 0x80, 0x08, 0x00))).toEqual({ ok: false, reason: "snappy-too-large" });
    // claims 100 bytes, holds 3 literal bytes: golang/snappy fails, so must we
    expect(precheck(Uint8Array.of(100, 0x08, 1, 2, 3))).toEqual({ ok: false, reason: "snappy-corrupt" });
  });

  it("hashes exactly what the portable computeMessageId hashes (node:crypto in place vs Web Crypto), valid snappy or not", async () => {
    let x = 7;
    const rand = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24);
    const topics = ["/optimism/10/0/cross-safe-blocks", "/optimism/8453/3/blocks", ""];
    for (let i = 0; i < 60; i++) {
      const body = rand([0, 1, 65, 66, 300, 70_000][i % 6]!);
      for (const raw of [snappyEncode(body), body]) {
        const topic = topics[i % topics.length]!;
        expect(Buffer.from(await relayMsgIdFn({ topic, data: raw })).toString("hex")).toBe(Buffer.from(await computeMessageId(topic, raw)).toString("hex"));
      }
    }
  });
});

describe("gossipsub reports op-node's id over a real loopback publish", () => {
  const nodes: GossipNode[] = [];
  afterAll(() => stopAll(...nodes));

  it("every vector arrives with msgId = base64(op_node id)", async () => {
    const topics = [...new Set(vectors.map((v) => v.topic))];
    const pub = await gossipPeer(topics);
    const sub = await gossipPeer(topics);
    nodes.push(pub, sub);
    const seen = new Map<string, string>();
    sub.pubsub.addEventListener("gossipsub:message", (e) => {
      seen.set(Buffer.from(e.detail.msg.data).toString("hex"), e.detail.msgId);
      sub.pubsub.reportMessageValidationResult(e.detail.msgId, e.detail.propagationSource.toString(), TopicValidatorResult.Ignore);
    });
    await connect(pub, sub);
    for (const v of vectors) await pub.publishRaw(v.topic, v.raw);
    const t0 = Date.now();
    while (seen.size < vectors.length && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    for (const v of vectors) {
      expect(seen.get(Buffer.from(v.raw).toString("hex")), v.name).toBe(msgIdToString(Buffer.from(v.opNode, "hex")));
    }
  });
});
