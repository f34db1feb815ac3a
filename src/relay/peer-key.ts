// Persistent libp2p identity. Same file format as op-node's --p2p.priv.path: the hex of a raw 32-byte
// secp256k1 private key (op-node p2p/load_config.go loadNetworkPrivKey), so an operator can reuse an
// op-node key. Created on first run with mode 0600; never logged.
import { generateKeyPair, privateKeyFromRaw } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { readBoundedFile } from "../node/bounded-file.ts";

/** The hex of 32 bytes and a line end, with room for whitespace: anything larger is not a key file. */
export const MAX_KEY_FILE_BYTES = 4096;

export interface LoadedKey {
  key: PrivateKey;
  created: boolean;
  /** set when the file is readable by group or others */
  permissionWarning?: string;
}

export async function loadOrCreatePeerKey(path: string): Promise<LoadedKey> {
  const file = await readBoundedFile(path, MAX_KEY_FILE_BYTES, "key file");
  if (file !== undefined) {
    const hex = file.bytes.toString("utf8").trim().replace(/^0x/i, "");
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error(`key file ${path}: expected the hex of a 32-byte secp256k1 private key`);
    let key: PrivateKey;
    try {
      key = privateKeyFromRaw(Buffer.from(hex, "hex"));
    } catch (e) {
      throw new Error(`key file ${path}: not a valid secp256k1 private key (${(e as Error).message})`);
    }
    const mode = file.mode;
    const out: LoadedKey = { key, created: false };
    if (mode & 0o077) out.permissionWarning = `key file ${path} has mode ${mode.toString(8)}; 600 is expected`;
    return out;
  }
  const key = await generateKeyPair("secp256k1");
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // 'wx': never overwrite a key another process created in the meantime.
  await writeFile(path, Buffer.from(key.raw).toString("hex") + "\n", { mode: 0o600, flag: "wx" });
  return { key, created: true };
}
