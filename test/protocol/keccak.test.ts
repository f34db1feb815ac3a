import { expect, it } from "vitest";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { keccakWasmBytes } from "../../src/node/keccak.ts";
import { keccak256, keccakBackend } from "../../src/protocol/keccak/index.ts";
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
