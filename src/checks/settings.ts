// The follower's settings from wrangler.toml [vars] and secrets, validated once per isolate with an
// error that names the missing or malformed setting. Read by the Worker's routes and by the Durable
// Objects (the alarm runs the same checks), so it lives below both.
//
//   CHAINS          (var, JSON array) one entry per served chain:
//                   { "network": "<preset name>" | "chain": <chain config JSON>,
//                     "l1Rpc": url, "l2Rpc": url, "rollupRpc": url,
//                     "signer"?: address   (else read from L1 SystemConfig.unsafeBlockSigner()),
//                     "attestationDomain"?: "attestation" (default) | "block" (compatibility, risky) }
//   RELAY_SECRETS   (secret, JSON object) relay id → HMAC secret (≥ 32 chars)
//   ADMIN_TOKEN     (secret) bearer token for /admin routes (≥ 32 chars)
//   RPC_TIMEOUT_MS  (var, optional) per-call JSON-RPC timeout, default 3000, 100..30000
//   MAX_BLOCK_BYTES (var, optional) the largest block message (decompressed) the Worker checks;
//                   larger ones get IGNORE `block-over-limit`. Default and maximum: the gossip
//                   limit (10 MiB); at least 1024. For plans whose CPU limit cannot afford big blocks.
//   HEALTH_*_SECONDS (vars, optional) the /healthz thresholds (HealthThresholds below; README "Health")
import { MAX_GOSSIP_SIZE } from "../protocol/snappy.ts";
import { parseChainConfigJson, resolveChainConfig, type ChainConfig } from "../protocol/chain-config.ts";
import { parseAttestationDomain, type AttestationDomain } from "../protocol/signing-domain.ts";
import type { Address } from "../protocol/types.ts";

/** The plain-text vars and secrets the settings are read from (the Worker's env adds its bindings). */
export interface SettingsEnv {
  CHAINS?: string;
  RELAY_SECRETS?: string;
  ADMIN_TOKEN?: string;
  RPC_TIMEOUT_MS?: string;
  MAX_BLOCK_BYTES?: string;
  HEALTH_RPC_FAILING_SECONDS?: string;
  HEALTH_RPC_ERROR_WINDOW_SECONDS?: string;
  HEALTH_STALL_SECONDS?: string;
  HEALTH_STALL_FAILING_SECONDS?: string;
}

/** The rules' thresholds (src/worker/health.ts), in ms. */
export interface HealthThresholds {
  /** An endpoint with no success for this long since its first fault makes the chain failing. */
  rpcFailingMs: number;
  /** A fault this recent makes the chain degraded. */
  rpcErrorWindowMs: number;
  /** Local-safe ahead of a head that has not moved for this long: degraded … */
  stallMs: number;
  /** … and for this long: failing. */
  stallFailingMs: number;
}

const HEALTH_DEFAULTS: Record<keyof HealthThresholds, [keyof SettingsEnv, number]> = {
  rpcFailingMs: ["HEALTH_RPC_FAILING_SECONDS", 30],
  rpcErrorWindowMs: ["HEALTH_RPC_ERROR_WINDOW_SECONDS", 60],
  stallMs: ["HEALTH_STALL_SECONDS", 120],
  stallFailingMs: ["HEALTH_STALL_FAILING_SECONDS", 600],
};

function healthThresholds(env: SettingsEnv): HealthThresholds {
  const out = {} as HealthThresholds;
  for (const [k, [name, dflt]] of Object.entries(HEALTH_DEFAULTS) as [keyof HealthThresholds, [keyof SettingsEnv, number]][]) {
    const raw = env[name];
    const v = raw === undefined ? dflt : Number(raw);
    if (!Number.isFinite(v) || v <= 0 || v > 86_400) throw new ConfigError(`${name}: a number of seconds between 0 and 86400`);
    out[k] = Math.round(v * 1000);
  }
  if (out.stallFailingMs < out.stallMs) throw new ConfigError("HEALTH_STALL_FAILING_SECONDS: must not be below HEALTH_STALL_SECONDS");
  return out;
}

export interface ChainSettings {
  config: ChainConfig;
  l1Rpc: string;
  l2Rpc: string;
  rollupRpc: string;
  /** Fixed signer (overrides the config's); undefined → SystemConfig over L1 RPC. */
  signer: Address | undefined;
  /** Signing domain cross-safe attestations are checked in (signing-domain.ts). */
  attestationDomain: AttestationDomain;
}

