// docs/failure-modes.md names a test for every row; the names must stay real (a renamed or deleted
// test would silently leave a row unproven). The suite itself runs them.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../helpers/vectors.ts";

const doc = readFileSync(join(PROJECT_ROOT, "docs/failure-modes.md"), "utf8");
const rows = doc.split("\n").filter((l) => /^\| \d+ \|/.test(l));

/** `file › name` references in a cell; `› name` alone continues the previous file. */
function references(cell: string): { file: string; name: string }[] {
  const out: { file: string; name: string }[] = [];
  let file = "";
  for (const m of cell.matchAll(/`(?:(test\/[^`\s]+\.test\.ts) )?› ([^`]+)`/g)) {
    if (m[1]) file = m[1];
    out.push({ file, name: m[2]!.trim() });
  }
  return out;
}

const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The titles of a test file's it()/describe() calls as patterns: a plain string as itself, a template
 * with its `${…}` parts matching anything.
 */
function titles(src: string): RegExp[] {
  const out: RegExp[] = [];
  for (const m of src.matchAll(/\b(?:it|describe)(?:\.each\([^)]*\))?\(\s*(?:"((?:[^"\\]|\\.)*)"|`((?:[^`\\]|\\.)*)`)/g)) {
    const text = m[1] !== undefined ? escape(m[1].replace(/\\"/g, '"')) : m[2]!.split(/\$\{[^}]*\}/).map(escape).join(".+");
    out.push(new RegExp(`^${text}$`));
  }
  return out;
}

describe("docs/failure-modes.md", () => {
  it("has the rows issue 13 asks for", () => {
    expect(rows.length).toBeGreaterThanOrEqual(20);
  });

  it.each(rows.map((r) => [r.split("|")[1]!.trim(), r] as const))("row %s names at least one test, and each named test exists", (_n, row) => {
    const cells = row.split(/(?<!\\)\|/);
    const refs = references(cells.at(-2)!);
    expect(refs.length).toBeGreaterThan(0);
    for (const { file, name } of refs) {
      expect(file, name).not.toBe("");
      const path = join(PROJECT_ROOT, file);
      expect(existsSync(path), file).toBe(true);
      const src = readFileSync(path, "utf8");
      expect(titles(src).some((t) => t.test(name)), `${file} has no test "${name}"`).toBe(true);
    }
  });
});
