// Shared Hono types and helpers for the Worker's routes.
import type { Context } from "hono";
import type { ChainHead } from "../durable/chain-head.ts";
import { ConfigError, settingsOf, type ChainSettings, type Settings, type WorkerEnv } from "./config.ts";

export type AppEnv = { Bindings: WorkerEnv };
export type Ctx = Context<AppEnv>;

/** Settings, or a 500 naming the bad setting (the Worker refuses to guess). */
export function settings(c: Ctx): Settings | Response {
  const s = settingsOf(c.env);
  if (s instanceof ConfigError) return c.json({ error: "configuration", message: s.message }, 500);
  return s;
}

export function chainStub(c: Ctx, chainId: string): DurableObjectStub<ChainHead> {
  return c.env.CHAIN.get(c.env.CHAIN.idFromName(chainId));
}

/** The served chain named by the `:chainId` route parameter, or a 404. */
export function servedChain(c: Ctx, s: Settings): { id: string; chain: ChainSettings } | Response {
  const raw = c.req.param("chainId") ?? "";
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(raw)) return c.json({ error: "not-found", message: `bad chain id ${raw}` }, 404);
  const id = BigInt(raw).toString();
  const chain = s.chains.get(id);
  if (!chain) return c.json({ error: "not-found", message: `chain ${id} is not served here` }, 404);
  return { id, chain };
}

/** JSON with bigints as decimal strings (the read API's convention for big integers). */
export function jsonSafe<T>(v: T): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x)));
}
