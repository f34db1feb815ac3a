// The WASM secp256k1 backend (tiny-secp256k1's libsecp256k1 module, used from node_modules) recovers
// exactly what @noble/curves recovers — same key or both nothing — over thousands of random and
// malformed signatures; its ABI is pinned; a module that misbehaves is never installed.
import { secp256k1WasmBytes, secp256k1WasmPath, keccakWasmBytes } from "../../src/node/wasm.ts";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { afterEach, describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../src/protocol/hex.ts";
import {
  installSecp256k1Wasm,
  recoverPublicKey,
  recoverPublicKeyJs,
  secp256k1Backend,
  useJsSecp256k1,
} from "../../src/protocol/secp256k1/index.ts";
import { addressOfPublicKey, recoverSigner, signHash } from "../../src/protocol/signature.ts";
import { Rng } from "../helpers/payload-gen.ts";
import { badSignerInputs, recoveryCases } from "../helpers/secp256k1-cases.ts";
import { GOSSIP_VECTORS, PROJECT_ROOT, readVectorJson, type GossipVector } from "../helpers/vectors.ts";

const wasmModule = new WebAssembly.Module(secp256k1WasmBytes);
const installWasm = () => expect(installSecp256k1Wasm(wasmModule)).toBe("wasm");
afterEach(installWasm); // every test leaves the backend the entry point installed

/** Both backends' answer for one input (uncompressed key as hex, or undefined). */
function both(sig64: Uint8Array, recoveryId: number, hash: Uint8Array) {
  const w = recoverPublicKey(sig64, recoveryId, hash);
  const j = recoverPublicKeyJs(sig64, recoveryId, hash);
  return { wasm: w && toHex(w), js: j && toHex(j) };
}

describe("tiny-secp256k1's module: pinned, because we call its internal ABI", () => {
  // If this fails after an upgrade: re-read tiny-secp256k1's src/lib.rs (recover: buffers, return
  // values, throwError on a compact signature that does not parse), lib/index.js and lib/wasm_loader.js,
  // adjust src/protocol/secp256k1/index.ts, then update the version and hash here.
  const pkgDir = `${PROJECT_ROOT}node_modules/tiny-secp256k1/`;

  it("package.json pins tiny-secp256k1 exactly, and 2.2.4 is installed", () => {
    const ours = JSON.parse(readFileSync(`${PROJECT_ROOT}package.json`, "utf8")) as { dependencies: Record<string, string> };
    expect(ours.dependencies["tiny-secp256k1"]).toBe("2.2.4");
    const theirs = JSON.parse(readFileSync(`${pkgDir}package.json`, "utf8")) as { version: string };
    expect(theirs.version).toBe("2.2.4");
  });

  it("the module is byte for byte the one the ABI was read from", () => {
    expect(secp256k1WasmPath).toBe(`${pkgDir}lib/secp256k1.wasm`);
    expect(createHash("sha256").update(secp256k1WasmBytes).digest("hex")).toBe("5cbbcb8adc7acc3b78a3fd31c76d573302705ff5fd714d03f5a2602591197cb5");
  });

  it("imports and exports what src/protocol/secp256k1 relies on", () => {
    expect(WebAssembly.Module.imports(wasmModule)).toEqual([
      { module: "./rand.js", name: "generateInt32", kind: "function" },
      { module: "./validate_error.js", name: "throwError", kind: "function" },
    ]);
    const exports = Object.fromEntries(WebAssembly.Module.exports(wasmModule).map((e) => [e.name, e.kind]));
    expect(exports).toMatchObject({ memory: "memory", recover: "function", HASH_INPUT: "global", SIGNATURE_INPUT: "global", PUBLIC_KEY_INPUT: "global" });
  });

  it("the Worker imports the same file (src/worker/index.ts, by relative path)", () => {
    const src = readFileSync(`${PROJECT_ROOT}src/worker/index.ts`, "utf8");
    const m = /import secp256k1Module from "([^"]+)"/.exec(src);
    expect(m).not.toBeNull();
    expect(new URL(m![1]!, `file://${PROJECT_ROOT}src/worker/index.ts`).pathname).toBe(secp256k1WasmPath);
  });
});

