// GET /healthz: per served chain, its RPC endpoints' reachability, its alarm, how long since its
// head moved and its lag; the status by the rules in ../health.ts, with the reasons. 200 for ok and
// degraded, 503 for failing (README "Health"). GET /livez: the isolate answers, nothing more.
import { Hono } from "hono";
import { keccakBackend } from "../../protocol/keccak/index.ts";
import { secp256k1Backend } from "../../protocol/secp256k1/index.ts";
import { ConfigError, settingsOf, type Settings } from "../../checks/settings.ts";
import { chainStub, type AppEnv } from "../context.ts";
import type { WorkerEnv } from "../env.ts";
import { chainHealth, unavailableChain, worst, type ChainHealth } from "../health.ts";

export const health = new Hono<AppEnv>();

/** Every served chain's health, its objects asked at once (one call each, off the ingest path). */
export async function gatherHealth(env: WorkerEnv, s: Settings): Promise<Map<string, ChainHealth>> {
  const ids = [...s.chains.keys()];
  const all = await Promise.all(
    ids.map(async (id) => {
      try {
        return chainHealth(await chainStub(env, id).healthFacts(), s.health);
      } catch (e) {
        return unavailableChain(e);
      }
    }),
  );
  return new Map(ids.map((id, i) => [id, all[i]!]));
}

/** Liveness only: the isolate answers, nothing else is asked (a request's fixed cost, for benchmarks). */
health.get("/livez", (c) => c.json({ ok: true }));

health.get("/healthz", async (c) => {
  const s = settingsOf(c.env);
  const backends = { keccak: keccakBackend(), secp256k1: secp256k1Backend() };
  const atMs = Date.now();
  if (s instanceof ConfigError) {
    const reasons = [{ code: "configuration", status: "failing", detail: s.message }];
    return c.json({ ok: false, status: "failing", reasons, error: "configuration", message: s.message, atMs, ...backends }, 503);
  }
  const byChain = await gatherHealth(c.env, s);
  const status = worst([...byChain.values()].map((h) => h.status));
  const reasons = [...byChain].flatMap(([chainId, h]) => h.reasons.map((r) => ({ chainId, ...r })));
  const body = { ok: status !== "failing", status, reasons, atMs, ...backends, chains: [...byChain.keys()], health: Object.fromEntries(byChain) };
  return c.json(body, status === "failing" ? 503 : 200, { "cache-control": "no-store" });
});
