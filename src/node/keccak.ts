// Node entry points and tests import this module: it installs every WASM backend (src/node/wasm.ts),
// secp256k1 recovery included.
export { keccakWasmBytes } from "./wasm.ts";