describe("backend selection", () => {
  it("the Node entry installed the WASM backend", () => {
    expect(secp256k1Backend()).toBe("wasm");
  });

  it("keeps the JS backend when the module is not tiny-secp256k1's (wrong exports)", () => {
    useJsSecp256k1();
    expect(installSecp256k1Wasm(new WebAssembly.Module(keccakWasmBytes))).toBe("js");
  });

  it("keeps the JS backend when the module answers wrongly (fails the self-check)", () => {
    const liar = new WebAssembly.Instance(liarModule(), { "./rand.js": { generateInt32: () => 0 }, "./validate_error.js": { throwError: () => {} } });
    expect((liar.exports as { recover(len: number, id: number): number }).recover(65, 0)).toBe(1); // it instantiates and answers
    useJsSecp256k1();
    expect(installSecp256k1Wasm(liarModule())).toBe("js");
    // …and a failed install never replaces a working WASM backend
    installWasm();
    expect(installSecp256k1Wasm(liarModule())).toBe("wasm");
    const rng = new Rng(7);
    const key = rng.bytes(32);
    const sig = signHash(new Uint8Array(32).fill(1), key);
    expect(recoverPublicKey(sig.subarray(0, 64), sig[64]!, new Uint8Array(32).fill(1))).toEqual(secp256k1.getPublicKey(key, false));
  });
});

