// The Worker's OpenAPI 3.1 document, served at GET /openapi.json: hand-written data (paths.ts,
// schemas.ts) rather than a framework, checked against the real Worker by test/worker/openapi.test.ts.
import { H } from "../../protocol/ingest-auth.ts";
import { PATHS } from "./paths.ts";
import { SCHEMAS } from "./schemas.ts";

export const OPENAPI = {
  openapi: "3.1.0",
  jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
  info: {
    title: "op-follow Worker",
    version: "1",
    description: [
      "The cross-safe head of OP Stack chains, checked from gossip (Following Mode).",
      "Conventions (README, API): block numbers and other chain quantities are JSON numbers, as op-node's L2BlockRef has them;",
      "block `timestamp`s are unix seconds; every time the Worker records is `…AtMs`, milliseconds since the Unix epoch as a JSON number;",
      "durations are `…Ms`; hashes are 0x hex; chain ids are decimal strings. Every non-2xx JSON answer is an `Error`.",
      "The public routes answer CORS preflights (any origin); the admin routes do not.",
    ].join(" "),
  },
  tags: [
    { name: "read", description: "Public, CORS on, cacheable for 1 s." },
    { name: "ingest", description: "Relays only." },
    { name: "admin", description: "Operator only (ADMIN_TOKEN)." },
    { name: "ops", description: "Health, metrics, the status page and this document." },
  ],
  paths: PATHS,
  components: {
    schemas: SCHEMAS,
    securitySchemes: {
      relayHmac: {
        type: "apiKey",
        in: "header",
        name: H.signature,
        description: `HMAC-SHA256 with the relay's secret (RELAY_SECRETS) over the request; the other x-op-follow-* headers are signed with it (src/protocol/ingest-auth.ts).`,
      },
      adminBearer: { type: "http", scheme: "bearer", description: "Authorization: Bearer <ADMIN_TOKEN>." },
    },
  },
} as const;
