// The relay's gossipsub fastMsgIdFn: an exact key of the message (topic, raw data, StrictNoSign fields),
// so copies of one block from several peers compute op-node's id once, and the id gossipsub reports
// stays op-node's (test/relay/message-id.test.ts checks the ids against the vectors).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TopicValidatorResult } from "@libp2p/gossipsub";
import { afterAll, describe, expect, it } from "vitest";
import { computeMessageId } from "../../src/protocol/message-id.ts";
import { snappyDecode, snappyEncode } from "../../src/protocol/snappy.ts";
import { msgIdToString, relayFastMsgIdFn, relayMsgIdFn } from "../../src/relay/msg-id.ts";
import type { GossipNode } from "../../src/relay/node.ts";
import { connect, gossipPeer, stopAll } from "../helpers/relay-nodes.ts";

const TOPIC = "/optimism/901/0/cross-safe-blocks";
const OTHER = "/optimism/902/0/cross-safe-blocks";
const DIR = join(import.meta.dirname, "../vectors");
const vectors = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .flatMap((f) => {
    const j = JSON.parse(readFileSync(join(DIR, f), "utf8")) as { topic?: string; message_id?: unknown };
    if (!j.topic || !j.message_id) return [];
    return [{ topic: j.topic, raw: new Uint8Array(Buffer.from(readFileSync(join(DIR, f.replace(/\.json$/, ".hex")), "utf8").trim(), "hex")) }];
  });

describe("relayFastMsgIdFn", () => {
  it("is equal for equal messages in distinct arrays, and differs on topic, data or a signing field", () => {
    const raw = snappyEncode(new Uint8Array(200).fill(7));
    const id = relayFastMsgIdFn({ topic: TOPIC, data: raw });
    expect(relayFastMsgIdFn({ topic: TOPIC, data: raw.slice() })).toBe(id);
    expect(relayFastMsgIdFn({ topic: OTHER, data: raw })).not.toBe(id);
    const flipped = raw.slice();
    flipped[flipped.length - 1]! ^= 1;
    expect(relayFastMsgIdFn({ topic: TOPIC, data: flipped })).not.toBe(id);
    expect(relayFastMsgIdFn({ topic: TOPIC, data: raw, seqno: new Uint8Array(8) })).not.toBe(id);
    expect(relayFastMsgIdFn({ topic: TOPIC, data: raw, from: new Uint8Array(0) })).not.toBe(id);
    // field boundaries are length-prefixed: moving bytes between topic and data changes the key
    expect(relayFastMsgIdFn({ topic: "ab", data: Uint8Array.of(1) })).not.toBe(relayFastMsgIdFn({ topic: "a", data: Uint8Array.of(0x62, 1) }));
    expect(relayFastMsgIdFn({ topic: TOPIC })).not.toBe(relayFastMsgIdFn({ topic: TOPIC, data: new Uint8Array(0) }));
  });

  it("leaves msgIdFn = computeMessageId on the vectors, valid and invalid snappy", async () => {
    const garbage = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
    for (const m of [...vectors, { topic: TOPIC, raw: garbage }, { topic: TOPIC, raw: snappyEncode(new Uint8Array(66)) }]) {
      const d = snappyDecode(m.raw, 10 * 2 ** 20);
      const want = await computeMessageId(m.topic, m.raw, d.ok ? d.data : null);
      expect(Buffer.from(await relayMsgIdFn({ topic: m.topic, data: m.raw }))).toEqual(Buffer.from(want));
    }
  });
});

describe("copies from two peers compute the id once (real gossipsub on loopback)", () => {
  const nodes: GossipNode[] = [];
  afterAll(() => stopAll(...nodes));

  it("one msgIdFn call and one message per distinct (topic, bytes); the reported id is op-node's", async () => {
    let calls = 0;
    const counting = async (m: { topic: string; data?: Uint8Array }): Promise<Uint8Array> => {
      calls++;
      return relayMsgIdFn(m);
    };
    const sub = await gossipPeer([TOPIC, OTHER], { gossipOverrides: { msgIdFn: counting } });
    const a = await gossipPeer([TOPIC, OTHER]);
    const b = await gossipPeer([TOPIC, OTHER]);
    nodes.push(sub, a, b);
    const seen: string[] = [];
    sub.pubsub.addEventListener("gossipsub:message", (e) => {
      seen.push(`${e.detail.msg.topic} ${e.detail.msgId}`);
      sub.pubsub.reportMessageValidationResult(e.detail.msgId, e.detail.propagationSource.toString(), TopicValidatorResult.Ignore);
    });
    await connect(a, sub);
    await connect(b, sub);
    const raw = snappyEncode(new Uint8Array(300_000).map((_, i) => i % 251));
    const wait = async (n: number): Promise<void> => {
      const t0 = Date.now();
      while (seen.length < n && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    };
    await a.publishRaw(TOPIC, raw);
    await wait(1);
    const before = calls;
    await b.publishRaw(TOPIC, raw.slice()); // the same bytes from another peer: a duplicate
    await b.publishRaw(OTHER, raw); // the same bytes on another topic: a new message
    await wait(2);
    await new Promise((r) => setTimeout(r, 300)); // a late duplicate event would show here
    expect(calls - before).toBe(1);
    const id = async (topic: string): Promise<string> => msgIdToString(await computeMessageId(topic, raw, snappyDecode(raw, 10 * 2 ** 20).ok ? new Uint8Array(300_000).map((_, i) => i % 251) : null));
    expect(seen).toEqual([`${TOPIC} ${await id(TOPIC)}`, `${OTHER} ${await id(OTHER)}`]);
  });
});
