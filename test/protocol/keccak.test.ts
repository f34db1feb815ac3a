import { expect, it } from "vitest";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { keccakWasmBytes } from "../../src/node/keccak.ts";
import { installKeccakWasm, keccak256, keccak256Parts, keccakBackend, useJsKeccak } from "../../src/protocol/keccak/index.ts";
import { extractKeccakWasm } from "../../scripts/gen-keccak-wasm.ts";

it("installs the WASM backend in Node", () => {
  expect(keccakBackend()).toBe("wasm");
});

it("ships exactly hash-wasm's module", () => {
  expect(new Uint8Array(keccakWasmBytes)).toEqual(extractKeccakWasm());
});

it("agrees with @noble/hashes across window boundaries", () => {
  for (const n of [0, 1, 135, 136, 137, 16383, 16384, 16385, 40000]) {
    const d = new Uint8Array(n).map((_, i) => (i * 131 + n) & 0xff);
    expect(keccak256(d)).toEqual(keccak_256(d));
  }
});

it("hashes parts as their concatenation, in both backends (trie leaves hashed in place)", () => {
  const d = new Uint8Array(50_000).map((_, i) => (i * 37) & 0xff);
  const cuts = [[], [0], [1, 2], [135, 136, 16384], [16383, 16385, 40000], [49_999]];
  const check = (): void => {
    for (const c of cuts) {
      const at = [0, ...c, d.length];
      const parts = at.slice(1).map((e, i) => d.subarray(at[i]!, e));
      expect(keccak256Parts(parts)).toEqual(keccak_256(d));
    }
    expect(keccak256Parts([])).toEqual(keccak_256(new Uint8Array(0)));
  };
  check();
  useJsKeccak();
  try {
    check();
  } finally {
    expect(installKeccakWasm(new WebAssembly.Module(keccakWasmBytes))).toBe("wasm");
  }
});
