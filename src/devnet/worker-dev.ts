// The real op-follow Worker under `wrangler dev --local`, started from Node as a child process: the
// same bundle, workerd runtime and SQLite-backed Durable Object as a deployment, fully offline.
//
// - Offline hygiene (toolchain notes): no metrics or error reports, no cf-fetch, wrangler's config
//   directory inside the project (XDG_CONFIG_HOME=.wrangler/config), never the user's login.
// - Vars (CHAINS, RPC_TIMEOUT_MS) go on the command line with `--var`; secrets (RELAY_SECRETS,
//   ADMIN_TOKEN) go in a generated env file (mode 600, in a private temp dir) passed with
//   `--env-file`, so they never appear in `ps`. With --env-file, wrangler 4.156 skips the project's
//   .dev.vars and .env (getVarsForDev) and does not mix in process.env unless
//   CLOUDFLARE_INCLUDE_PROCESS_ENV is set, which we clear.
// - Durable Object storage: a fresh `--persist-to` directory per run (deleted on stop) unless one is given.
// - Temporary files: wrangler's and miniflare's own (miniflare-<hex>, …) go into the same private
//   directory (TMPDIR), so removing it leaves nothing behind in /tmp, secrets included.
// - wrangler and its workerd and esbuild run in their own process group (detached); stop() signals
//   the whole group, a process 'exit' hook does the same if the parent exits first, and the reaper
//   (reaper.ts) does it and removes the private directory if the parent is killed outright (SIGKILL).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { guard } from "./reaper-client.ts";

/** One entry of the Worker's CHAINS var (src/checks/settings.ts). */
export interface WorkerChainEntry {
  /** A chain config JSON (src/protocol/chain-config.ts parseChainConfigJson) … */
  chain?: Record<string, unknown>;
  /** … or a preset name. */
  network?: string;
  l1Rpc: string;
  l2Rpc: string;
  rollupRpc: string;
  signer?: string;
}

export interface WorkerDevOptions {
  chains: WorkerChainEntry[];
  /** relay id → HMAC secret (≥ 32 chars) */
  relaySecrets?: Record<string, string>;
  /** ≥ 32 chars; enables the /admin routes */
  adminToken?: string;
  rpcTimeoutMs?: number;
  /** More vars (e.g. the HEALTH_*_SECONDS thresholds, src/checks/settings.ts). */
  vars?: Record<string, string>;
  /** Default 127.0.0.1. */
  ip?: string;
  /** Default 0: wrangler picks a free port (read back from its "Ready on" line). */
  port?: number;
  /** The V8 inspector proxy's port (a profiler connects there: bench/cpu-profile.ts); default 0, any. */
  inspectorPort?: number;
  /** Durable Object storage directory; default a fresh temp directory removed by stop(). */
  persistTo?: string;
  /** Project root holding wrangler.toml; default this repository. */
  cwd?: string;
  /** Another wrangler config than cwd's wrangler.toml (--config). */
  config?: string;
  /**
   * wrangler's dev registry directory (WRANGLER_REGISTRY_PATH): wrangler devs sharing one reach each
   * other's Durable Objects by `script_name` (bench/split-isolates). Default: wrangler's own.
   */
  registryPath?: string;
  /** wrangler's output, line by line (default: kept in memory only, see output()). */
  onOutput?: (line: string) => void;
  /** Default 60 s. */
  startTimeoutMs?: number;
  /** Abandons the start (wrangler is stopped, the call rejects) when aborted. */
  signal?: AbortSignal;
  /** wrangler --log-level; default "info" (Worker console output stays visible). */
  logLevel?: "debug" | "info" | "log" | "warn" | "error" | "none";
}

export interface WorkerDev {
  /** Origin, e.g. http://127.0.0.1:38065 */
  url: string;
  /** wrangler's pid (= its process group id). */
  pid: number;
  /** Milliseconds from spawn to the first answer from /healthz (200, or 503 for a failing chain). */
  startMs: number;
  persistTo: string;
  /** The last lines wrangler printed (bounded). */
  output(): string;
  /** SIGTERM to the process group, SIGKILL after 5 s; removes the temp directory. Idempotent. */
  stop(): Promise<void>;
}

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const OUTPUT_LINES = 400;

/** Environment for wrangler: offline and self-contained (toolchain notes "Offline hygiene"). */
export function wranglerEnv(projectRoot = PROJECT_ROOT, base: NodeJS.ProcessEnv = process.env, tmpDir?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  delete env["CLOUDFLARE_INCLUDE_PROCESS_ENV"];
  delete env["CLOUDFLARE_API_TOKEN"];
  delete env["CLOUDFLARE_ACCOUNT_ID"];
  return {
    ...env,
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_SEND_ERROR_REPORTS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    XDG_CONFIG_HOME: join(projectRoot, ".wrangler", "config"),
    // wrangler ≥ 4.150 records every invocation (request, subrequest, Durable Object call) into a
    // local observability store and serves a local explorer, inside the same workerd process as the
    // Worker. Deployed Workers pay nothing of the kind in the request path (Workers Logs and tail
    // consumers run after it), and nobody looks at that store here, so it is off unless the caller
    // set these explicitly. Measured (bench/ingest.ts): ~2.5 ms of workerd CPU per ingest.
    X_LOCAL_OBSERVABILITY: env["X_LOCAL_OBSERVABILITY"] ?? "false",
    X_LOCAL_EXPLORER: env["X_LOCAL_EXPLORER"] ?? "false",
    // no update check / banner colours in captured output
    NO_COLOR: "1",
    FORCE_COLOR: "0",
    CI: env["CI"] ?? "1",
    ...(tmpDir ? { TMPDIR: tmpDir } : {}),
  };
}

