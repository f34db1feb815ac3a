// The L1 SystemConfig's unsafe-block signer, the key cross-safe blocks must be signed with: the
// Worker reads it with eth_call (unsafeBlockSigner()), op-node from its storage slot
// (op-node/node/runcfg/runtime_config.go); the devnet's L1 answers both.
import { toHex } from "./hex.ts";
import { keccak256 } from "./keccak/index.ts";
import type { Hash, Hex } from "./types.ts";

const enc = new TextEncoder();

/** Selector of SystemConfig.unsafeBlockSigner() (packages/contracts-bedrock SystemConfig.sol): keccak256("unsafeBlockSigner()")[:4]. */
export const UNSAFE_BLOCK_SIGNER_SELECTOR: Hex = toHex(keccak256(enc.encode("unsafeBlockSigner()")).subarray(0, 4));

/** keccak256("systemconfig.unsafeblocksigner") (runtime_config.go UnsafeBlockSignerAddressSystemConfigStorageSlot = 0x65a7ed54…1c08). */
export const UNSAFE_BLOCK_SIGNER_SLOT: Hash = toHex(keccak256(enc.encode("systemconfig.unsafeblocksigner")));
