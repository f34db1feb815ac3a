// Operator routes, protected by the ADMIN_TOKEN secret (Authorization: Bearer <token>).
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { forgetSigners } from "../pipeline.ts";
import { forgetChainIdChecks } from "../rpc.ts";

export const admin = new Hono<AppEnv>();

async function tokenMatches(given: string, expected: string): Promise<boolean> {
  // Compare digests so the comparison time does not depend on where the strings differ.
  const enc = new TextEncoder();
  const [a, b] = await Promise.all([crypto.subtle.digest("SHA-256", enc.encode(given)), crypto.subtle.digest("SHA-256", enc.encode(expected))]);
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}

admin.use("/v1/chains/:chainId/admin/*", async (c, next) => {
  const s = c.var.settings;
  if (!s.adminToken) return c.json({ error: "unauthorized", reason: "admin-disabled" }, 401);
  const m = /^Bearer (.+)$/.exec(c.req.header("authorization") ?? "");
  if (!m || !(await tokenMatches(m[1]!, s.adminToken))) return c.json({ error: "unauthorized", reason: "bad-token" }, 401);
  await next();
});

admin.post("/v1/chains/:chainId/admin/clear-alarm", async (c) => {
  const ch = c.var.chain;
  const note = (c.req.query("note") ?? "cleared by operator").slice(0, 200);
  const cleared = await ch.stub.clearAlarm(note);
  return c.json({ cleared });
});

/**
 * Forgets this isolate's cached unsafe-block signer and node chain-id checks, so a signer rotation
 * or a re-pointed RPC endpoint applies at once instead of within a minute or five.
 */
admin.post("/v1/chains/:chainId/admin/refresh", async (c) => {
  forgetSigners();
  forgetChainIdChecks();
  return c.json({ refreshed: true });
});
