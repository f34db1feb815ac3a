// Every 401 the Worker gives says only "unauthorized": a reason would tell an outsider which relay
// ids exist, or that a captured request was already used. The reason goes to the Worker's log
// (one JSON line: `wrangler tail`, Workers Logs) for the operator.
import type { Context } from "hono";

/** Log fields are cut to this: a header can be tens of KB and this is someone else's input. */
const FIELD_MAX = 100;

export function unauthorized(c: Context, route: string, reason: string, detail: Record<string, string | null | undefined> = {}): Response {
  const fields = Object.fromEntries(Object.entries(detail).map(([k, v]) => [k, v == null ? null : v.slice(0, FIELD_MAX)]));
  console.log(JSON.stringify({ level: "warn", msg: "unauthorized", route, reason, ...fields }));
  return c.json({ error: "unauthorized" }, 401);
}
