// @chainsafe/libp2p-yamux 8.0.1 answers every data frame it receives with a window-update frame
// (stream.js handleData → sendWindowUpdate, which returns early only when nothing was consumed): one
// noise-encrypted 12-byte frame and one socket write per frame in. Under a gossip flood that is one
// write per invalid message: profiled in the attack bench (bench/README.md), the relay's largest
// single cost, and its longest busy stretches were those writes. hashicorp/yamux (stream.go
// sendWindowUpdate: `if delta < (max/2) && flags == 0 { return nil }`) and its libp2p fork go-yamux,
// op-node's muxer (util.go segmentedBuffer.GrowTo, the same rule), send an update only once half the
// receive window is consumed.
// The patch does the same: below half, and when no SYN/ACK flag is due, no frame; otherwise the
// original runs unchanged (its window auto-tuning included). Remove when upstream batches updates.
import { YamuxStream } from "@chainsafe/libp2p-yamux/stream";
import type { PatchResult } from "./gossipsub-patch.ts";

/** js-yamux's StreamState: Init 0, SYNSent 1, SYNReceived 2, Established 3, Finished 4, Paused 5. */
const INIT = 0;
const SYN_RECEIVED = 2;
const PAUSED = 5;

/** Whether a window update is due (go-yamux GrowTo): a flag to send, or at least half the window consumed. */
export function windowUpdateDue(s: { state: number; recvWindow: number; recvWindowCapacity: number }): boolean {
  if (s.state === INIT || s.state === SYN_RECEIVED) return true; // SYN/ACK must go out (getSendFlags)
  if (s.state === PAUSED) return true; // the original only restarts its tuning epoch then

  return s.recvWindow - s.recvWindowCapacity >= s.recvWindow / 2;
}

interface StreamLike {
  state: number;
  recvWindow: number;
  recvWindowCapacity: number;
  sendWindowUpdate(): void;
}

let result: PatchResult | undefined;

/** Patches YamuxStream.prototype.sendWindowUpdate once per process; says why if the shape is not as expected. */
export function patchYamuxWindowUpdates(): PatchResult {
  if (result) return result;
  const proto = YamuxStream.prototype as unknown as StreamLike;
  const original = proto.sendWindowUpdate;
  if (typeof original !== "function") return (result = { patched: false, reason: "YamuxStream.prototype.sendWindowUpdate not found" });
  proto.sendWindowUpdate = function (this: StreamLike): void {
    // The fields are instance state set in the constructor; unknown shapes fall through to the original.
    if (typeof this.recvWindow === "number" && typeof this.recvWindowCapacity === "number" && !windowUpdateDue(this)) return;
    original.call(this);
  };
  return (result = { patched: true });
}
