// keccak256 with a pluggable backend. Hashing dominates validation of large blocks (the tx trie
// hashes every transaction, the signature covers the whole payload), so entry points install the
// WASM backend: the Worker from a statically imported .wasm module (workerd forbids compiling WASM
// from bytes), Node from the same file. Until then the pure-JS @noble/hashes backend is used.
import { keccak_256 } from "@noble/hashes/sha3.js";

export type KeccakBackend = "wasm" | "js";

interface KeccakExports {
  memory: WebAssembly.Memory;
  Hash_GetBuffer(): number;
  Hash_Init(bits: number): void;
  Hash_Update(len: number): void;
  Hash_Final(padding: number): void;
  Hash_Calculate(len: number, bits: number, padding: number): void;
}

/** hash-wasm's I/O window (MAX_HEAP = 16 KiB). */
const WINDOW = 16 * 1024;
const KECCAK_PADDING = 0x01; // 0x06 would be SHA3-256

let backend: KeccakBackend = "js";
let hashImpl: (data: Uint8Array) => Uint8Array = (d) => keccak_256(d);
const jsParts = (parts: readonly Uint8Array[]): Uint8Array => {
  const h = keccak_256.create();
  for (const p of parts) h.update(p);
  return h.digest();
};
let partsImpl: (parts: readonly Uint8Array[]) => Uint8Array = jsParts;

function wasmHasher(instance: WebAssembly.Instance): (data: Uint8Array) => Uint8Array {
  const ex = instance.exports as unknown as KeccakExports;
  const offset = ex.Hash_GetBuffer();
  let view = new Uint8Array(ex.memory.buffer, offset, WINDOW);
  return (data) => {
    if (view.byteLength === 0) view = new Uint8Array(ex.memory.buffer, offset, WINDOW); // memory grew
    if (data.length <= WINDOW) {
      view.set(data);
      ex.Hash_Calculate(data.length, 256, KECCAK_PADDING);
    } else {
      ex.Hash_Init(256);
      for (let i = 0; i < data.length; i += WINDOW) {
        const chunk = data.subarray(i, i + WINDOW);
        view.set(chunk);
        ex.Hash_Update(chunk.length);
      }
      ex.Hash_Final(KECCAK_PADDING);
    }
    return view.slice(0, 32);
  };
}

function wasmPartsHasher(instance: WebAssembly.Instance): (parts: readonly Uint8Array[]) => Uint8Array {
  const ex = instance.exports as unknown as KeccakExports;
  const offset = ex.Hash_GetBuffer();
  let view = new Uint8Array(ex.memory.buffer, offset, WINDOW);
  return (parts) => {
    if (view.byteLength === 0) view = new Uint8Array(ex.memory.buffer, offset, WINDOW);
    ex.Hash_Init(256);
    for (const data of parts) {
      for (let i = 0; i < data.length; i += WINDOW) {
        const chunk = data.subarray(i, i + WINDOW);
        view.set(chunk);
        ex.Hash_Update(chunk.length);
      }
    }
    ex.Hash_Final(KECCAK_PADDING);
    return view.slice(0, 32);
  };
}

const EMPTY_KECCAK = "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470";

/**
 * Installs the WASM backend from a compiled module. Self-checks against a known digest and keeps
 * the JS backend if the module misbehaves, so a bad build can slow us down but never corrupt hashes.
 */
export function installKeccakWasm(module: WebAssembly.Module): KeccakBackend {
  const instance = new WebAssembly.Instance(module, {});
  const impl = wasmHasher(instance);
  const parts = wasmPartsHasher(instance);
  const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  if (hex(impl(new Uint8Array(0))) === EMPTY_KECCAK && hex(parts([])) === EMPTY_KECCAK) {
    hashImpl = impl;
    partsImpl = parts;
    backend = "wasm";
  }
  return backend;
}

/** Restores the pure-JS backend (benchmarks and tests compare both). */
export function useJsKeccak(): void {
  hashImpl = (d) => keccak_256(d);
  partsImpl = jsParts;
  backend = "js";
}

export function keccakBackend(): KeccakBackend {
  return backend;
}

export function keccak256(data: Uint8Array): Uint8Array {
  return hashImpl(data);
}

/** keccak256 of the parts' concatenation, without making it (a trie leaf holding a large transaction). */
export function keccak256Parts(parts: readonly Uint8Array[]): Uint8Array {
  return partsImpl(parts);
}
