// (e) The relay CLI: --help, configuration from flags and environment, clear errors for bad
// configuration, and a real run in a child process that serves /healthz and stops cleanly on SIGTERM.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliConfigError, parseDuration } from "../../src/flags/flags.ts";
import { parseRelayArgs, relayUsage } from "../../src/relay/cli.ts";
import { loadOrCreatePeerKey } from "../../src/relay/peer-key.ts";
import { startStub, type IngestStub } from "../helpers/relay-ingest-stub.ts";
import { RELAY_ID, SECRET } from "../helpers/relay-nodes.ts";

const ENTRY = join(import.meta.dirname, "../helpers/relay-cli-entry.ts");
const PEER = `/ip4/10.0.0.1/tcp/9222/p2p/${peerIdFromPrivateKey(await generateKeyPair("secp256k1")).toString()}`;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}, onStderr?: (chunk: string, kill: (s: NodeJS.Signals) => void) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ENTRY, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, (s) => child.kill(s));
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

let dir: string;
let secretFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "relay-cli-"));
  secretFile = join(dir, "secret");
  await writeFile(secretFile, SECRET + "\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const base = () => ["--chain-id", "10", "--worker-url", "https://worker.example", "--relay-id", "r1", "--secret-file", secretFile];

describe("parseRelayArgs", () => {
  it("takes flags, fills defaults", async () => {
    const r = await parseRelayArgs([...base(), "--chain-id", "8453", "--peer", PEER], {});
    expect(r.help).toBe(false);
    if (r.help) return;
    expect(r.config).toMatchObject({
      chainIds: [10n, 8453n],
      workerUrl: "https://worker.example",
      relayId: "r1",
      secret: SECRET,
      listen: ["/ip4/0.0.0.0/tcp/9224"],
      peers: [PEER],
      bootstrap: [],
      metricsAddr: "127.0.0.1:7302",
      dataDir: join(homedir(), ".op-follow", "relay"),
      keyFile: join(homedir(), ".op-follow", "relay", "p2p_priv.txt"),
      banFile: join(homedir(), ".op-follow", "relay", "bans.json"),
      workerFailingAfterMs: 30_000,
      statusIntervalMs: 60_000,
      logFormat: "json",
      logLevel: "info",
      maxQueue: 512,
      maxPerPeer: 64,
      concurrency: 8,
      deadlineMs: 60_000,
      invalidMessageWeight: -10,
      banThreshold: -100,
      banDurationMs: 3_600_000,
    });
  });

  it("reads the environment; flags win; lists are comma-separated", async () => {
    const r = await parseRelayArgs(["--log-level", "debug"], {
      OP_FOLLOW_RELAY_CHAIN_ID: "10, 8453",
      OP_FOLLOW_RELAY_WORKER_URL: "http://127.0.0.1:8787",
      OP_FOLLOW_RELAY_RELAY_ID: "env-relay",
      OP_FOLLOW_RELAY_SECRET: SECRET,
      OP_FOLLOW_RELAY_LOG_LEVEL: "warn",
      OP_FOLLOW_RELAY_BOOTSTRAP: `${PEER},${PEER}`,
      OP_FOLLOW_RELAY_DEADLINE: "90s",
      OP_FOLLOW_RELAY_METRICS_ADDR: "off",
    });
    if (r.help) throw new Error("help");
    expect(r.config).toMatchObject({ chainIds: [10n, 8453n], relayId: "env-relay", secret: SECRET, logLevel: "debug", deadlineMs: 90_000 });
    expect(r.config.bootstrap).toHaveLength(2);
    expect(r.config.metricsAddr).toBeUndefined();
  });

  it("reports every problem at once", async () => {
    const err = await parseRelayArgs(
      ["--chain-id", "abc", "--worker-url", "ftp://x", "--relay-id", "a b", "--peer", "/ip4/1.2.3.4/tcp/1", "--bootstrap", "/ip4/1.2.3.4/tcp/1/p2p/QmNotAPeerId", "--deadline", "5x", "--log-level", "loud", "--metrics-addr", "nope", "--invalid-message-weight", "3"],
      { OP_FOLLOW_RELAY_SECRET: "short" },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliConfigError);
    const text = (err as CliConfigError).problems.join("\n");
    for (const s of ['--chain-id: "abc"', "--worker-url: expected http(s)", '--relay-id: "a b"', "--peer: \"/ip4/1.2.3.4/tcp/1\": has no /p2p/", "--bootstrap", "--deadline", "--log-level", "--metrics-addr", "--invalid-message-weight", "at least 32 characters"]) {
      expect(text).toContain(s);
    }
  });

  it("requires a secret of at least 32 characters, as the Worker does", async () => {
    await expect(parseRelayArgs(["--chain-id", "10", "--worker-url", "https://w", "--relay-id", "r"], { OP_FOLLOW_RELAY_SECRET: "x".repeat(31) })).rejects.toThrow(/at least 32 characters/);
    const r = await parseRelayArgs(["--chain-id", "10", "--worker-url", "https://w", "--relay-id", "r"], { OP_FOLLOW_RELAY_SECRET: "x".repeat(32) });
    expect(r.help === false && r.config.secret).toBe("x".repeat(32));
    expect(relayUsage()).toContain("HMAC secret (≥ 32 chars)");
  });

  it("refuses two secret sources, unknown flags and stray arguments", async () => {
    await expect(parseRelayArgs(base(), { OP_FOLLOW_RELAY_SECRET: SECRET })).rejects.toThrow(/not both/);
    await expect(parseRelayArgs([...base(), "--bogus"], {})).rejects.toThrow(/bogus/);
    await expect(parseRelayArgs([...base(), "extra"], {})).rejects.toThrow(/unexpected argument: extra/);
    await expect(parseRelayArgs(["--chain-id", "10", "--worker-url", "https://w", "--relay-id", "r", "--secret-file", join(dir, "missing")], {})).rejects.toThrow(/cannot read/);
  });

  it("parses durations", () => {
    expect([parseDuration("500ms"), parseDuration("1.5s"), parseDuration("2m"), parseDuration("1h"), parseDuration("250"), parseDuration("x")]).toEqual([500, 1500, 120_000, 3_600_000, 250, null]);
  });
});

describe("peer key file", () => {
  it("is created once with mode 600 in op-node's format and reloaded", async () => {
    const path = join(dir, "keys", "p2p.key");
    const a = await loadOrCreatePeerKey(path);
    expect(a.created).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readFile(path, "utf8")).trim()).toMatch(/^[0-9a-f]{64}$/);
    const b = await loadOrCreatePeerKey(path);
    expect(b.created).toBe(false);
    expect(b.permissionWarning).toBeUndefined();
    expect(peerIdFromPrivateKey(b.key).toString()).toBe(peerIdFromPrivateKey(a.key).toString());
    await writeFile(join(dir, "bad.key"), "not hex");
    await expect(loadOrCreatePeerKey(join(dir, "bad.key"))).rejects.toThrow(/32-byte secp256k1/);
  });
});

