// Builds and drives test/interop/discv5-peer (go-ethereum's discv5 set up by op-node's own code) over
// JSON lines. The Go module, build caches and binary live under ~/.cache/op-follow (outside the clone),
// so a second run on the same machine only relinks if anything.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const MODULE_DIR = join(import.meta.dirname, "discv5-peer");
const CACHE = join(homedir(), ".cache", "op-follow");
const BINARY = join(CACHE, "bin", "discv5-peer");

/** `go version`'s output, or undefined when there is no Go toolchain. */
export function goVersion(): string | undefined {
  const r = spawnSync("go", ["version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** `go build`, caches under ~/.cache/op-follow/go (GOMODCACHE, GOCACHE). Returns the binary's path. */
export async function buildDiscv5Peer(): Promise<string> {
  mkdirSync(join(CACHE, "bin"), { recursive: true });
  const env = { ...process.env, GOMODCACHE: join(CACHE, "go", "mod"), GOCACHE: join(CACHE, "go", "build"), GOFLAGS: "-modcacherw" };
  const child = spawn("go", ["build", "-o", BINARY, "."], { cwd: MODULE_DIR, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.on("exit", r));
  if (code !== 0) throw new Error(`go build in ${MODULE_DIR} failed (${code}):\n${out}`);
  return BINARY;
}

/** A node record as op-node reads it (main.go `record`). */
export interface GoRecord {
  enr: string;
  peerId: string;
  ip?: string;
  tcp: number;
  udp: number;
  opstack?: { chainId: number; version: number };
}

export interface GoEvent {
  event: "connected";
  node: string;
  peerId: string;
  direction: string;
}

export class Discv5Peer {
  readonly events: GoEvent[] = [];
  stderr = "";
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #next = 1;
  #exited: Promise<void>;

  constructor(binary: string) {
    this.#child = spawn(binary, [], { stdio: ["pipe", "pipe", "pipe"] });
    this.#child.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.#exited = new Promise((r) => this.#child.on("exit", () => r()));
    createInterface({ input: this.#child.stdout }).on("line", (line) => {
      const m = JSON.parse(line) as { id?: number; result?: unknown; error?: string } & Partial<GoEvent>;
      if (m.event) this.events.push(m as GoEvent);
      else if (m.id !== undefined) {
        const p = this.#pending.get(m.id);
        this.#pending.delete(m.id);
        if (m.error !== undefined) p?.reject(new Error(`discv5-peer: ${m.error}`));
        else p?.resolve(m.result);
      }
    });
  }

  call<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#child.stdin.write(JSON.stringify({ id, cmd, ...args }) + "\n");
    });
  }

  bootnode(): Promise<{ node: string; enr: string; enode: string }> {
    return this.call("bootnode");
  }

  /** An op-node discovery node of `chainId` with a libp2p listener at its record's TCP port. */
  node(chainId: number, bootnodes: string[]): Promise<{ node: string; record: GoRecord }> {
    return this.call("node", { chainId, bootnodes });
  }

  /** Walks the DHT from `node` with op-node's filter for `chainId` until `peerId`'s record turns up. */
  find(node: string, chainId: number, peerId: string, timeoutMs: number): Promise<GoRecord> {
    return this.call("find", { node, chainId, peerId, timeoutMs });
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null) {
      this.#child.stdin.end('{"cmd":"stop"}\n');
      const t = setTimeout(() => this.#child.kill("SIGKILL"), 5_000);
      await this.#exited;
      clearTimeout(t);
    }
  }
}
