// Workaround for a @libp2p/gossipsub 17.1.1 bug: every outbound RPC is length-prefixed with
// it-length-prefixed's default cap of 4 MiB (stream.ts OutboundStream.push → encode.single(data), no
// option passed), so a node can receive op-node's 10 MiB messages (maxInboundDataLength) but cannot
// forward or publish anything above 4 MiB: "InvalidDataLengthError: Message length too long".
// Upstream: libp2p/js-libp2p issue #3427, open PR #3486 (adds `maxOutboundDataLength`). Measured here:
// a 5 MiB message never arrives without this patch.
//
// The patch replaces OutboundStream.prototype.push with the same unsigned-varint length prefix and a
// cap of op-node's maxGossipSize (go-libp2p-pubsub's WithMaxMessageSize bounds the whole RPC in both
// directions). The package's exports map hides stream.js, so it is loaded by file URL next to the
// resolved entry point — the same module instance gossipsub.js uses. If the shape is not what this was
// written against, nothing is patched and the caller is told. Remove once the PR ships.
import { MAX_GOSSIP_SIZE } from "../protocol/snappy.ts";

export type PatchResult = { patched: true } | { patched: false; reason: string };

let result: Promise<PatchResult> | undefined;

function uvarint(n: number): Uint8Array {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
}

interface OutboundStreamLike {
  push(data: Uint8Array): void;
  pushPrefixed(data: Uint8Array): void;
}

export function patchGossipsubOutboundLimit(maxRpcBytes: number = MAX_GOSSIP_SIZE): Promise<PatchResult> {
  result ??= (async (): Promise<PatchResult> => {
    try {
      const url = new URL("./stream.js", import.meta.resolve("@libp2p/gossipsub"));
      const mod = (await import(url.href)) as { OutboundStream?: { prototype: OutboundStreamLike } };
      const proto = mod.OutboundStream?.prototype;
      if (!proto || typeof proto.push !== "function" || typeof proto.pushPrefixed !== "function") {
        return { patched: false, reason: "OutboundStream.push/pushPrefixed not found in @libp2p/gossipsub/dist/src/stream.js" };
      }
      proto.push = function push(this: OutboundStreamLike, data: Uint8Array): void {
        if (data.byteLength > maxRpcBytes) throw new RangeError(`gossipsub RPC of ${data.byteLength} bytes exceeds ${maxRpcBytes}`);
        // prefix and body as two writes: no copy of a multi-MiB body per peer
        this.pushPrefixed(uvarint(data.byteLength));
        this.pushPrefixed(data);
      };
      return { patched: true };
    } catch (e) {
      return { patched: false, reason: (e as Error).message };
    }
  })();
  return result;
}