export interface Settings {
  chains: Map<string, ChainSettings>; // by decimal chain id
  relaySecrets: Record<string, string>;
  adminToken: string | undefined;
  rpcTimeoutMs: number;
  /** Blocks whose message decodes to more than this are refused unchecked (ingest-over-limit.ts). */
  maxBlockBytes: number;
  health: HealthThresholds;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

function url(v: unknown, field: string): string {
  if (typeof v !== "string" || !v) throw new ConfigError(`${field}: missing (an http(s) URL)`);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new ConfigError(`${field}: not a URL: ${JSON.stringify(v)}`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new ConfigError(`${field}: must be http(s), got ${u.protocol}`);
  return v;
}

function parseJson(name: string, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw new ConfigError(`${name}: not valid JSON (${(e as Error).message})`);
  }
}

export function parseSettings(env: SettingsEnv): Settings {
  if (!env.CHAINS) throw new ConfigError("CHAINS: missing (wrangler.toml [vars], a JSON array of chains)");
  const list = parseJson("CHAINS", env.CHAINS);
  if (!Array.isArray(list) || list.length === 0) throw new ConfigError("CHAINS: must be a non-empty JSON array");
  const chains = new Map<string, ChainSettings>();
  list.forEach((entry, i) => {
    const at = `CHAINS[${i}]`;
    if (typeof entry !== "object" || entry === null) throw new ConfigError(`${at}: must be an object`);
    const e = entry as Record<string, unknown>;
    let config: ChainConfig;
    try {
      if (typeof e["network"] === "string") config = resolveChainConfig(e["network"]);
      else if (e["chain"] !== undefined) config = parseChainConfigJson(e["chain"]);
      else throw new Error(`needs "network" (a preset name) or "chain" (a chain config object)`);
    } catch (err) {
      throw new ConfigError(`${at}: ${(err as Error).message}`);
    }
    let signer: Address | undefined;
    if (e["signer"] !== undefined) {
      if (typeof e["signer"] !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(e["signer"])) throw new ConfigError(`${at}.signer: not an address`);
      signer = e["signer"] as Address;
    }
    let attestationDomain: AttestationDomain = "attestation";
    if (e["attestationDomain"] !== undefined) {
      const d = typeof e["attestationDomain"] === "string" ? parseAttestationDomain(e["attestationDomain"]) : undefined;
      if (!d) throw new ConfigError(`${at}.attestationDomain: "attestation" or "block"`);
      attestationDomain = d;
    }
    const key = config.chainId.toString();
    if (chains.has(key)) throw new ConfigError(`${at}: chain ${key} is listed twice`);
    chains.set(key, {
      config,
      l1Rpc: url(e["l1Rpc"], `${at}.l1Rpc`),
      l2Rpc: url(e["l2Rpc"], `${at}.l2Rpc`),
      rollupRpc: url(e["rollupRpc"], `${at}.rollupRpc`),
      signer: signer ?? config.unsafeBlockSigner,
      attestationDomain,
    });
  });
  let relaySecrets: Record<string, string> = {};
  if (env.RELAY_SECRETS) {
    const s = parseJson("RELAY_SECRETS", env.RELAY_SECRETS);
    if (typeof s !== "object" || s === null || Array.isArray(s)) throw new ConfigError("RELAY_SECRETS: must be a JSON object {relayId: secret}");
    for (const [id, sec] of Object.entries(s)) {
      if (typeof sec !== "string" || sec.length < 32) throw new ConfigError(`RELAY_SECRETS.${id}: secret must be a string of at least 32 characters`);
    }
    relaySecrets = s as Record<string, string>;
  }
  if (env.ADMIN_TOKEN !== undefined && env.ADMIN_TOKEN.length < 32) throw new ConfigError("ADMIN_TOKEN: must be at least 32 characters");
  let rpcTimeoutMs = 3000;
  if (env.RPC_TIMEOUT_MS !== undefined) {
    rpcTimeoutMs = Number(env.RPC_TIMEOUT_MS);
    if (!Number.isInteger(rpcTimeoutMs) || rpcTimeoutMs < 100 || rpcTimeoutMs > 30_000) throw new ConfigError("RPC_TIMEOUT_MS: an integer between 100 and 30000");
  }
  let maxBlockBytes = MAX_GOSSIP_SIZE;
  if (env.MAX_BLOCK_BYTES !== undefined) {
    maxBlockBytes = Number(env.MAX_BLOCK_BYTES);
    if (!Number.isInteger(maxBlockBytes) || maxBlockBytes < 1024 || maxBlockBytes > MAX_GOSSIP_SIZE) throw new ConfigError(`MAX_BLOCK_BYTES: an integer between 1024 and ${MAX_GOSSIP_SIZE} (bytes)`);
  }
  return { chains, relaySecrets, adminToken: env.ADMIN_TOKEN, rpcTimeoutMs, maxBlockBytes, health: healthThresholds(env) };
}

const cache = new WeakMap<object, Settings | ConfigError>();

/** Settings for this env, parsed once per isolate; a ConfigError is returned (not thrown) for reporting. */
export function settingsOf(env: SettingsEnv): Settings | ConfigError {
  let s = cache.get(env);
  if (!s) {
    try {
      s = parseSettings(env);
    } catch (e) {
      s = e instanceof ConfigError ? e : new ConfigError(String(e));
    }
    cache.set(env, s);
  }
  return s;
}
