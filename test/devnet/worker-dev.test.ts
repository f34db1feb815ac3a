import { describe, expect, it } from "vitest";
import { wranglerEnv } from "../../src/devnet/worker-dev.ts";

describe("wranglerEnv (the environment wrangler dev runs in)", () => {
  it("is offline, uses no account, and keeps wrangler's config inside the project", () => {
    const env = wranglerEnv("/p", { PATH: "/bin", CLOUDFLARE_API_TOKEN: "t", CLOUDFLARE_ACCOUNT_ID: "a", CLOUDFLARE_INCLUDE_PROCESS_ENV: "true" });
    expect(env).toMatchObject({ PATH: "/bin", WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", XDG_CONFIG_HOME: "/p/.wrangler/config" });
    expect(env).not.toHaveProperty("CLOUDFLARE_API_TOKEN");
    expect(env).not.toHaveProperty("CLOUDFLARE_ACCOUNT_ID");
    expect(env).not.toHaveProperty("CLOUDFLARE_INCLUDE_PROCESS_ENV");
  });

  it("turns wrangler's local observability store and explorer off unless the caller chose", () => {
    expect(wranglerEnv("/p", {})).toMatchObject({ X_LOCAL_OBSERVABILITY: "false", X_LOCAL_EXPLORER: "false" });
    expect(wranglerEnv("/p", { X_LOCAL_OBSERVABILITY: "true", X_LOCAL_EXPLORER: "true" })).toMatchObject({ X_LOCAL_OBSERVABILITY: "true", X_LOCAL_EXPLORER: "true" });
  });
});