describe("op-follow relay (child process)", () => {
  let stub: IngestStub;
  beforeAll(async () => {
    stub = await startStub({ secrets: { [RELAY_ID]: SECRET } });
  });
  afterAll(() => stub.stop());

  it("--help prints usage and exits 0", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: op-follow relay");
    for (const f of ["--chain-id", "--worker-url", "--relay-id", "--secret-file", "OP_FOLLOW_RELAY_SECRET", "--listen", "--peer", "--bootstrap", "--key-file", "--metrics-addr", "--log-level", "--queue-size", "--deadline"]) {
      expect(r.stdout).toContain(f);
    }
  });

  it("bad configuration exits 2 with a clear message", async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("op-follow relay: invalid configuration");
    expect(r.stderr).toContain("--chain-id is required");
    expect(r.stderr).toContain("--worker-url is required");
    expect(r.stderr).toContain("a secret is required");
    expect(r.stderr).toContain("--help");
  });

  it("runs, serves /healthz, and stops cleanly on SIGTERM", async () => {
    const keyFile = join(dir, "run.key");
    let health: { status: number; body: { ok: boolean; peerId: string } } | undefined;
    let checking = false;
    const r = await run(
      ["--chain-id", "901", "--worker-url", stub.url, "--relay-id", RELAY_ID, "--listen", "/ip4/127.0.0.1/tcp/0", "--metrics-addr", "127.0.0.1:0", "--key-file", keyFile, "--data-dir", join(dir, "data")],
      { OP_FOLLOW_RELAY_SECRET: SECRET },
      (stderr, kill) => {
        const started = stderr.split("\n").find((l) => l.includes('"relay started"'));
        if (!started || checking) return;
        checking = true;
        const { metrics } = JSON.parse(started) as { metrics: string };
        void fetch(`http://${metrics}/healthz`)
          .then(async (res) => (health = { status: res.status, body: (await res.json()) as { ok: boolean; peerId: string } }))
          .finally(() => kill("SIGTERM"));
      },
    );
    expect(r.code).toBe(0);
    expect(health?.status).toBe(200);
    expect(health?.body.ok).toBe(true);
    const logs = r.stderr.trim().split("\n").map((l) => JSON.parse(l) as { msg: string; level: string; peerId?: string });
    expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(["created a new peer key", "relay started", "shutting down", "relay stopping", "relay stopped"]));
    expect(logs.find((l) => l.msg === "relay started")?.peerId).toBe(health?.body.peerId);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(r.stderr).not.toContain(SECRET);
    const key = await loadOrCreatePeerKey(keyFile);
    expect(peerIdFromPrivateKey(key.key).toString()).toBe(health?.body.peerId);
  });
});
