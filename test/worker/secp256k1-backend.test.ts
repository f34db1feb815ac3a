// The WASM secp256k1 recovery runs inside workerd: the Worker installed it (its /healthz says so,
// which means the module passed its self-check there), and here, in workerd too, the same statically
// imported module recovers what @noble/curves recovers.
import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";
import secp256k1Module from "../../node_modules/tiny-secp256k1/lib/secp256k1.wasm";
import { toHex } from "../../src/protocol/hex.ts";
import { installSecp256k1Wasm, recoverPublicKey, recoverPublicKeyJs, secp256k1Backend } from "../../src/protocol/secp256k1/index.ts";
import { recoveryCases } from "../helpers/secp256k1-cases.ts";

it("the Worker runs the WASM secp256k1 recovery", async () => {
  const res = await SELF.fetch("http://x/healthz");
  expect(await res.json()).toMatchObject({ keccak: "wasm", secp256k1: "wasm" });
});

it("inside workerd, WASM recovery = @noble/curves recovery on 800 random and malformed signatures", async () => {
  expect(installSecp256k1Wasm(secp256k1Module)).toBe("wasm");
  expect(secp256k1Backend()).toBe("wasm");
  const cases = recoveryCases(50, (n) => crypto.getRandomValues(new Uint8Array(n)));
  let recovered = 0;
  for (const c of cases) {
    const w = recoverPublicKey(c.sig64, c.recoveryId, c.hash);
    const j = recoverPublicKeyJs(c.sig64, c.recoveryId, c.hash);
    expect(w && toHex(w), c.label).toBe(j && toHex(j));
    if (w) recovered++;
  }
  expect(recovered).toBeGreaterThan(150);
});
