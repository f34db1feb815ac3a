// Child processes of the chaos run (the chain server and the relays run in their own processes, so
// they can be killed for real and their memory measured apiece). Each runs a `.ts` entry in its own
// process group with an IPC channel: requests and replies are JSON messages matched by id. The child
// exits when the channel closes (its parent died), and a process 'exit' hook SIGKILLs every group
// still alive, so nothing outlives the run.
import { spawn, type ChildProcess } from "node:child_process";

export interface ChildHandle {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code or signal once the process has exited. */
  readonly exited: Promise<string>;
  readonly alive: boolean;
  /** One request → one reply (`{id, ok, ...}`), or a rejection after timeoutMs. */
  request<T>(msg: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  /** Signals the whole process group. */
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after graceMs; resolves once exited. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<number>();
let hooked = false;
const spawnListeners: Array<(child: ChildHandle) => void> = [];

/** Called with each child when it is spawned (the reaper watches its process group until it exits). */
export function onChildSpawned(f: (child: ChildHandle) => void): () => void {
  spawnListeners.push(f);
  return () => void spawnListeners.splice(spawnListeners.indexOf(f), 1);
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => {
    for (const pid of live) killGroup(pid, "SIGKILL");
  });
}

/** Process groups started here and not yet exited. */
export function liveChildren(): number[] {
  return [...live];
}

export function spawnChild(name: string, entry: string, onLine: (line: string) => void): ChildHandle {
  hookExit();
  const child: ChildProcess = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", entry], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${name}`);
  live.add(pid);
  let alive = true;
  const exited = new Promise<string>((resolve) =>
    child.once("exit", (code, signal) => {
      alive = false;
      live.delete(pid);
      // a child of the child (none today) must not outlive it either
      killGroup(pid, "SIGKILL");
      for (const p of waiting.values()) p.reject(new Error(`${name} exited (${code ?? signal})`));
      waiting.clear();
      resolve(String(code ?? signal));
    }),
  );
  let buf = "";
  const onData = (d: Buffer): void => {
    buf += d.toString("utf8");
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i).trimEnd();
      buf = buf.slice(i + 1);
      if (line) onLine(line);
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);

  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on("message", (m: { id?: number; ok?: boolean; error?: string }) => {
    const w = m.id !== undefined ? waiting.get(m.id) : undefined;
    if (!w) return;
    waiting.delete(m.id!);
    if (m.ok) w.resolve(m);
    else w.reject(new Error(`${name}: ${m.error ?? "request failed"}`));
  });
  child.on("error", () => undefined); // IPC write after exit: the request's own timeout reports it

  const kill = (signal: NodeJS.Signals): void => killGroup(pid, signal);
  let stopping: Promise<void> | undefined;
  const handle: ChildHandle = {
    name,
    pid,
    exited,
    get alive() {
      return alive;
    },
    request<T>(msg: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
      if (!alive || !child.connected) return Promise.reject(new Error(`${name} is not running`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const t = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`${name}: no answer to ${String(msg["type"])} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(id, {
          resolve: (v) => {
            clearTimeout(t);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(t);
            reject(e);
          },
        });
        child.send({ ...msg, id });
      });
    },
    kill,
    stop(graceMs = 5_000) {
      return (stopping ??= (async () => {
        if (alive) {
          kill("SIGTERM");
          const t = setTimeout(() => kill("SIGKILL"), graceMs);
          await exited;
          clearTimeout(t);
        }
      })());
    },
  };
  for (const f of spawnListeners) f(handle);
  return handle;
}

/**
 * The child side: answers requests with `handle` and exits when the parent goes away. A handler's
 * result is merged into the reply; a throw becomes `{ok: false, error}`.
 */
export function serveParent(handle: (msg: Record<string, unknown>) => Promise<Record<string, unknown>>, onParentGone: () => void): void {
  if (!process.send) throw new Error("this entry runs as a child process of the chaos run (IPC channel missing)");
  process.on("message", (m: Record<string, unknown>) => {
    void handle(m).then(
      (r) => process.send?.({ ...r, id: m["id"], ok: true }),
      (e: unknown) => process.send?.({ id: m["id"], ok: false, error: e instanceof Error ? e.message : String(e) }),
    );
  });
  process.on("disconnect", onParentGone);
}
