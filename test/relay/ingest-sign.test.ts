// The relay signs ingest requests with the body's SHA-256 from node:crypto (ingest-client.ts); the
// signature must be the one the portable Web Crypto path gives, and the Worker's check must accept it.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { INGEST_PATH, signIngest, verifyIngest } from "../../src/protocol/ingest-auth.ts";
import { testPeerId } from "../helpers/peer-ids.ts";

describe("signIngest with a precomputed body hash", () => {
  it("signs exactly as with its own digest, and verifies", async () => {
    const secret = "relay-secret-0123456789abcdef0123456789";
    const meta = { relayId: "relay-1", topic: "/optimism/10/0/cross-safe-blocks", peerId: testPeerId("ingest-sign"), receivedMs: 1_796_000_000_123 };
    for (const size of [0, 1, 1_000, 300_000]) {
      const body = Uint8Array.from({ length: size }, (_, i) => (i * 31 + size) & 0xff);
      const opts = { nonce: "00112233445566778899aabbccddeeff", nowSeconds: 1_796_000_000 };
      const bodySha256 = `0x${createHash("sha256").update(body).digest("hex")}`;
      const fast = await signIngest(secret, meta, body, { ...opts, bodySha256 });
      expect(fast).toEqual(await signIngest(secret, meta, body, opts));
      const v = await verifyIngest({ "relay-1": secret }, "POST", INGEST_PATH, new Headers(fast), body, opts.nowSeconds);
      expect(v).toMatchObject({ ok: true, bodyHash: bodySha256 });
    }
  });
});
