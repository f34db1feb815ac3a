// A TCP proxy on loopback that delays every byte by a fixed one-way latency in each direction: a
// modelled WAN link for wan.ts without root (netns + tc netem would need it, and would touch the
// shared machine's loopback). Order is kept; no bandwidth limit, no loss. It delays data, not the
// connection set-up (the proxy accepts at once): a client that opens a fresh connection per request
// pays no extra round trip here, where over a real WAN its TCP handshake would cost one.
import { createConnection, createServer, type Server, type Socket } from "node:net";

export interface DelayProxy {
  /** Where to connect instead of the target. */
  port: number;
  oneWayMs: number;
  /** Connections accepted so far (a client that reuses connections keeps this low). */
  readonly connections: number;
  close(): Promise<void>;
}

/** Forwards `from` → `to` with each chunk written `delayMs` after it was read. */
function pipeDelayed(from: Socket, to: Socket, delayMs: number): void {
  const queue: Array<{ due: number; chunk: Buffer | null }> = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pump = (): void => {
    timer = undefined;
    const now = performance.now();
    while (queue.length && queue[0]!.due <= now + 0.5) {
      const { chunk } = queue.shift()!;
      if (chunk === null) to.end();
      else if (!to.destroyed) to.write(chunk);
    }
    if (queue.length) timer = setTimeout(pump, Math.max(0, queue[0]!.due - performance.now()));
  };
  const push = (chunk: Buffer | null): void => {
    queue.push({ due: performance.now() + delayMs, chunk });
    if (!timer) timer = setTimeout(pump, delayMs);
  };
  from.on("data", (c: Buffer) => push(c));
  from.on("end", () => push(null));
  from.on("close", () => {
    // an abrupt close (reset) goes through at once; a clean end went through the queue
    if (from.errored) to.destroy();
  });
}

export function startDelayProxy(targetPort: number, oneWayMs: number, host = "127.0.0.1"): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    connections++;
    const upstream = createConnection({ host, port: targetPort, allowHalfOpen: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    pipeDelayed(client, upstream, oneWayMs);
    pipeDelayed(upstream, client, oneWayMs);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => {
      const a = server.address();
      if (!a || typeof a !== "object") return reject(new Error("no address"));
      resolve({
        port: a.port,
        oneWayMs,
        get connections() {
          return connections;
        },
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
