// Shared Hono types and middleware for the Worker's routes.
import type { MiddlewareHandler } from "hono";
import type { ChainHead } from "../durable/chain-head.ts";
import type { UnsafeHead } from "../durable/unsafe-head.ts";
import { ConfigError, settingsOf, type ChainSettings, type Settings } from "../checks/settings.ts";
import type { WorkerEnv } from "./env.ts";

export interface ServedChain {
  /** Decimal chain id. */
  id: string;
  settings: ChainSettings;
  stub: DurableObjectStub<ChainHead>;
  unsafe: DurableObjectStub<UnsafeHead>;
}

export type AppEnv = { Bindings: WorkerEnv; Variables: { settings: Settings; chain: ServedChain } };

export function chainStub(env: WorkerEnv, chainId: string): DurableObjectStub<ChainHead> {
  return env.CHAIN.get(env.CHAIN.idFromName(chainId));
}

export function unsafeStub(env: WorkerEnv, chainId: string): DurableObjectStub<UnsafeHead> {
  return env.UNSAFE.get(env.UNSAFE.idFromName(chainId));
}

/** Validated settings in `c.var.settings`, or a 500 naming the bad setting (the Worker refuses to guess). */
export const withSettings: MiddlewareHandler<AppEnv> = async (c, next) => {
  const s = settingsOf(c.env);
  if (s instanceof ConfigError) return c.json({ error: "configuration", message: s.message }, 500);
  c.set("settings", s);
  await next();
};

/** The served chain named by the `:chainId` route parameter (decimal or 0x-hex) in `c.var.chain`, or a 404. */
export const withChain: MiddlewareHandler<AppEnv> = async (c, next) => {
  const raw = c.req.param("chainId") ?? "";
  if (!/^(0x[0-9a-fA-F]+|\d{1,20})$/.test(raw)) return c.json({ error: "not-found", message: `bad chain id ${raw}` }, 404);
  const id = BigInt(raw).toString();
  const settings = c.var.settings.chains.get(id);
  if (!settings) return c.json({ error: "not-found", message: `chain ${id} is not served here` }, 404);
  c.set("chain", { id, settings, stub: chainStub(c.env, id), unsafe: unsafeStub(c.env, id) });
  await next();
};
