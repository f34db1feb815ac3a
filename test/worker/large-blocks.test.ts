// A large block (over CLAIM_FIRST_BYTES) is claimed in the Durable Object before its RPC checks: when
// several relays forward it at once, one copy fetches the follower's block and settles it, the others
// are answered already-seen without the RPC reads (and without shipping the block to the object).
import { describe, expect, it } from "vitest";
import { DEV_ACCOUNTS, DEV_ROLES } from "../../src/devnet/dev-accounts.ts";
import { computeBlockHash } from "../../src/protocol/header.ts";
import { fromHex } from "../../src/protocol/hex.ts";
import { signGossipMessage } from "../../src/protocol/publish.ts";
import { decodePayload } from "../../src/protocol/ssz.ts";
import { CLAIM_FIRST_BYTES } from "../../src/worker/routes/ingest.ts";
import { CHAIN_ID, control, heads, ingest } from "./harness.ts";
import { freshWorld } from "./setup.ts";

freshWorld();

/** Block n of the follower's chain with a large opaque transaction appended, validly signed by the sequencer. */
async function largeVariantOf(n: bigint): Promise<Uint8Array> {
  const p = await control<{ parentBeaconBlockRoot: string; payloadSsz: string }>({ op: "payload", number: n.toString(), view: "follower" });
  const d = decodePayload(fromHex(p.payloadSsz), 4);
  if (!d.ok) throw new Error(d.error);
  const big = new Uint8Array(CLAIM_FIRST_BYTES + 64 * 1024);
  for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536)); // incompressible
  big[0] = 0x02;
  const pbbr = fromHex(p.parentBeaconBlockRoot);
  const payload = { ...d.payload, transactions: [...d.payload.transactions, big] };
  payload.blockHash = computeBlockHash(payload, pbbr);
  return signGossipMessage(payload, 4, pbbr, BigInt(CHAIN_ID), fromHex(DEV_ACCOUNTS[DEV_ROLES.sequencer]!.privateKey)).message;
}

describe("large blocks", () => {
  it("three relays forward one at once: one copy is checked (and rejected: it is not the follower's block), the others are already-seen without a check", async () => {
    const h = await heads();
    const message = await largeVariantOf(h.localSafe);
    expect(message.length).toBeGreaterThan(CLAIM_FIRST_BYTES);
    // the follower's op-geth is slow: the first copy is still being checked when the others arrive
    await control({ op: "faults.add", rule: { endpoint: "l2", method: "eth_getBlockByNumber", delayMs: 400 } });
    try {
      const first = ingest(message, { peer: "12D3KooWRelayA" });
      await new Promise((r) => setTimeout(r, 100));
      const rest = await Promise.all([ingest(message, { peer: "12D3KooWRelayB" }), ingest(message, { peer: "12D3KooWRelayC" })]);
      const r = await first;
      expect(r.body).toMatchObject({ verdict: "reject", reason: "consolidation-mismatch:transactions.length" });
      expect(r.timing).toMatch(/^settle;dur=\d+, check;dur=\d+$/); // claim, check, settle (summed)
      for (const x of rest) {
        expect(x.body).toMatchObject({ verdict: "ignore", reason: "already-seen" });
        expect(x.timing).toMatch(/^settle;dur=\d+$/);
      }
    } finally {
      await control({ op: "faults.clear" });
    }
  });
});
