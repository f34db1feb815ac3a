// Gossip message id (protocol notes §1.5, §8.1). op-node's BuildMsgIdFn hashes the topic in:
//   SHA256(domain ‖ uint64_le(len(topic)) ‖ topic ‖ data)[:20]
// with domain 0x01000000 and the decompressed data when snappy decodes within the cap, else
// 0x00000000 and the raw data. The spec text and kona omit the topic; that variant is kept for tests.
import { MAX_GOSSIP_SIZE, snappyDecode } from "./snappy.ts";

const DOMAIN_VALID_SNAPPY = Uint8Array.of(1, 0, 0, 0);
const DOMAIN_INVALID_SNAPPY = Uint8Array.of(0, 0, 0, 0);
const encoder = new TextEncoder();

export type MessageIdVariant = "op-node" | "spec";

type DigestStreamLike = WritableStream<Uint8Array> & { readonly digest: Promise<ArrayBuffer> };
/** workerd's streaming digest (a Cloudflare extension of Web Crypto); absent in Node. */
const DigestStream = (crypto as unknown as { DigestStream?: new (algorithm: string) => DigestStreamLike }).DigestStream;

/** SHA-256 of the parts in order. Where it can, hashes them in place: joining them copies the whole message (up to 10 MiB). */
async function sha256(parts: Uint8Array[]): Promise<Uint8Array> {
  if (DigestStream) {
    const s = new DigestStream("SHA-256");
    const w = s.getWriter();
    for (const p of parts) await w.write(p);
    await w.close();
    return new Uint8Array(await s.digest);
  }
  const buf = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    buf.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", buf));
}

/**
 * Message id from the raw gossip data. Pass `decompressed` when the caller already decoded it
 * (the validation pipeline does) to avoid a second decode; pass `null` if decoding failed.
 */
export async function computeMessageId(
  topic: string,
  raw: Uint8Array,
  decompressed?: Uint8Array | null,
  variant: MessageIdVariant = "op-node",
): Promise<Uint8Array> {
  let data = decompressed;
  if (data === undefined) {
    const r = snappyDecode(raw, MAX_GOSSIP_SIZE);
    data = r.ok ? r.data : null;
  }
  return (await sha256(messageIdParts(topic, raw, data, variant))).subarray(0, 20);
}

/**
 * What the id hashes, in order, given the decode outcome (`decompressed` null: it failed): a small
 * header, then the message itself, uncopied. The id is the first 20 bytes of their SHA-256; a caller
 * with a synchronous hash (the relay: node:crypto) hashes these parts itself.
 */
export function messageIdParts(topic: string, raw: Uint8Array, decompressed: Uint8Array | null, variant: MessageIdVariant = "op-node"): [Uint8Array, Uint8Array] {
  const domain = decompressed ? DOMAIN_VALID_SNAPPY : DOMAIN_INVALID_SNAPPY;
  const topicBytes = variant === "op-node" ? encoder.encode(topic) : new Uint8Array(0);
  const headerLen = variant === "op-node" ? 4 + 8 + topicBytes.length : 4;
  const header = new Uint8Array(headerLen);
  header.set(domain, 0);
  if (variant === "op-node") {
    new DataView(header.buffer).setBigUint64(4, BigInt(topicBytes.length), true);
    header.set(topicBytes, 12);
  }
  return [header, decompressed ?? raw];
}
