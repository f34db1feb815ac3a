// The UDP socket under @chainsafe/discv5, in place of its UDPTransportService for two reasons:
// - that one binds inside start() with no 'error' listener, so a port in use is an uncaught exception
//   that ends the process; here the socket is bound first and a failure is a rejected promise;
// - the port actually bound (port 0 = any) is known before our record is signed, as op-node does
//   (op-node/p2p/discovery.go Config.Discovery: SetFallbackUDP(conn.LocalAddr().Port)).
// IPv4 only, one socket, as op-node binds it (net.ListenUDP on --p2p.listen.ip). Packet coding and the
// multiaddr objects the library expects (its own @multiformats/multiaddr 12) come from the library.
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { EventEmitter } from "node:events";
import type { ITransportService } from "@chainsafe/discv5";
import { decodePacket, encodePacket, MAX_PACKET_SIZE, type IPacket } from "@chainsafe/discv5/packet";
import { getSocketAddressOnENR, multiaddrFromSocketAddress, multiaddrToSocketAddress } from "@chainsafe/discv5/util";
import type { Logger } from "./log.ts";

/** The library's multiaddr type (its @multiformats/multiaddr 12, not ours). */
type LibMultiaddr = ITransportService["bindAddrs"][number];

export interface BoundTransport {
  transport: ITransportService;
  /** the UDP port bound */
  port: number;
}

function ip4Octets(ip: string): Uint8Array {
  return Uint8Array.from(ip.split(".").map(Number));
}

/** Binds a UDP socket on host:port (port 0: any free port). Rejects if the address cannot be bound. */
export async function bindDiscv5Transport(host: string, port: number, nodeId: string, log: Logger): Promise<BoundTransport> {
  const socket = createSocket({ type: "udp4", recvBufferSize: 16 * MAX_PACKET_SIZE, sendBufferSize: MAX_PACKET_SIZE });
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => {
      socket.close();
      reject(new Error(`cannot bind discovery UDP ${host}:${port}: ${e.message}`));
    };
    socket.once("error", onError);
    socket.bind(port, host, () => {
      socket.off("error", onError);
      resolve();
    });
  });
  // After the bind: ICMP errors and the like are logged, never thrown (an unhandled 'error' ends the process).
  socket.on("error", (e) => log.debug("discovery socket error", { err: e }));
  const bound = socket.address().port;
  const transport = new Discv5Transport(socket, multiaddrFromSocketAddress({ ip: { type: 4, octets: ip4Octets(host) }, port: bound }), nodeId, log);
  return { transport: transport as unknown as ITransportService, port: bound };
}

class Discv5Transport extends EventEmitter {
  readonly bindAddrs: LibMultiaddr[];
  readonly ipMode = { ip4: true, ip6: false } as const;
  readonly #socket: Socket;
  readonly #srcId: string;
  readonly #log: Logger;
  #closed = false;

  constructor(socket: Socket, bindAddr: LibMultiaddr, srcId: string, log: Logger) {
    super();
    this.#socket = socket;
    this.#srcId = srcId;
    this.#log = log;
    this.bindAddrs = [bindAddr];
    socket.on("message", this.#incoming);
  }

  /** Already bound. */
  async start(): Promise<void> {}

  async stop(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.off("message", this.#incoming);
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  async send(to: LibMultiaddr, toId: string, packet: IPacket): Promise<void> {
    if (this.#closed) return;
    const s = multiaddrToSocketAddress(to);
    if (s.ip.type !== 4) return; // an IPv6 contact: op-node's IPv4 socket cannot reach it either
    const ip = Array.from(s.ip.octets).join(".");
    this.#socket.send(encodePacket(toId, packet), s.port, ip, (e) => {
      if (e) this.#log.debug("discovery send failed", { to: `${ip}:${s.port}`, err: e });
    });
  }

  getContactableAddr(enr: Parameters<ITransportService["getContactableAddr"]>[0]): ReturnType<ITransportService["getContactableAddr"]> {
    return getSocketAddressOnENR(enr, this.ipMode);
  }

  #incoming = (data: Buffer, rinfo: RemoteInfo): void => {
    const src = multiaddrFromSocketAddress({ ip: { type: 4, octets: ip4Octets(rinfo.address) }, port: rinfo.port });
    let packet: IPacket;
    try {
      packet = decodePacket(this.#srcId, data);
    } catch (e) {
      this.emit("decodeError", e, src);
      return;
    }
    // The library handles the packet synchronously, inside this socket handler: a throw there (a
    // malformed message it did not expect) must not end the process.
    try {
      this.emit("packet", src, packet);
    } catch (e) {
      this.#log.debug("discovery packet not handled", { from: `${rinfo.address}:${rinfo.port}`, err: e });
    }
  };
}
