// GET /openapi.json — the document describing every route (../openapi/document.ts).
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { OPENAPI } from "../openapi/document.ts";

export const openapi = new Hono<AppEnv>();

openapi.get("/openapi.json", (c) => c.json(OPENAPI, 200, { "access-control-allow-origin": "*", "cache-control": "public, max-age=300" }));
