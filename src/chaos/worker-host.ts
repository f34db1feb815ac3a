// The Worker under `wrangler dev --local` for the chaos run, restartable: the same port (the relays
// keep their --worker-url) and the same --persist-to (the Durable Object's SQLite storage survives the
// restart, as a deployed object's does).
import { startWorkerDev, type WorkerChainEntry, type WorkerDev } from "../devnet/worker-dev.ts";
import { groupMembers, type ProcRef } from "./memory.ts";

export interface WorkerHostOptions {
  chain: WorkerChainEntry;
  relaySecrets: Record<string, string>;
  adminToken: string;
  persistTo: string;
  rpcTimeoutMs: number;
  /** Chosen beforehand, so the relays can be given the URL while wrangler dev starts. */
  port: number;
  onLine: (line: string) => void;
}

const CLOSED = "the Worker host is shut down";

export class WorkerHost {
  readonly #o: WorkerHostOptions;
  #dev: WorkerDev | undefined;
  readonly #port: number;
  /** Aborted by shutdown(): a start in progress (a restart the run gave up on) stops its wrangler. */
  readonly #closing = new AbortController();
  #starting: Promise<void> | undefined;
  incarnation = 0;
  /** How long each start took (ms), the first included. */
  readonly startsMs: number[] = [];

  constructor(o: WorkerHostOptions) {
    this.#o = o;
    this.#port = o.port;
  }

  /** Its origin, also while it is down. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get up(): boolean {
    return this.#dev !== undefined;
  }

  start(): Promise<void> {
    const p = this.#start();
    this.#starting = p.catch(() => undefined);
    return p;
  }

  async #start(): Promise<void> {
    const o = this.#o;
    // A port just released can still be held a moment (TIME_WAIT does not block a listen, another
    // process binding it would): a few tries.
    for (let attempt = 1; ; attempt++) {
      if (this.#closing.signal.aborted) throw new Error(CLOSED);
      const t0 = performance.now();
      let dev: WorkerDev;
      try {
        dev = await startWorkerDev({
          chains: [o.chain],
          relaySecrets: o.relaySecrets,
          adminToken: o.adminToken,
          rpcTimeoutMs: o.rpcTimeoutMs,
          persistTo: o.persistTo,
          port: this.#port,
          onOutput: (l) => o.onLine(`wrangler: ${l}`),
          startTimeoutMs: 90_000,
          signal: this.#closing.signal,
        });
      } catch (e) {
        if (attempt >= 3 || this.#closing.signal.aborted) throw e;
        o.onLine(`chaos: wrangler dev did not start (${(e as Error).message.split("\n")[0]}); trying again`);
        await new Promise((r) => setTimeout(r, 1_000));
        continue;
      }
      if (this.#closing.signal.aborted) {
        await dev.stop();
        throw new Error(CLOSED);
      }
      this.#dev = dev;
      this.startsMs.push(Math.round(performance.now() - t0));
      this.incarnation++;
      return;
    }
  }

  /** Stops wrangler and its workerd: SIGKILL = a crash; SIGTERM = a clean stop (SIGKILL after 5 s). */
  async stop(signal: "SIGKILL" | "SIGTERM" = "SIGTERM"): Promise<void> {
    const dev = this.#dev;
    this.#dev = undefined;
    if (!dev) return;
    if (signal === "SIGKILL") {
      try {
        process.kill(-dev.pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
    await dev.stop();
  }

  /** Stops it for good: no start after this one, and one in progress stops its wrangler first. */
  async shutdown(): Promise<void> {
    this.#closing.abort();
    await this.#starting;
    await this.stop();
  }

  async restart(signal: "SIGKILL" | "SIGTERM"): Promise<void> {
    await this.stop(signal);
    await this.start();
  }

  /** wrangler's node process and the workerd processes in its group. */
  refs(): ProcRef[] {
    const dev = this.#dev;
    if (!dev) return [];
    const refs: ProcRef[] = [{ name: "wrangler", role: "wrangler", pid: dev.pid, incarnation: this.incarnation }];
    const workerds = groupMembers(dev.pid).filter((m) => m.pid !== dev.pid && m.comm.includes("workerd"));
    workerds.forEach((m, i) => refs.push({ name: i ? `workerd-${i + 1}` : "workerd", role: "workerd", pid: m.pid, incarnation: this.incarnation }));
    return refs;
  }
}
