// Checks real Worker answers against the OpenAPI document it serves (GET /openapi.json): the status
// must be documented for the route, the content type too, and a JSON body must validate against the
// documented schema (@cfworker/json-schema, draft 2020-12: OpenAPI 3.1's dialect). Every checked
// (method, path, status) is recorded, so a test can show each documented answer was produced.
import { Validator, type Schema as JsonSchema } from "@cfworker/json-schema";
import { env, SELF } from "cloudflare:test";
import app from "../../src/worker/index.ts";
import type { WorkerEnv } from "../../src/worker/env.ts";

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>; components: object };

export type Method = "get" | "post";

let served: Doc | undefined;
export async function servedDocument(): Promise<Doc> {
  return (served ??= (await (await SELF.fetch("http://follower/openapi.json")).json()) as Doc);
}

/** Every documented answer as "METHOD path status". */
export function documentedAnswers(doc: Doc): string[] {
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).flatMap(([method, op]) => Object.keys(op.responses).map((s) => `${method.toUpperCase()} ${path} ${s}`)));
}

export const produced = new Set<string>();

/** Validates `res` against the document; returns the parsed JSON body (or the raw bytes). */
export async function conforms(method: Method, path: string, res: Response): Promise<any> {
  const doc = await servedDocument();
  const op = doc.paths[path]?.[method];
  if (!op) throw new Error(`${method.toUpperCase()} ${path} is not in the document`);
  const documented = op.responses[String(res.status)];
  const body = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(body);
  if (!documented) throw new Error(`${method.toUpperCase()} ${path}: status ${res.status} is not documented (body ${text.slice(0, 300)})`);
  const type = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
  const media = documented.content?.[type];
  if (!media) throw new Error(`${method.toUpperCase()} ${path} ${res.status}: content type "${type}" is not documented`);
  produced.add(`${method.toUpperCase()} ${path} ${res.status}`);
  if (type !== "application/json") return body;
  const value = JSON.parse(text);
  const v = new Validator({ ...media.schema, components: doc.components } as JsonSchema, "2020-12", false);
  const out = v.validate(value);
  if (!out.valid) throw new Error(`${method.toUpperCase()} ${path} ${res.status}: the body does not match its schema:\n${JSON.stringify(out.errors.slice(0, 6), null, 1)}\nbody: ${text.slice(0, 800)}`);
  return value;
}

/** The Worker itself (the same app as SELF, the same Durable Objects) with some settings changed. */
export function fetchWith(vars: Partial<Record<"CHAINS" | "MAX_BLOCK_BYTES" | "ADMIN_TOKEN", string>>, input: string, init?: RequestInit): Promise<Response> {
  const e = { ...(env as unknown as WorkerEnv), ...vars };
  return Promise.resolve(app.fetch(new Request(`http://follower${input}`, init), e, { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext));
}
