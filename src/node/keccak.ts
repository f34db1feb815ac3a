// Node entry: installs the WASM keccak from the module file shipped beside the protocol code.
import { readFileSync } from "node:fs";
import { installKeccakWasm } from "../protocol/keccak/index.ts";

const wasmUrl = new URL("../protocol/keccak/keccak.wasm", import.meta.url);
export const keccakWasmBytes = readFileSync(wasmUrl);
installKeccakWasm(new WebAssembly.Module(keccakWasmBytes));
