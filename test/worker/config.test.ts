// Configuration is validated with an error that names the setting.
import { describe, expect, it } from "vitest";
import { parseSettings, type SettingsEnv as WorkerEnv } from "../../src/checks/settings.ts";

const ok = { network: "op-sepolia", l1Rpc: "http://l1", l2Rpc: "http://l2", rollupRpc: "http://op-node" };
const env = (o: Partial<Record<Exclude<keyof WorkerEnv, "CHAIN">, string>>) => ({ CHAIN: undefined as never, ...o }) as unknown as WorkerEnv;

describe("Worker settings", () => {
  it("accepts presets and custom chains, several per deployment", () => {
    const s = parseSettings(env({ CHAINS: JSON.stringify([ok, { ...ok, network: "base-sepolia" }]), RELAY_SECRETS: JSON.stringify({ a: "x".repeat(32) }), ADMIN_TOKEN: "y".repeat(32) }));
    expect([...s.chains.keys()]).toEqual(["11155420", "84532"]);
    expect(s.rpcTimeoutMs).toBe(3000);
    expect(s.maxBlockBytes).toBe(10 * 1024 * 1024); // the gossip limit: nothing refused unless set
    expect(parseSettings(env({ CHAINS: JSON.stringify([ok]), MAX_BLOCK_BYTES: "1048576" })).maxBlockBytes).toBe(1048576);
    expect(s.health).toEqual({ rpcFailingMs: 30_000, rpcErrorWindowMs: 60_000, stallMs: 120_000, stallFailingMs: 600_000 });
    expect(parseSettings(env({ CHAINS: JSON.stringify([ok]), HEALTH_RPC_FAILING_SECONDS: "2.5" })).health.rpcFailingMs).toBe(2_500);
  });
  for (const [what, e, msg] of [
    ["no CHAINS", {}, /^CHAINS: missing/],
    ["CHAINS not JSON", { CHAINS: "[" }, /^CHAINS: not valid JSON/],
    ["CHAINS empty", { CHAINS: "[]" }, /^CHAINS: must be a non-empty JSON array/],
    ["unknown network", { CHAINS: JSON.stringify([{ ...ok, network: "nowhere" }]) }, /^CHAINS\[0\]: unknown chain "nowhere"/],
    ["missing l2Rpc", { CHAINS: JSON.stringify([{ ...ok, l2Rpc: undefined }]) }, /^CHAINS\[0\]\.l2Rpc: missing/],
    ["bad URL", { CHAINS: JSON.stringify([{ ...ok, rollupRpc: "ftp://x" }]) }, /^CHAINS\[0\]\.rollupRpc: must be http\(s\)/],
    ["bad signer", { CHAINS: JSON.stringify([{ ...ok, signer: "0x12" }]) }, /^CHAINS\[0\]\.signer: not an address/],
    ["duplicate chain", { CHAINS: JSON.stringify([ok, ok]) }, /^CHAINS\[1\]: chain 11155420 is listed twice/],
    ["custom chain with a bad field", { CHAINS: JSON.stringify([{ ...ok, network: undefined, chain: { chainId: 5 } }]) }, /^CHAINS\[0\]: chain config: field "blockTime": is required/],
    ["short relay secret", { CHAINS: JSON.stringify([ok]), RELAY_SECRETS: JSON.stringify({ a: "short" }) }, /^RELAY_SECRETS\.a: secret must be/],
    ["short admin token", { CHAINS: JSON.stringify([ok]), ADMIN_TOKEN: "short" }, /^ADMIN_TOKEN: must be at least 32/],
    ["bad timeout", { CHAINS: JSON.stringify([ok]), RPC_TIMEOUT_MS: "5" }, /^RPC_TIMEOUT_MS:/],
    ["MAX_BLOCK_BYTES too small", { CHAINS: JSON.stringify([ok]), MAX_BLOCK_BYTES: "10" }, /^MAX_BLOCK_BYTES: an integer between 1024 and 10485760/],
    ["MAX_BLOCK_BYTES over the gossip limit", { CHAINS: JSON.stringify([ok]), MAX_BLOCK_BYTES: String(11 * 1024 * 1024) }, /^MAX_BLOCK_BYTES:/],
    ["MAX_BLOCK_BYTES not a number", { CHAINS: JSON.stringify([ok]), MAX_BLOCK_BYTES: "1MB" }, /^MAX_BLOCK_BYTES:/],
    ["a health threshold that is not a number", { CHAINS: JSON.stringify([ok]), HEALTH_STALL_SECONDS: "soon" }, /^HEALTH_STALL_SECONDS: a number of seconds/],
    ["a failing stall shorter than the degraded one", { CHAINS: JSON.stringify([ok]), HEALTH_STALL_SECONDS: "60", HEALTH_STALL_FAILING_SECONDS: "30" }, /^HEALTH_STALL_FAILING_SECONDS: must not be below/],
  ] as const) {
    it(`rejects ${what}`, () => {
      expect(() => parseSettings(env(e as never))).toThrow(msg);
    });
  }
});
