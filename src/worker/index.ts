import keccakModule from "../protocol/keccak/keccak.wasm";
import { installKeccakWasm, keccakBackend } from "../protocol/keccak/index.ts";
import { DurableObject } from "cloudflare:workers";

installKeccakWasm(keccakModule);

export class ChainHead extends DurableObject {}

export default {
  async fetch(_req: Request): Promise<Response> {
    return Response.json({ ok: true, keccak: keccakBackend() });
  },
} satisfies ExportedHandler;
