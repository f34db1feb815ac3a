// The Worker's environment: the settings' vars and secrets (src/checks/settings.ts) plus the
// Durable Object bindings declared in wrangler.toml.
import type { ChainHead } from "../durable/chain-head.ts";
import type { UnsafeHead } from "../durable/unsafe-head.ts";
import type { SettingsEnv } from "../checks/settings.ts";

export interface WorkerEnv extends SettingsEnv {
  CHAIN: DurableObjectNamespace<ChainHead>;
  /** One per chain: the unsafe head from the blocks topics (src/durable/unsafe-head.ts). */
  UNSAFE: DurableObjectNamespace<UnsafeHead>;
}
