import { describe, expect, it } from "vitest";
import { YamuxStream } from "@chainsafe/libp2p-yamux/stream";
import { patchYamuxWindowUpdates, windowUpdateDue } from "../../src/relay/yamux-patch.ts";

const ESTABLISHED = 3;
const W = 256 * 1024;

describe("yamux window updates (go-yamux GrowTo: only once half the window is consumed)", () => {
  it("is due when a SYN/ACK must go out, whatever was consumed", () => {
    expect(windowUpdateDue({ state: 0, recvWindow: W, recvWindowCapacity: W })).toBe(true);
    expect(windowUpdateDue({ state: 2, recvWindow: W, recvWindowCapacity: W - 1 })).toBe(true);
  });

  it("is not due below half the window on an established stream, and due from half on", () => {
    expect(windowUpdateDue({ state: ESTABLISHED, recvWindow: W, recvWindowCapacity: W - 100 })).toBe(false);
    expect(windowUpdateDue({ state: ESTABLISHED, recvWindow: W, recvWindowCapacity: W / 2 + 1 })).toBe(false);
    expect(windowUpdateDue({ state: ESTABLISHED, recvWindow: W, recvWindowCapacity: W / 2 })).toBe(true);
    expect(windowUpdateDue({ state: ESTABLISHED, recvWindow: W, recvWindowCapacity: 0 })).toBe(true);
  });

  it("patches the prototype once, and the patched method skips or calls the original", () => {
    const original = (YamuxStream.prototype as unknown as { sendWindowUpdate: () => void }).sendWindowUpdate;
    expect(patchYamuxWindowUpdates()).toEqual({ patched: true });
    expect(patchYamuxWindowUpdates()).toEqual({ patched: true });
    const patched = (YamuxStream.prototype as unknown as { sendWindowUpdate: () => void }).sendWindowUpdate;
    expect(patched).not.toBe(original);
    const frames: unknown[] = [];
    const fake = { state: ESTABLISHED, recvWindow: W, recvWindowCapacity: W - 100, epochStart: 0, getSendFlags: () => 0, getRTT: () => -1, sendFrame: (f: unknown) => frames.push(f) };
    patched.call(fake);
    expect(frames).toEqual([]);
    fake.recvWindowCapacity = W / 2 - 1;
    patched.call(fake);
    expect(frames).toHaveLength(1);
    expect(fake.recvWindowCapacity).toBe(W); // the original reopened the window in full
  });
});
