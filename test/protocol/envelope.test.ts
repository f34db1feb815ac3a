// Envelope layout: signature[65] ‖ (v3+: parentBeaconBlockRoot[32]) ‖ SSZ payload.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEnvelope, detectVersion, encodeEnvelope, encodeSignedBytes, hasBeaconRoot, MIN_ENVELOPE_SIZE, SIGNATURE_LENGTH } from "../../src/protocol/envelope.ts";
import { encodePayload } from "../../src/protocol/ssz.ts";
import type { BlockVersion } from "../../src/protocol/types.ts";
import { payloadArb, randomPayload, Rng } from "../helpers/payload-gen.ts";
import { normalizePayload } from "../helpers/vectors.ts";

const VERSIONS = [1, 2, 3, 4] as const;
const bytesN = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

describe("envelope", () => {
  it("layout constants (op-node minGossipSize 66)", () => {
    expect(SIGNATURE_LENGTH).toBe(65);
    expect(MIN_ENVELOPE_SIZE).toBe(66);
    expect(VERSIONS.map(hasBeaconRoot)).toEqual([false, false, true, true]);
  });

  it.each(VERSIONS)("v%i: fast-check round trip, signed bytes, version detection (300 runs)", (version) => {
    fc.assert(
      fc.property(payloadArb(version), bytesN(65), bytesN(32), (payload, signature, pbr) => {
        const root = version >= 3 ? pbr : undefined;
        const data = encodeEnvelope({ version, signature, payload, ...(root ? { parentBeaconBlockRoot: root } : {}) });
        // layout by hand
        expect(data.subarray(0, 65)).toEqual(signature);
        if (root) expect(data.subarray(65, 97)).toEqual(root);
        expect(data.subarray(root ? 97 : 65)).toEqual(encodePayload(payload, version));
        expect(encodeSignedBytes(payload, version, root)).toEqual(data.subarray(65));

        const e = decodeEnvelope(data, version);
        if (!e.ok) throw new Error(e.error);
        expect(e.envelope.version).toBe(version);
        expect(e.envelope.signature).toEqual(signature);
        expect(e.envelope.parentBeaconBlockRoot).toEqual(root);
        expect(e.envelope.signedBytes).toEqual(data.subarray(65));
        expect(normalizePayload(e.envelope.payload)).toEqual(normalizePayload(payload));
        expect(detectVersion(data)).toBe(version);
      }),
      { numRuns: 300, seed: 0xe1 + version },
    );
  });

  it("too short for the signature (and beacon root)", () => {
    for (const v of VERSIONS) {
      const head = v >= 3 ? 97 : 65;
      expect(decodeEnvelope(new Uint8Array(head - 1), v)).toEqual({ ok: false, error: `envelope shorter than ${head} bytes` });
      expect(decodeEnvelope(new Uint8Array(head), v).ok).toBe(false); // no room for a payload either
    }
  });

  it("an envelope of one version does not decode as another; garbage has no version", () => {
    const rng = new Rng(11);
    for (const v of VERSIONS) {
      const data = encodeEnvelope({
        version: v,
        signature: rng.bytes(65),
        payload: randomPayload(rng, v),
        ...(v >= 3 ? { parentBeaconBlockRoot: rng.bytes(32) } : {}),
      });
      for (const o of VERSIONS) expect(decodeEnvelope(data, o).ok, `v${v} as v${o}`).toBe(o === v);
    }
    expect(detectVersion(new Uint8Array(0))).toBeUndefined();
    expect(detectVersion(rng.bytes(700))).toBeUndefined();
  });

  it("encoder rejects a bad signature length and a beacon root on the wrong versions", () => {
    const rng = new Rng(12);
    const p1 = randomPayload(rng, 1);
    const p3 = randomPayload(rng, 3);
    expect(() => encodeEnvelope({ version: 1, signature: new Uint8Array(64), payload: p1 })).toThrow(/65 bytes/);
    expect(() => encodeEnvelope({ version: 1, signature: new Uint8Array(65), payload: p1, parentBeaconBlockRoot: new Uint8Array(32) })).toThrow(/cannot carry/);
    expect(() => encodeEnvelope({ version: 3, signature: new Uint8Array(65), payload: p3 })).toThrow(/parentBeaconBlockRoot/);
    expect(() => encodeEnvelope({ version: 3, signature: new Uint8Array(65), payload: p3, parentBeaconBlockRoot: new Uint8Array(31) })).toThrow(/parentBeaconBlockRoot/);
    expect(() => encodeSignedBytes(p3, 4 as BlockVersion, new Uint8Array(32))).toThrow(/withdrawalsRoot/);
  });
});
