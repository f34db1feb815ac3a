// Reading a JSON configuration file so that every error names the file, and the line and column
// where it can be fixed: a syntax error where the text goes wrong, a bad value at its key.
import { readFileSync } from "node:fs";
import { lineCol, locateJson } from "./json-locate.ts";

export class ConfigFileError extends Error {}

/** `path`'s JSON, checked by `parse` (which throws an Error whose message may name `field "a.b"`). */
export function readJsonConfig<T>(path: string, parse: (json: unknown) => T): T {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigFileError(`${path}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const at = locateJson(text).errorAt ?? text.length;
    const { line, col } = lineCol(text, at);
    const what = at >= text.length ? "the file ends too early" : `unexpected ${JSON.stringify(text[at])}`;
    throw new ConfigFileError(`${path}:${line}:${col}: not valid JSON: ${what}`);
  }
  try {
    return parse(json);
  } catch (e) {
    const msg = (e as Error).message;
    const field = /field "([^"]+)"/.exec(msg)?.[1];
    const at = field === undefined ? undefined : locateJson(text).keys.get(field);
    if (at === undefined) throw new ConfigFileError(`${path}: ${msg}`);
    const { line, col } = lineCol(text, at);
    throw new ConfigFileError(`${path}:${line}:${col}: ${msg}`);
  }
}
