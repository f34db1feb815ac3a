// Gossip message id (protocol notes §1.5, §8.1). op-node's BuildMsgIdFn hashes the topic in:
//   SHA256(domain ‖ uint64_le(len(topic)) ‖ topic ‖ data)[:20]
// with domain 0x01000000 and the decompressed data when snappy decodes within the cap, else
// 0x00000000 and the raw data. The spec text and kona omit the topic; that variant is kept for tests.
import { MAX_GOSSIP_SIZE, snappyDecode } from "./snappy.ts";

const DOMAIN_VALID_SNAPPY = Uint8Array.of(1, 0, 0, 0);
const DOMAIN_INVALID_SNAPPY = Uint8Array.of(0, 0, 0, 0);
const encoder = new TextEncoder();

export type MessageIdVariant = "op-node" | "spec";

async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>));
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
  const domain = data ? DOMAIN_VALID_SNAPPY : DOMAIN_INVALID_SNAPPY;
  const body = data ?? raw;
  const topicBytes = variant === "op-node" ? encoder.encode(topic) : new Uint8Array(0);
  const headerLen = variant === "op-node" ? 4 + 8 + topicBytes.length : 4;
  const buf = new Uint8Array(headerLen + body.length);
  buf.set(domain, 0);
  if (variant === "op-node") {
    new DataView(buf.buffer).setBigUint64(4, BigInt(topicBytes.length), true);
    buf.set(topicBytes, 12);
  }
  buf.set(body, headerLen);
  return (await sha256(buf)).subarray(0, 20);
}
