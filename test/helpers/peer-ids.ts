// Valid libp2p peer ids for tests that do not run libp2p (the Worker tests in workerd): the Ed25519
// form ("12D3KooW…", an identity multihash of a protobuf public key) of a key derived from a name.
import { keccak256 } from "../../src/protocol/keccak/index.ts";

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

export function base58(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = "";
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = "1" + out;
  }
  return out;
}

/** The same name gives the same peer id; libp2p accepts any 32 bytes as an Ed25519 public key. */
export function testPeerId(name: string): string {
  return base58(Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...keccak256(new TextEncoder().encode(name))]));
}
