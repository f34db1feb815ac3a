// @chainsafe/discv5 11.0.4 arms a 60 s timer in Lookup.start() (lookupTimeout) and clears it only in
// Lookup.stop(); a lookup that finishes on its own (lookup.js, the two other `state = Finished` paths)
// leaves it armed. Harmless while running (it then calls stop(), a no-op), but the armed timers keep
// a stopped node's process alive for up to a minute. Unref'd here, once, at import: the timer still
// ends a stuck lookup, but no longer holds the process open.
import { Lookup } from "@chainsafe/discv5/kademlia";

type Timer = { unref?: () => void };
const proto = Lookup.prototype as unknown as { start(): void; timeout?: Timer; __opFollowUnref?: true };
if (!proto.__opFollowUnref) {
  const start = proto.start;
  proto.start = function (this: typeof proto): void {
    start.call(this);
    this.timeout?.unref?.();
  };
  proto.__opFollowUnref = true;
}
