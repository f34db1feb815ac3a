// What the interop test files share: whether they run (global-setup.ts), the op-node peer binary,
// the cross-safe signing domain, devnet blocks as op-node's publisher takes them, waiting helpers.
import { inject } from "vitest";
import type { DevChain, L2Block } from "../../../src/devnet/chain.ts";
import { encodeSignedBytes } from "../../../src/protocol/envelope.ts";
import { fromHex } from "../../../src/protocol/hex.ts";
import type { Address } from "../../../src/protocol/types.ts";
import { OpNodePeer, type StartOptions } from "./opnode-peer.ts";
import { crossSafeDomain } from "./signing.ts";

/** Why the interop tests are skipped here ("" = they run). */
export const INTEROP_SKIP: string = inject("interopSkip");

export { signWithDomain } from "./signing.ts";

/** The cross-safe attestation domain (0x00…01). */
export const CROSS_SAFE_DOMAIN: Uint8Array = crossSafeDomain();

export function startOpNode(o: StartOptions): Promise<OpNodePeer> {
  return OpNodePeer.start(o, inject("opnodePeerBin"));
}

/** An op-node peer for a devnet chain, on its cross-safe topic with the attestation domain. */
export function startOpNodeFor(chain: DevChain, o: Partial<StartOptions> = {}): Promise<OpNodePeer> {
  return startOpNode({ chainConfig: chain.chainConfig, sequencer: chain.sequencerAddress as Address, crossSafeDomain: CROSS_SAFE_DOMAIN, ...o });
}

/** A devnet block's signed bytes (parentBeaconBlockRoot ‖ SSZ v4 payload): what op-node's publisher is given. */
export function signedBytesOf(chain: DevChain, b: L2Block): Uint8Array {
  const env = chain.payloadOf(b);
  return encodeSignedBytes(env.payload, 4, env.parentBeaconBlockRoot);
}

export function sequencerKey(chain: DevChain): `0x${string}` {
  return chain.options.sequencerKey;
}

export function keyBytes(chain: DevChain): Uint8Array {
  return fromHex(chain.options.sequencerKey);
}

/** gossipsub's id string (base64, no padding) → hex, to compare with op-node's. */
export function msgIdHex(gossipsubId: string): string {
  return Buffer.from(gossipsubId, "base64").toString("hex");
}

export async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, detail?: () => string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await Promise.resolve().then(probe).catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `\n${detail()}` : ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

