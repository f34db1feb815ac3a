// Operator routes, protected by the ADMIN_TOKEN secret (Authorization: Bearer <token>). No CORS
// here (read.ts leaves these paths out): a browser page on another origin gets no preflight answer.
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { forgetSigners } from "../../checks/pipeline.ts";
import { forgetChainIdChecks } from "../../checks/rpc.ts";
import { unauthorized } from "../unauthorized.ts";
import { forgetValidations } from "../validate-once.ts";

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
  if (!s.adminToken) return unauthorized(c, "admin", "admin-disabled");
  const m = /^Bearer (.+)$/.exec(c.req.header("authorization") ?? "");
  if (!m || !(await tokenMatches(m[1]!, s.adminToken))) return unauthorized(c, "admin", m ? "bad-token" : "no-token");
  await next();
});

admin.post("/v1/chains/:chainId/admin/clear-alarm", async (c) => {
  const ch = c.var.chain;
  const note = (c.req.query("note") ?? "cleared by operator").slice(0, 200);
  const cleared = await ch.stub.clearAlarm(note);
  return c.json({ cleared });
});

/**
 * Forgets peer scores: every peer's, or one (`?peer=<id>`, any text: a table filled before ids were
 * checked holds ids that are not peer ids). Relays stop applying a purged peer's graylisting.
 */
admin.post("/v1/chains/:chainId/admin/purge-peers", async (c) => {
  const ch = c.var.chain;
  const peer = c.req.query("peer");
  const purged = await ch.stub.purgePeers(peer);
  return c.json({ purged });
});

/**
 * Forgets this isolate's cached unsafe-block signer and node chain-id checks, so a signer rotation
 * or a re-pointed RPC endpoint applies at once instead of within a minute or five; and its memo of
 * validations (keyed by signer, so never stale, but tests start from nothing).
 */
admin.post("/v1/chains/:chainId/admin/refresh", async (c) => {
  forgetSigners();
  forgetChainIdChecks();
  forgetValidations();
  return c.json({ refreshed: true });
});

/** Whether a path is an admin route's (`/v1/chains/<id>/admin/…`): these get no CORS headers. */
export function isAdminPath(path: string): boolean {
  return /^\/v1\/chains\/[^/]+\/admin(\/|$)/.test(path);
}
