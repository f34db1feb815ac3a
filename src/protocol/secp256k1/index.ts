// secp256k1 public-key recovery with a pluggable backend. One recovery per gossip message is most of
// the CPU of validating a typical block (≈ 1.5 ms with @noble/curves), so entry points install the
// WASM backend: libsecp256k1 as built by tiny-secp256k1 (bitcoinjs; lib/secp256k1.wasm, used straight
// from node_modules). The Worker imports that file statically (workerd forbids compiling WASM from
// bytes), Node reads it (src/node/wasm.ts). Until then, or if the module fails its self-check,
// @noble/curves does the work.
//
// Semantics of both backends are libsecp256k1's secp256k1_ecdsa_recover, which is what geth's
// crypto.Ecrecover/SigToPub call: r and s must be in [1, n-1], high s is accepted, the hash is read
// as a scalar mod n, r must be the x of a curve point, and a result at infinity is rejected.
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { fromHex, toHex } from "../hex.ts";

export type Secp256k1Backend = "wasm" | "js";

/**
 * The part of tiny-secp256k1's module we use (its src/lib.rs, pinned at 2.2.4 in package.json): the
 * fixed input/output buffers are exported as globals holding their addresses in linear memory;
 * `recover(outputlen, recid)` reads SIGNATURE_INPUT (r ‖ s) and HASH_INPUT, writes the serialized key
 * to PUBLIC_KEY_INPUT and returns 1, or returns 0 (after calling the imported throwError when the
 * compact signature does not parse, i.e. r or s ≥ n).
 */
interface TinySecp256k1Exports {
  memory: WebAssembly.Memory;
  HASH_INPUT: WebAssembly.Global;
  SIGNATURE_INPUT: WebAssembly.Global;
  PUBLIC_KEY_INPUT: WebAssembly.Global;
  recover(outputlen: number, recid: number): number;
}

/**
 * The module's imports. generateInt32 seeds libsecp256k1's context randomization, which blinds only
 * secret-key operations (signing, key generation); this instance only recovers public keys from
 * public data, so a constant seed is fine — and workerd forbids random values at global scope, where
 * the module is installed. throwError reports invalid input; the return value 0 already says so.
 */
const IMPORTS: WebAssembly.Imports = {
  "./rand.js": { generateInt32: () => 0x5ec9256b },
  "./validate_error.js": { throwError: () => {} },
};

const UNCOMPRESSED = 65;

type Recover = (sig64: Uint8Array, recoveryId: number, hash: Uint8Array) => Uint8Array | undefined;

/** @noble/curves: the reference, and the backend until the WASM one is installed. */
export function recoverPublicKeyJs(sig64: Uint8Array, recoveryId: number, hash: Uint8Array): Uint8Array | undefined {
  if (sig64.length !== 64 || (recoveryId !== 0 && recoveryId !== 1)) return undefined;
  try {
    const rec = new Uint8Array(65);
    rec[0] = recoveryId;
    rec.set(sig64, 1);
    return secp256k1.Signature.fromBytes(rec, "recovered").recoverPublicKey(hash).toBytes(false);
  } catch {
    return undefined;
  }
}

function wasmRecover(instance: WebAssembly.Instance): Recover {
  const ex = instance.exports as unknown as TinySecp256k1Exports;
  const hashAt = ex.HASH_INPUT.value as number;
  const sigAt = ex.SIGNATURE_INPUT.value as number;
  const pubAt = ex.PUBLIC_KEY_INPUT.value as number;
  let mem = new Uint8Array(ex.memory.buffer);
  return (sig64, recoveryId, hash) => {
    if (sig64.length !== 64 || (recoveryId !== 0 && recoveryId !== 1)) return undefined;
    // libsecp256k1 takes exactly 32 bytes; noble reads other lengths as bits2int — keep its answer.
    if (hash.length !== 32) return recoverPublicKeyJs(sig64, recoveryId, hash);
    if (mem.byteLength === 0) mem = new Uint8Array(ex.memory.buffer); // memory grew (it should not)
    mem.set(hash, hashAt);
    mem.set(sig64, sigAt);
    let ok: number;
    try {
      ok = ex.recover(UNCOMPRESSED, recoveryId);
    } catch {
      return recoverPublicKeyJs(sig64, recoveryId, hash); // a trap (a failed assert in the module): never throw
    }
    return ok === 1 ? mem.slice(pubAt, pubAt + UNCOMPRESSED) : undefined;
  };
}

let backend: Secp256k1Backend = "js";
let recoverImpl: Recover = recoverPublicKeyJs;

// Self-check vector: a high-s signature (s > n/2, recovery id flipped accordingly), which
// geth accepts; a module that normalizes, rejects high s or reads its buffers elsewhere fails it.
// Made with @noble/curves: key keccak256("op-follow secp256k1 self-check key"), hash
// keccak256("op-follow secp256k1 self-check message"), then s → n − s.
const CHECK_HASH = "1828b93737651d60280d1f81d432a21edde8d85b01ad34a1d05eba7c81449021";
const CHECK_SIG =
  "66df292424a93fa09711610fb75e5a51480af2b85ac7583decef52ed0a0a0874" + "b312acf85de27f5d03eb2d7ee04329ab97d69133996adf08ac4e1ef7ee86363c";
const CHECK_RECID = 0;
const CHECK_PUB =
  "0419790e96ea219796e72137587d0f8fa09b126959b05f76bc4846d82c8634edbd" + "396a3edaa7f746a0aafb06cbe63499c7143b2acb9b74626e731d92e87668e1b4";
/** secp256k1's group order n: s = n must be rejected. */
const ORDER = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

function selfCheck(impl: Recover): boolean {
  const hash = fromHex(CHECK_HASH);
  const sig = fromHex(CHECK_SIG);
  const pub = impl(sig, CHECK_RECID, hash);
  if (pub === undefined || toHex(pub) !== `0x${CHECK_PUB}`) return false;
  sig.set(fromHex(ORDER), 32);
  return impl(sig, CHECK_RECID, hash) === undefined;
}

/**
 * Installs the WASM backend from tiny-secp256k1's compiled module. Self-checks against a known
 * vector and keeps the JS backend if the module misbehaves (or its imports/exports changed), so a
 * bad build can slow us down but never change a verdict.
 */
export function installSecp256k1Wasm(module: WebAssembly.Module): Secp256k1Backend {
  try {
    const impl = wasmRecover(new WebAssembly.Instance(module, IMPORTS));
    if (selfCheck(impl)) {
      recoverImpl = impl;
      backend = "wasm";
    }
  } catch {
    // keep whatever backend was installed before
  }
  return backend;
}

/** Restores the pure-JS backend (benchmarks and tests compare both). */
export function useJsSecp256k1(): void {
  recoverImpl = recoverPublicKeyJs;
  backend = "js";
}

export function secp256k1Backend(): Secp256k1Backend {
  return backend;
}

/**
 * The uncompressed (65-byte) public key that signed `hash` with r ‖ s (`sig64`) and recovery id 0 or 1,
 * or undefined for any invalid input. Never throws.
 */
export function recoverPublicKey(sig64: Uint8Array, recoveryId: number, hash: Uint8Array): Uint8Array | undefined {
  return recoverImpl(sig64, recoveryId, hash);
}
