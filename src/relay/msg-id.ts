// gossipsub `msgIdFn` (op-node's BuildMsgIdFn, topic included — protocol notes §1.5, §8.1) and the
// relay's cheap local checks. The id needs a snappy decode anyway, so the decode outcome is kept
// (the outcome only, never the decompressed bytes) for the forwarder, which then does not decode again.
import { createHash } from "node:crypto";
import { MIN_ENVELOPE_SIZE } from "../protocol/envelope.ts";
import { messageIdParts } from "../protocol/message-id.ts";
import { MAX_GOSSIP_SIZE, snappyDecode } from "../protocol/snappy.ts";
import type { GossipReason } from "../protocol/verdict.ts";

export type Precheck = { ok: true; decodedLength: number } | { ok: false; reason: GossipReason };

// Keyed by the message's data array: gossipsub hands the same Message object to msgIdFn and to the
// 'gossipsub:message' event. A WeakMap keeps nothing alive once gossipsub drops the message.
const outcomes = new WeakMap<Uint8Array, Precheck>();

/** op-node BuildBlocksValidator step 1 (REJECT rules on size and snappy), plus the RPC size cap. */
function check(raw: Uint8Array, decoded: Uint8Array | null, error: GossipReason | null): Precheck {
  if (raw.length > MAX_GOSSIP_SIZE) return { ok: false, reason: "message-too-large" };
  if (decoded === null) return { ok: false, reason: error ?? "snappy-corrupt" };
  if (decoded.length < MIN_ENVELOPE_SIZE) return { ok: false, reason: "too-short" };
  return { ok: true, decodedLength: decoded.length };
}

function decode(raw: Uint8Array): { data: Uint8Array | null; error: GossipReason | null } {
  if (raw.length > MAX_GOSSIP_SIZE) return { data: null, error: "message-too-large" };
  const r = snappyDecode(raw, MAX_GOSSIP_SIZE);
  return r.ok ? { data: r.data, error: null } : { data: null, error: r.error };
}

/**
 * The gossipsub message-id function: op-node's 20-byte id (protocol/message-id.ts computeMessageId,
 * the same parts), recording the local check on the way. Hashed here with node:crypto, in place and
 * synchronously: Web Crypto's digest, which the portable computeMessageId uses, needs the parts
 * joined (a copy of the decompressed block, up to 10 MiB, for the GC) and a job per message.
 */
export async function relayMsgIdFn(msg: { topic: string; data?: Uint8Array }): Promise<Uint8Array> {
  const raw = msg.data ?? new Uint8Array(0);
  const { data, error } = decode(raw);
  outcomes.set(raw, check(raw, data, error));
  // An over-size message hashes with the invalid-snappy domain, as op-node's DecodedLen > max branch does.
  const h = createHash("sha256");
  for (const part of messageIdParts(msg.topic, raw, data)) h.update(part);
  const d = h.digest(); // a Buffer, possibly a view into Node's shared pool: keep its offset
  return new Uint8Array(d.buffer, d.byteOffset, 20);
}

/**
 * gossipsub `fastMsgIdFn`: a cheap exact key of everything msgIdFn and the message's validation read —
 * SHA-256 (node:crypto, native) over the topic, the raw (compressed) data and the StrictNoSign fields
 * (from, seqno, signature, key: a copy carrying them must still be rejected, not taken for a duplicate).
 * gossipsub checks it against its fastMsgIdCache (time-bounded like the seen-cache, keys and id strings
 * only) before msgIdFn, so each further copy of a block from the other relays in the mesh is dropped as a
 * duplicate without the JS snappy decode and SHA-256 of up to 10 MiB that op-node's id needs. Lodestar's
 * fastMsgIdFn is a seeded xxhash64 of the data; a collision-resistant hash here means a distinct message
 * is never taken for a seen one, and the id stays exactly op-node's (cached for these very bytes).
 */
export function relayFastMsgIdFn(msg: { topic: string; data?: Uint8Array; from?: Uint8Array; seqno?: Uint8Array; signature?: Uint8Array; key?: Uint8Array }): string {
  const h = createHash("sha256");
  const len = Buffer.alloc(4);
  // each field length-prefixed (absent ≠ empty), so no two distinct messages share one hash input
  const part = (b: Uint8Array | string | undefined): void => {
    const bytes = typeof b === "string" ? Buffer.from(b, "utf8") : b;
    len.writeInt32BE(bytes === undefined ? -1 : bytes.length);
    h.update(len);
    if (bytes !== undefined) h.update(bytes);
  };
  part(msg.topic);
  part(msg.data);
  part(msg.from);
  part(msg.seqno);
  part(msg.signature);
  part(msg.key);
  return h.digest("base64");
}

/** The local check for a message; reuses the msgIdFn's decode when gossipsub went through it. */
export function precheck(raw: Uint8Array): Precheck {
  const known = outcomes.get(raw);
  if (known) return known;
  const { data, error } = decode(raw);
  return check(raw, data, error);
}

/** gossipsub's string form of a message id (base64 without padding), for logs and tests. */
export function msgIdToString(id: Uint8Array): string {
  return Buffer.from(id).toString("base64").replace(/=+$/, "");
}
