// Extracts hash-wasm's Keccak/SHA-3 WebAssembly module (MIT, © 2020 Dani Biró) into
// src/protocol/keccak/keccak.wasm. workerd forbids compiling WASM from bytes at run time, so
// the Worker must import it statically; Node loads the same file. Re-run after upgrading hash-wasm;
// test/protocol/keccak.test.ts checks the committed file equals what this script produces.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

export function extractKeccakWasm(): Uint8Array {
  const require = createRequire(import.meta.url);
  const src = readFileSync(require.resolve("hash-wasm/dist/index.esm.js"), "utf8");
  const m = /var name\$(\w+) = "sha3";\s*var data\$\1 = "([A-Za-z0-9+/=]+)";/.exec(src);
  if (!m) throw new Error("sha3 module not found in hash-wasm");
  return new Uint8Array(Buffer.from(m[2]!, "base64"));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = new URL("../src/protocol/keccak/keccak.wasm", import.meta.url);
  writeFileSync(out, extractKeccakWasm());
  console.log(`wrote ${out.pathname}`);
}
