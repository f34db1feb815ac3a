// `op-follow --version` (and `op-follow <command> --version`): the package version, and the Node.js
// that runs it (bin/op-follow may pick node_modules' Node 22 over the system's, which is worth seeing).
import { readFileSync } from "node:fs";

export function versionText(): string {
  let version = "unknown";
  try {
    version = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string }).version ?? version;
  } catch {
    // a copy without package.json: still answer
  }
  return `op-follow ${version} (node ${process.version})`;
}
