// The README's "Production install (relay)" section, followed as written, in a scratch folder: its
// shell steps run, then the relay starts from the systemd unit's Environment= and ExecStart= lines,
// against a stand-in Worker (the HMAC-checking ingest stub), gets a gossip message through to it,
// answers /healthz and stops cleanly on SIGTERM. When the README and the software disagree, this fails.
//
// What cannot run here, and how it is bridged (nothing else is changed):
// - root-only steps: `useradd` is skipped and `install`'s owner options (-o/-g) dropped;
// - the system folders /opt/op-follow, /etc/op-follow, /var/lib/op-follow live under the scratch folder;
// - `git clone <url> /opt/op-follow` copies this checkout's files (tracked and new, as they are now);
// - the unit's Worker URL and secret placeholder become the stub's; the listen and metrics ports,
//   which the unit leaves at their defaults, are set to free ones (other test runs share the machine);
// - systemd itself: the unit's User=/Restart= are not exercised; its WorkingDirectory= is the cwd.
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crossSafeTopic } from "../../src/protocol/topic.ts";
import { startStub, testMessage, waitFor, type IngestStub } from "../helpers/relay-ingest-stub.ts";
import { gossipPeer, stopAll } from "../helpers/relay-nodes.ts";
import { PROJECT_ROOT } from "../helpers/vectors.ts";

const SECRET = "production-install-test-secret-0123456789";
const README_WORKER = "https://op-follow.example.workers.dev";
const SYSTEM_ROOTS = ["/opt/op-follow", "/etc/op-follow", "/var/lib/op-follow"];
/** systemd's default PATH for services: no node_modules, maybe an old system Node */
const SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The README section and its code blocks of one language. */
function section(readme: string): { sh: string; ini: string } {
  const start = readme.indexOf("## Production install (relay)");
  expect(start, "README has a Production install (relay) section").toBeGreaterThanOrEqual(0);
  const end = readme.indexOf("\n## ", start + 3);
  const text = readme.slice(start, end < 0 ? undefined : end);
  const blocks = (lang: string): string[] => [...text.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);
  const ini = blocks("ini").find((b) => b.includes("[Service]"));
  expect(ini, "the section has the systemd unit").toBeDefined();
  return { sh: blocks("sh")[0]!, ini: ini! };
}

