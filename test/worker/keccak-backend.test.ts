import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";

it("runs the WASM keccak inside workerd", async () => {
  const res = await SELF.fetch("http://x/healthz");
  expect(await res.json()).toMatchObject({ keccak: "wasm" });
});
