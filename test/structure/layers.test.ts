// The folders of src/ form layers: a folder imports only from folders below it, so there is no import
// circle between folders (issue 15 item 5). The order is stated here once; a new import that goes
// upward, or a new folder, fails this test until the order is decided.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "../../src");

/** Lowest first. A folder may import from any folder earlier in this list, never later. */
const LAYERS = [
  "types",
  "protocol",
  "node", // Node-only helpers for the core (WASM loading, files)
  "checks", // the RPC checks against the follower's nodes, and the settings they read
  "durable",
  "worker",
  "flags", // CLI flag machinery shared by every command
  "process", // signals and lifecycle of long-running commands
  "relay",
  "publisher",
  "devnet",
  "chaos",
  "cli", // the `op-follow` entry point, above every command
] as const;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Every cross-folder import as "from → to (file)". */
function crossImports(): { from: string; to: string; file: string }[] {
  const out: { from: string; to: string; file: string }[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = relative(SRC, file).split("/")[0]!;
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
      const target = relative(SRC, normalize(join(dirname(file), m[1]!)));
      const parts = target.split("/");
      if (parts.length < 2 || parts[0] === "..") continue;
      if (parts[0] !== from) out.push({ from, to: parts[0]!, file: relative(SRC, file) });
    }
  }
  return out;
}

describe("src/ layers", () => {
  it("every folder of src/ has a place in the order", () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((f) => !(LAYERS as readonly string[]).includes(f))).toEqual([]);
  });

  it("no folder imports from a folder above it (so no import circle between folders)", () => {
    const rank = (f: string): number => (LAYERS as readonly string[]).indexOf(f);
    const upward = crossImports()
      .filter((i) => rank(i.to) > rank(i.from))
      .map((i) => `${i.file} → ${i.to}/`);
    expect(upward).toEqual([]);
  });

  it("the Worker's checks and the Durable Objects never import the Worker", () => {
    const bad = crossImports().filter((i) => (i.from === "checks" || i.from === "durable") && i.to === "worker");
    expect(bad).toEqual([]);
  });
});
