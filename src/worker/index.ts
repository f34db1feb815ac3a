// The op-follow Worker: authenticated ingest from relays, validation and consolidation, and the
// public read API. One deployment serves every chain in CHAINS; each chain's head lives in its own
// Durable Object (ChainHead).
import { Hono } from "hono";
import keccakModule from "../protocol/keccak/keccak.wasm";
import { installKeccakWasm } from "../protocol/keccak/index.ts";
// tiny-secp256k1 (pinned) exports only its JS entry, so its libsecp256k1 module is imported by path.
import secp256k1Module from "../../node_modules/tiny-secp256k1/lib/secp256k1.wasm";
import { installSecp256k1Wasm } from "../protocol/secp256k1/index.ts";
import { withChain, withSettings, type AppEnv } from "./context.ts";
import { admin } from "./routes/admin.ts";
import { health } from "./routes/health.ts";
import { ingest } from "./routes/ingest.ts";
import { openapi } from "./routes/openapi.ts";
import { ops } from "./routes/ops.ts";
import { page } from "./routes/page.ts";
import { read } from "./routes/read.ts";
import { rpc } from "./routes/rpc.ts";

// workerd forbids compiling WASM from bytes; the modules are bundled by wrangler (CompiledWasm rule).
installKeccakWasm(keccakModule);
installSecp256k1Wasm(secp256k1Module);

export { ChainHead } from "../durable/chain-head.ts";
export { UnsafeHead } from "../durable/unsafe-head.ts";

const app = new Hono<AppEnv>();
// Every per-chain route sees validated settings and its chain (404 for a chain not served here).
app.use("/v1/chains/:chainId/*", withSettings, withChain);
app.route("/", page);
app.route("/", health);
app.route("/", ops);
app.route("/", ingest);
app.route("/", read);
app.route("/", rpc);
app.route("/", admin);
app.route("/", openapi);
app.notFound((c) => c.json({ error: "not-found" }, 404));
app.onError((err, c) => {
  // Infrastructure trouble (e.g. the Durable Object is being reset): 503 so relays retry; nothing
  // was decided, so nothing is lost.
  console.error("unhandled", err);
  return c.json({ error: "unavailable", message: err instanceof Error ? err.message : String(err) }, 503);
});

export { app };
export default app;