export function wranglerBin(projectRoot = PROJECT_ROOT): string {
  const req = createRequire(join(projectRoot, "package.json"));
  return join(dirname(req.resolve("wrangler/package.json")), "bin", "wrangler.js");
}

/** A dotenv line wrangler reads back verbatim: single-quoted, so dotenv-expand leaves `$` alone. */
function envLine(key: string, value: string): string {
  if (/['\r\n]/.test(value)) throw new Error(`${key}: value must not contain quotes or newlines`);
  return `${key}='${value}'\n`;
}

const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

export async function startWorkerDev(opts: WorkerDevOptions): Promise<WorkerDev> {
  const cwd = opts.cwd ?? PROJECT_ROOT;
  const ip = opts.ip ?? "127.0.0.1";
  const priv = await mkdtemp(join(tmpdir(), "op-follow-worker-"));
  const releaseDir = guard({ dir: priv });
  const tmp = join(priv, "tmp");
  await mkdir(tmp);
  const persistTo = opts.persistTo ?? join(priv, "state");
  const envFile = join(priv, "secrets.env");
  let secrets = "";
  if (opts.relaySecrets) secrets += envLine("RELAY_SECRETS", JSON.stringify(opts.relaySecrets));
  if (opts.adminToken) secrets += envLine("ADMIN_TOKEN", opts.adminToken);
  await writeFile(envFile, secrets, { mode: 0o600 });

  const args = [
    wranglerBin(cwd),
    "dev",
    ...(opts.config ? ["--config", opts.config] : []),
    "--local",
    "--ip",
    ip,
    "--port",
    String(opts.port ?? 0),
    "--inspector-port",
    String(opts.inspectorPort ?? 0),
    "--persist-to",
    persistTo,
    "--env-file",
    envFile,
    "--var",
    `CHAINS:${JSON.stringify(opts.chains)}`,
    ...(opts.rpcTimeoutMs !== undefined ? ["--var", `RPC_TIMEOUT_MS:${opts.rpcTimeoutMs}`] : []),
    ...Object.entries(opts.vars ?? {}).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    "--show-interactive-dev-session=false",
    "--live-reload=false",
    "--log-level",
    opts.logLevel ?? "info",
  ];
  const t0 = performance.now();
  const env = { ...wranglerEnv(cwd, process.env, tmp), ...(opts.registryPath ? { WRANGLER_REGISTRY_PATH: opts.registryPath } : {}) };
  const child: ChildProcess = spawn(process.execPath, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const pid = child.pid;
  if (pid === undefined) {
    await rm(priv, { recursive: true, force: true });
    releaseDir();
    throw new Error("could not spawn wrangler");
  }
  const releaseGroup = guard({ group: pid });

  const lines: string[] = [];
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((r) =>
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      r();
    }),
  );
  let readyUrl: string | undefined;
  const onData = (buf: Buffer): void => {
    for (const raw of buf.toString("utf8").split(/\r?\n/)) {
      const line = raw.replace(ANSI, "").trimEnd();
      if (!line) continue;
      lines.push(line);
      if (lines.length > OUTPUT_LINES) lines.shift();
      opts.onOutput?.(line);
      const m = /Ready on (https?:\/\/[^\s]+)/.exec(line);
      if (m && !readyUrl) readyUrl = m[1]!.replace(/\/$/, "");
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);

  const killGroup = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  // If the parent exits without calling stop() (crash, process.exit), take the group down with it.
  const onParentExit = (): void => killGroup("SIGKILL");
  process.on("exit", onParentExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (!exited) {
        killGroup("SIGTERM");
        const t = setTimeout(() => killGroup("SIGKILL"), 5_000);
        await exitPromise;
        clearTimeout(t);
      }
      // workerd may outlive wrangler for a moment; make sure the group is gone.
      killGroup("SIGKILL");
      releaseGroup();
      process.off("exit", onParentExit);
      await rm(priv, { recursive: true, force: true, maxRetries: 3 });
      releaseDir();
    })());

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  try {
    for (;;) {
      if (exited) throw new Error(`wrangler dev exited (${exited.code ?? exited.signal}) before it was ready:\n${lines.slice(-40).join("\n")}`);
      if (opts.signal?.aborted) throw new Error("wrangler dev start abandoned (aborted)");
      if (Date.now() > deadline) throw new Error(`wrangler dev not ready after ${opts.startTimeoutMs ?? 60_000} ms:\n${lines.slice(-40).join("\n")}`);
      if (readyUrl) {
        const r = await fetch(`${readyUrl}/healthz`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
        if (r?.status === 200) break;
        const body = r ? await r.text().catch(() => "") : "";
        // A bad CHAINS/secret is reported by /healthz at once: no point waiting.
        if (r?.status === 503 && body.includes('"configuration"')) throw new Error(`the Worker rejected its configuration: ${body}`);
        // A failing chain (a raised alarm kept in --persist-to storage, nodes down) is 503 too, but
        // the Worker itself serves: ready.
        if (r?.status === 503 && body.includes('"status":"failing"')) break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const startMs = Math.round(performance.now() - t0);
  return { url: readyUrl!, pid, startMs, persistTo, output: () => lines.join("\n"), stop };
}
