// Node entry: installs the protocol core's WASM backends, as the Worker's entry does with the same
// module files — keccak (hash-wasm's module, shipped beside the protocol code) and secp256k1 public-key
// recovery (tiny-secp256k1's libsecp256k1 build, read from node_modules).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { installKeccakWasm } from "../protocol/keccak/index.ts";
import { installSecp256k1Wasm } from "../protocol/secp256k1/index.ts";

export const keccakWasmBytes = readFileSync(new URL("../protocol/keccak/keccak.wasm", import.meta.url));
installKeccakWasm(new WebAssembly.Module(keccakWasmBytes));

// The package exports only its entry ("." → lib/cjs/index.cjs for require), so the module file is
// found beside it: lib/secp256k1.wasm. src/worker/index.ts imports the same file by relative path.
export const secp256k1WasmPath = join(dirname(createRequire(import.meta.url).resolve("tiny-secp256k1")), "..", "secp256k1.wasm");
export const secp256k1WasmBytes = readFileSync(secp256k1WasmPath);
installSecp256k1Wasm(new WebAssembly.Module(secp256k1WasmBytes));