describe("README: production install of the relay", () => {
  let root: string;
  let stub: IngestStub;
  const moved = (s: string): string => SYSTEM_ROOTS.reduce((t, r) => t.split(r).join(root + r), s);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "op-follow-install-"));
    stub = await startStub({ secrets: { "relay-1": SECRET } });
  });
  // removing the install (its node_modules) takes seconds, more on a busy machine
  afterAll(async () => {
    await stub?.stop();
    await rm(root, { recursive: true, force: true });
  }, 120_000);

  it("installs as written, and the unit's relay runs against the Worker", async () => {
    const { sh, ini } = section(await readFile(join(PROJECT_ROOT, "README.md"), "utf8"));

    // ---- the shell steps ------------------------------------------------------------------------
    const steps: string[] = [];
    let cloned = false;
    for (const raw of sh.split("\n")) {
      const line = raw.trim();
      if (!line || line.startsWith("#")) continue;
      if (/^useradd\b/.test(line)) continue;
      if (/^git clone\b/.test(line)) {
        expect(line).toMatch(/ \/opt\/op-follow\b/);
        // the clone: this checkout's files (tracked, and new ones not ignored), as they are now
        steps.push(`mkdir -p ${root}/opt/op-follow`, `(cd ${PROJECT_ROOT} && git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf -) | tar -xf - -C ${root}/opt/op-follow`);
        cloned = true;
        continue;
      }
      let l = line.replace(/<the secret registered for relay-1 in the Worker RELAY_SECRETS>/, SECRET);
      if (/^install\b/.test(l)) l = l.replace(/ -[og] \S+/g, "");
      steps.push(moved(l));
    }
    expect(cloned, "the steps fetch the code with git clone").toBe(true);
    expect(steps.some((s) => /^npm ci --omit=dev\b/.test(s)), "the steps run npm ci --omit=dev").toBe(true);
    const script = ["set -eu", ...steps].join("\n");
    const r = spawnSync("bash", ["-c", script], {
      cwd: root,
      encoding: "utf8",
      timeout: 240_000,
      env: {
        PATH: process.env.PATH ?? SYSTEMD_PATH,
        HOME: process.env.HOME ?? root,
        TMPDIR: tmpdir(),
        // the npm cache is warm: use it first (the README's command line itself is unchanged)
        npm_config_prefer_offline: "true",
        npm_config_audit: "false",
        npm_config_fund: "false",
        npm_config_update_notifier: "false",
      },
    });
    expect(r.status, `install steps failed:\n${script}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^op-follow \d+\.\d+\.\d+ \(node v2[2-9]\./m);
    // production dependencies only
    const opt = `${root}/opt/op-follow`;
    await expect(stat(`${opt}/node_modules/libp2p`)).resolves.toBeTruthy();
    for (const dev of ["vitest", "wrangler", "@cloudflare/vitest-plugin"]) await expect(stat(`${opt}/node_modules/${dev}`), dev).rejects.toThrow();
    expect((await stat(`${root}/var/lib/op-follow/relay`)).mode & 0o777).toBe(0o700);
    expect((await stat(`${root}/etc/op-follow/relay.secret`)).mode & 0o777).toBe(0o640);

    // ---- the unit --------------------------------------------------------------------------------
    const env: Record<string, string> = { PATH: SYSTEMD_PATH, HOME: `${root}/var/lib/op-follow` };
    let exec: string[] = [];
    let cwd = root;
    for (const raw of ini.split("\n")) {
      const m = /^(\w+)=(.*)$/.exec(raw.trim());
      if (!m) continue;
      const value = moved(m[2]!.replace(README_WORKER, stub.url));
      if (m[1] === "Environment") {
        const eq = value.indexOf("=");
        env[value.slice(0, eq)] = value.slice(eq + 1);
      } else if (m[1] === "ExecStart") exec = value.split(/\s+/);
      else if (m[1] === "WorkingDirectory") cwd = value;
    }
    expect(exec[0]).toBe(`${opt}/bin/op-follow`);
    expect(exec).toContain("--data-dir");
    expect(env["OP_FOLLOW_RELAY_WORKER_URL"]).toBe(stub.url);
    // free ports instead of the defaults (9224, 7302) the unit relies on
    env["OP_FOLLOW_RELAY_LISTEN"] = "/ip4/127.0.0.1/tcp/0";
    env["OP_FOLLOW_RELAY_METRICS_ADDR"] = "127.0.0.1:0";
    // the unit's chain is public, so discovery is on by default there; a test sends nothing off loopback
    env["OP_FOLLOW_RELAY_DISCOVERY"] = "off";

    const child = spawn(exec[0]!, exec.slice(1), { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((res) => child.on("exit", (c) => res(c)));
    const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const pub = await gossipPeer([crossSafeTopic(11155420n)]);
    try {
      await waitFor(() => stderr.includes('"relay started"') || child.exitCode !== null, 30_000, "relay started");
      const started = JSON.parse(stderr.split("\n").find((l) => l.includes('"relay started"')) ?? "null") as { metrics: string; listen: string[] } | null;
      expect(started, stderr).not.toBeNull();
      const health = await fetch(`http://${started!.metrics}/healthz`);
      expect(health.status).toBe(200);
      // a message through to the Worker: the relay id and secret from the README's setup authenticate
      const { multiaddr } = await import("@multiformats/multiaddr");
      await pub.libp2p.dial(multiaddr(started!.listen.find((a) => a.includes("/tcp/") && !a.includes("/ws"))!));
      const topic = crossSafeTopic(11155420n);
      await waitFor(() => pub.pubsub.getSubscribers(topic).length > 0, 10_000, "the relay in the topic");
      await pub.publishRaw(topic, testMessage("accept", "through-the-readme"));
      await waitFor(() => stub.tags("accept").includes("through-the-readme"), 15_000, "the message at the Worker");
      expect(stub.authFailures).toEqual([]);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill("SIGKILL");
      await stopAll(pub);
    }
    expect(stderr).toContain('"relay stopped"');
    expect(stderr).not.toContain(SECRET);
    // the state went where the unit says
    expect((await stat(`${root}/var/lib/op-follow/relay/p2p_priv.txt`)).mode & 0o777).toBe(0o600);
  }, 300_000);
});
