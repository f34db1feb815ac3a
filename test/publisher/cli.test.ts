// `op-follow publish`: --help, flags and environment, clear errors that never echo the key, and a real
// run through the CLI dispatcher in a child process that publishes to a peer, serves /healthz and
// stops cleanly on SIGTERM.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChainServer, type ChainServer } from "../../src/devnet/rpc-server.ts";
import { CliConfigError } from "../../src/flags/flags.ts";
import { parsePublishArgs, publishUsage } from "../../src/publisher/cli.ts";
import { crossSafeTopic } from "../../src/protocol/topic.ts";
import { waitFor } from "../helpers/relay-ingest-stub.ts";
import { gossipPeer, tcpAddr } from "../helpers/relay-nodes.ts";

const BIN = join(import.meta.dirname, "../../bin/op-follow");
const KEY = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba"; // dev account #5 (public)

let server: ChainServer;
let dir: string;
let keyFile: string;
beforeAll(async () => {
  server = await startChainServer({ chain: { l2BlockTime: 1 } });
  server.advance(30);
  dir = await mkdtemp(join(tmpdir(), "publish-cli-"));
  keyFile = join(dir, "signer.key");
  await writeFile(keyFile, KEY + "\n", { mode: 0o600 });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true }); // it holds a signer key
});

const base = () => ["--chain-id", "901", "--l2-rpc", server.urls.sequencerL2, "--rollup-rpc", server.urls.sequencerRollup];

async function problems(argv: string[], env: Record<string, string> = {}): Promise<string[]> {
  try {
    await parsePublishArgs(argv, env);
  } catch (e) {
    if (e instanceof CliConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("parsePublishArgs", () => {
  it("takes flags and environment (flags win), fills defaults", async () => {
    const r = await parsePublishArgs([...base(), "--signer-key-file", keyFile, "--from", "12", "--poll-interval", "250ms"], { OP_FOLLOW_PUBLISH_POLL_INTERVAL: "5s", OP_FOLLOW_PUBLISH_STATE_FILE: "/tmp/x.json" });
    expect(r.help).toBe(false);
    if (r.help) return;
    expect(r.config).toMatchObject({ chainId: 901n, from: 12n, pollIntervalMs: 250, stateFile: "/tmp/x.json", listen: ["/ip4/0.0.0.0/tcp/9223"], metricsAddr: "127.0.0.1:7301", logLevel: "info" });
    expect(Buffer.from(r.config.signerKey).toString("hex")).toBe(KEY.slice(2));
    const e = await parsePublishArgs(base(), { OP_FOLLOW_PUBLISH_SIGNER_KEY: KEY, OP_FOLLOW_PUBLISH_METRICS_ADDR: "off" });
    if (e.help) throw new Error("unexpected");
    expect(e.config.metricsAddr).toBeUndefined();
    // state files under one --data-dir, default ~/.op-follow/publish; a file's own flag wins
    const home = join(homedir(), ".op-follow", "publish");
    expect(e.config).toMatchObject({ dataDir: home, stateFile: join(home, "state.json"), keyFile: join(home, "p2p_priv.txt"), banFile: join(home, "bans.json") });
    const d = await parsePublishArgs([...base(), "--data-dir", "/srv/pub", "--ban-file", "off"], { OP_FOLLOW_PUBLISH_SIGNER_KEY: KEY, OP_FOLLOW_PUBLISH_KEY_FILE: "/etc/k" });
    if (d.help) throw new Error("unexpected");
    expect([d.config.dataDir, d.config.stateFile, d.config.keyFile, d.config.banFile]).toEqual(["/srv/pub", "/srv/pub/state.json", "/etc/k", undefined]);
    expect((await parsePublishArgs(["--help"])).help).toBe(true);
    expect(publishUsage()).toContain("--signer-key-file");
  });

  it("reports every problem at once and never echoes the key", async () => {
    const secretLooking = "ab".repeat(31) + "zz";
    const p = await problems(["--chain-id", "0", "--l2-rpc", "ftp://x", "--poll-interval", "soon", "--peer", "/ip4/1.2.3.4/tcp/1"], { OP_FOLLOW_PUBLISH_SIGNER_KEY: secretLooking });
    expect(p.join("\n")).toMatch(/--chain-id/);
    expect(p.join("\n")).toMatch(/--l2-rpc: expected http/);
    expect(p.join("\n")).toMatch(/--rollup-rpc is required/);
    expect(p.join("\n")).toMatch(/--poll-interval/);
    expect(p.join("\n")).toMatch(/--peer/);
    expect(p.join("\n")).toMatch(/OP_FOLLOW_PUBLISH_SIGNER_KEY: expected the hex of a 32-byte/);
    expect(p.join("\n")).not.toContain(secretLooking);
    expect(await problems(base())).toContain("a signer key is required: --signer-key-file <path> or OP_FOLLOW_PUBLISH_SIGNER_KEY");
    expect((await problems([...base(), "--signer-key-file", join(dir, "nope")])).join()).toMatch(/cannot read .*ENOENT/);
    expect((await problems([...base(), "--signer-key-file", keyFile], { OP_FOLLOW_PUBLISH_SIGNER_KEY: KEY })).join()).toMatch(/not both/);
    expect((await problems(["--bogus"])).join()).toMatch(/Unknown option '--bogus'/);
  });
});

describe("op-follow publish (child process)", () => {
  it("exits 2 with a clear message on bad configuration", async () => {
    const r = await run(["publish", "--chain-id", "x"], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid configuration/);
    expect(r.stderr).toMatch(/--chain-id/);
  });

  it("publishes to a peer, serves /healthz, stops on SIGTERM with exit 0, never logs the key", async () => {
    const topic = crossSafeTopic(901n);
    const listener = await gossipPeer([topic], { gossipOverrides: { asyncValidation: false } });
    let got = 0;
    listener.pubsub.addEventListener("message", () => got++);
    const stateFile = join(dir, "state.json");
    let health: Record<string, unknown> | undefined;
    try {
      const r = await run(
        ["publish", ...base(), "--signer-key-file", keyFile, "--state-file", stateFile, "--key-file", join(dir, "p2p.key"), "--data-dir", join(dir, "data"), "--listen", "/ip4/127.0.0.1/tcp/0", "--peer", tcpAddr(listener), "--metrics-addr", "127.0.0.1:0", "--poll-interval", "100ms", "--log-level", "debug"],
        {},
        async (stderr, kill) => {
          await waitFor(() => got > 0 && stderr().includes('"msg":"published"'), 15_000, "a published block at the peer");
          const m = /"metrics":"([^"]+)"/.exec(stderr())!;
          health = await fetch(`http://${m[1]}/healthz`).then((r) => r.json() as Promise<Record<string, unknown>>);
          kill("SIGTERM");
        },
      );
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('"msg":"publisher started"');
      expect(r.stderr).toContain('"msg":"publisher stopped"');
      expect(r.stderr.toLowerCase()).not.toContain(KEY.slice(2));
      expect(got).toBeGreaterThan(0);
      expect(health).toMatchObject({ signer: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", lastError: null, peers: 1 });
      const state = JSON.parse(await readFile(stateFile, "utf8")) as { cursor: { number: string } };
      expect(BigInt(state.cursor.number)).toBeGreaterThan(0n);
    } finally {
      await listener.stop();
    }
  });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string>, drive?: (stderr: () => string, kill: (s: NodeJS.Signals) => void) => Promise<void>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(BIN, args, { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    drive?.(() => stderr, (s) => child.kill(s)).catch(() => child.kill("SIGKILL"));
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