describe("WASM recovery = @noble/curves recovery", () => {
  it("4,000 random and malformed signatures: the same key, or undefined from both", () => {
    const rng = new Rng(0x5ec9);
    const cases = recoveryCases(250, (n) => rng.bytes(n));
    expect(cases.length).toBe(4000);
    const defined = new Map<string, number>();
    for (const c of cases) {
      const r = both(c.sig64, c.recoveryId, c.hash);
      expect(r.wasm, `${c.label}: r‖s=${toHex(c.sig64)} v=${c.recoveryId} h=${toHex(c.hash)}`).toBe(r.js);
      defined.set(c.label, (defined.get(c.label) ?? 0) + (r.wasm === undefined ? 0 : 1));
    }
    // The inputs exercise both outcomes where they should.
    expect(defined.get("valid")).toBe(250);
    expect(defined.get("other recovery id")).toBe(250);
    expect(defined.get("high s (geth accepts)")).toBe(250);
    for (const bad of ["r = 0", "s = 0", "r = n", "s = n", "r > n", "s > n", "result at infinity"]) expect(defined.get(bad), bad).toBe(0);
    expect(defined.get("random r (x on the curve half the time)")).toBeGreaterThan(75);
    expect(defined.get("random r (x on the curve half the time)")).toBeLessThan(175);
  });

  it("valid and high-s twins recover the signing key", () => {
    const rng = new Rng(3);
    for (const c of recoveryCases(40, (n) => rng.bytes(n))) {
      if (c.label !== "valid" && c.label !== "high s (geth accepts)") continue;
      const pub = recoverPublicKey(c.sig64, c.recoveryId, c.hash);
      expect(pub).toBeDefined();
      expect(recoverPublicKeyJs(c.sig64, c.recoveryId, c.hash)).toEqual(pub);
    }
  });

  it("recovery ids other than 0 and 1, wrong lengths: undefined, never a throw", () => {
    const rng = new Rng(4);
    const [c] = recoveryCases(1, (n) => rng.bytes(n));
    for (const id of [2, 3, 27, 28, -1, 0.5, NaN]) expect(both(c!.sig64, id, c!.hash)).toEqual({ wasm: undefined, js: undefined });
    expect(both(c!.sig64.subarray(0, 63), c!.recoveryId, c!.hash)).toEqual({ wasm: undefined, js: undefined });
    // a hash that is not 32 bytes is noble's business (bits2int): the WASM backend defers to it
    for (const h of [new Uint8Array(0), new Uint8Array(31).fill(7), new Uint8Array(33).fill(7), new Uint8Array(64).fill(9)]) {
      const r = both(c!.sig64, c!.recoveryId, h);
      expect(r.wasm).toBe(r.js);
    }
  });

  it("recoverSigner gives the same address (or undefined) under both backends, v = 2, 3, 27, … rejected", () => {
    const rng = new Rng(5);
    const inputs: { label: string; sig: Uint8Array; hash: Uint8Array }[] = [];
    for (const c of recoveryCases(60, (n) => rng.bytes(n))) {
      const sig = new Uint8Array(65);
      sig.set(c.sig64);
      sig[64] = c.recoveryId;
      inputs.push({ label: c.label, sig, hash: c.hash });
      for (const bad of badSignerInputs(c.sig64)) inputs.push({ label: `bad v/length ${bad.length}/${bad[64]}`, sig: bad, hash: c.hash });
    }
    const wasm = inputs.map((x) => recoverSigner(x.sig, x.hash));
    useJsSecp256k1();
    const js = inputs.map((x) => recoverSigner(x.sig, x.hash));
    for (const [i, x] of inputs.entries()) {
      expect(wasm[i], x.label).toBe(js[i]);
      if (x.label.startsWith("bad")) expect(wasm[i]).toBeUndefined();
      if (x.label === "valid") expect(wasm[i]).toMatch(/^0x[0-9a-fA-F]{40}$/);
    }
  });

  it("every gossip vector in test/vectors recovers its signer under both backends", () => {
    let checked = 0;
    for (const name of GOSSIP_VECTORS) {
      const v = readVectorJson<GossipVector>(name);
      if (!v.signing_hash || !v.recovered_signer) continue;
      const sig = fromHex(v.signature_rsv);
      const hash = fromHex(v.signing_hash);
      expect(recoverSigner(sig, hash), name).toBe(v.recovered_signer);
      useJsSecp256k1();
      expect(recoverSigner(sig, hash), name).toBe(v.recovered_signer);
      installWasm();
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});

/**
 * A module with tiny-secp256k1's imports/exports whose recover() says 1 without writing a key
 * (hand-assembled: type, import, function, memory, global, export and code sections).
 */
function liarModule(): WebAssembly.Module {
  const str = (s: string) => [s.length, ...new TextEncoder().encode(s)];
  const section = (id: number, body: number[]) => [id, body.length, ...body];
  const global = (addr: number) => [0x7f, 0x00, 0x41, addr & 0x7f, 0x0b]; // immutable i32 = addr (< 64)
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    // types: 0 = () → i32, 1 = (i32) → (), 2 = (i32, i32) → i32
    ...section(1, [3, 0x60, 0, 1, 0x7f, 0x60, 1, 0x7f, 0, 0x60, 2, 0x7f, 0x7f, 1, 0x7f]),
    ...section(2, [2, ...str("./rand.js"), ...str("generateInt32"), 0, 0, ...str("./validate_error.js"), ...str("throwError"), 0, 1]),
    ...section(3, [1, 2]),
    ...section(5, [1, 0, 1]),
    ...section(6, [3, ...global(0), ...global(32), ...global(0)]),
    ...section(7, [
      5,
      ...str("memory"), 2, 0,
      ...str("recover"), 0, 2,
      ...str("HASH_INPUT"), 3, 0,
      ...str("SIGNATURE_INPUT"), 3, 1,
      ...str("PUBLIC_KEY_INPUT"), 3, 2,
    ]),
    ...section(10, [1, 4, 0, 0x41, 1, 0x0b]), // recover: i32.const 1
  ];
  return new WebAssembly.Module(new Uint8Array(bytes));
}
