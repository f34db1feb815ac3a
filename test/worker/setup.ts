// Each Worker test starts from a clean Durable Object and a fresh chain (same seed: same blocks).
import { abortAllDurableObjects, reset } from "cloudflare:test";
import { beforeEach } from "vitest";
import { admin, control } from "./harness.ts";

export function freshWorld(seconds = 120, o: { endingNow?: boolean } = {}): void {
  beforeEach(async () => {
    await reset();
    // The Worker's isolate caches the signer and node chain ids: start each test without them.
    if ((await admin("refresh")).status !== 200) throw new Error("admin refresh failed");
    await abortAllDurableObjects();
    await control({ op: "faults.clear" });
    // endingNow: the newest block's timestamp is now (the blocks topics refuse blocks over 60 s old).
    await control({ op: "reset", ...(o.endingNow ? { options: { genesisTime: Math.floor(Date.now() / 1000) - seconds } } : {}) });
    await control({ op: "advance", seconds });
  });
}
