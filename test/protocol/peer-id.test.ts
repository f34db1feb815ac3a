// src/protocol/peer-id.ts against @libp2p/peer-id itself: every peer id libp2p generates passes, and
// the validator never accepts what peerIdFromString refuses (or reads as anything but a key peer id).
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey, peerIdFromPublicKey, peerIdFromString } from "@libp2p/peer-id";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPeerId, MAX_PEER_ID_LENGTH } from "../../src/protocol/peer-id.ts";
import { base58, testPeerId } from "../helpers/peer-ids.ts";

/**
 * libp2p's answer: a key peer id (not a URL one) whose text is `s` and which is what libp2p itself
 * derives from that key. peerIdFromString also reads non-canonical protobuf encodings of a key (a
 * different id for the same key); no connection ever has one, so the validator refuses them.
 */
function libp2pAccepts(s: string): boolean {
  try {
    const p = peerIdFromString(s);
    if (p.toString() !== s) return false;
    if (p.type === "RSA") return true;
    return (p.type === "Ed25519" || p.type === "secp256k1") && peerIdFromPublicKey(p.publicKey).toString() === s;
  } catch {
    return false;
  }
}

describe("isPeerId", () => {
  it("accepts the peer ids libp2p makes: Ed25519, secp256k1 and RSA", async () => {
    const ids = [
      ...(await Promise.all(Array.from({ length: 8 }, async () => peerIdFromPrivateKey(await generateKeyPair("Ed25519")).toString()))),
      ...(await Promise.all(Array.from({ length: 8 }, async () => peerIdFromPrivateKey(await generateKeyPair("secp256k1")).toString()))),
      peerIdFromPrivateKey(await generateKeyPair("RSA", 1024)).toString(),
    ];
    expect(ids.map((s) => s.slice(0, 2))).toEqual([...Array(8).fill("12"), ...Array(8).fill("16"), "Qm"]);
    ids.push(testPeerId("a"), testPeerId("b")); // the Worker tests' stand-ins
    for (const s of ids) expect(libp2pAccepts(s), s).toBe(true);
    for (const s of ids) {
      expect(isPeerId(s), s).toBe(true);
      expect(s.length).toBeLessThanOrEqual(MAX_PEER_ID_LENGTH);
    }
  });

  it("refuses everything else: made-up names, other encodings, wrong lengths, off-curve keys, 64 KB", async () => {
    const ed = peerIdFromPrivateKey(await generateKeyPair("Ed25519"));
    const secp = peerIdFromPrivateKey(await generateKeyPair("secp256k1"));
    const offCurve = Uint8Array.from(secp.toMultihash().bytes);
    offCurve[7]! ^= 1; // flipping a bit of x: no point has it (about half the time), checked below
    const bad = [
      "",
      "12D3KooWPeerA",
      "peer-1",
      ed.toString() + "1",
      ed.toString().slice(0, -1),
      ed.toCID().toString(), // "bafz…": libp2p reads CIDs, a relay never sends one
      " " + ed.toString(),
      ed.toString().replace(/.$/, "0"), // '0' is not base58
      "Q".repeat(46),
      "x".repeat(65_536),
      base58(Uint8Array.of(0x00, 0x04, 0x08, 0x01, 0x12, 0x00)), // identity multihash, empty key
    ];
    for (const s of bad) expect(isPeerId(s), s.slice(0, 80)).toBe(false);
    expect(isPeerId(base58(offCurve))).toBe(libp2pAccepts(base58(offCurve)));
  });

  it("agrees with libp2p on mutated peer ids (bytes flipped, cut or extended)", async () => {
    const seeds = [
      peerIdFromPrivateKey(await generateKeyPair("Ed25519")).toMultihash().bytes,
      peerIdFromPrivateKey(await generateKeyPair("secp256k1")).toMultihash().bytes,
      peerIdFromPrivateKey(await generateKeyPair("RSA", 1024)).toMultihash().bytes,
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.nat(60),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom("flip", "cut", "extend"),
        (seed, at, v, how) => {
          const b = Uint8Array.from(seed);
          const i = at % b.length;
          const m = how === "flip" ? (b[i] = v, b) : how === "cut" ? b.subarray(0, i) : Uint8Array.from([...b, v]);
          const s = base58(m);
          expect(isPeerId(s), s).toBe(libp2pAccepts(s));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
