// Flags of the long-running commands (`op-follow relay`, `op-follow publish`): one table per command
// drives node:util parseArgs, the environment fallback (flags win, then the environment, then the
// default) and --help.
//
// The environment rule, with no exception: --foo-bar of `op-follow <command>` is
// OP_FOLLOW_<COMMAND>_FOO_BAR (envNameOf); a secret read from a file (--x-file) may instead be given
// itself in OP_FOLLOW_<COMMAND>_X. Names that broke the rule are still read, with a warning. Values are checked through `Flags`, which collects every problem so that
// one CliConfigError tells the operator everything that is wrong at once.
import { parseArgs } from "node:util";
import { readBoundedFile } from "../node/bounded-file.ts";

/** A secret (relay secret, signer key) is a line of text: a larger file is not one. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

export interface FlagSpec {
  name: string;
  /** an older environment variable name (after the prefix), still read with a deprecation warning */
  deprecatedEnv?: string;
  multiple?: boolean;
  /** a switch without a value (`--unsafe`); its environment variable takes true/false, 1/0, on/off */
  boolean?: boolean;
  arg: string;
  help: string;
  default?: string;
}

export interface FlagTable {
  flags: readonly FlagSpec[];
  /** e.g. OP_FOLLOW_RELAY_ */
  envPrefix: string;
  /** the example in duration errors: "like <it> or 500ms" */
  durationExample: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** `warnings`: things to tell the operator that do not stop the command (deprecated names). */
export type ParsedArgs<C> = { help: true } | { help: false; config: C; warnings?: string[] };

/** The environment variable of a flag: <prefix> + the flag's name upper-cased, dashes as underscores. */
export function envNameOf(prefix: string, flag: string): string {
  return prefix + flag.toUpperCase().replace(/-/g, "_");
}

export class CliConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join("\n"));
    this.problems = problems;
  }
}

/** A chain id given as decimal or 0x-hex; undefined unless positive and within uint64. */
export function parseChainId(s: string): bigint | undefined {
  const t = s.trim();
  if (!/^(?:[1-9]\d{0,19}|0[xX][0-9a-fA-F]{1,16})$/.test(t)) return undefined;
  const id = BigInt(t);
  return id > 0n && id <= 0xffffffffffffffffn ? id : undefined;
}

/** 500ms, 30s, 5m, 1h, 1.5s; a bare number is milliseconds. */
export function parseDuration(s: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) return null;
  const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? "ms") as "ms" | "s" | "m" | "h"];
  const v = Math.round(Number(m[1]) * mult);
  return Number.isFinite(v) ? v : null;
}

/** `head` (usage line and description), then every flag with its default and environment variable. */
export function renderUsage(table: FlagTable, head: readonly string[]): string {
  const lines = [...head, "", "Options (each also read from the environment variable shown; flags win):"];
  for (const f of table.flags) {
    lines.push(f.boolean ? `  --${f.name}` : `  --${f.name} ${f.arg}`);
    lines.push(`      ${f.help}${f.default !== undefined ? ` (default: ${f.default})` : ""}`);
    lines.push(`      env: ${envNameOf(table.envPrefix, f.name)}`);
  }
  lines.push("  -h, --help", "      show this help", "", "  --version", "      print the version", "", "Durations: 500ms, 30s, 5m, 1h. Stop with SIGINT, SIGTERM or SIGHUP.");
  return lines.join("\n") + "\n";
}

/** null for --help; unknown flags and stray arguments throw a CliConfigError. */
export function parseFlags(argv: string[], env: Env, table: FlagTable): Flags | null {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> = { help: { type: "boolean", short: "h" } };
  for (const f of table.flags) options[f.name] = { type: f.boolean ? "boolean" : "string", ...(f.multiple ? { multiple: true } : {}) };
  let values: FlagValues;
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    if (r.positionals.length) throw new Error(`unexpected argument: ${r.positionals[0]}`);
    values = r.values as FlagValues;
  } catch (e) {
    throw new CliConfigError([(e as Error).message.replace(/\. To specify a positional.*$/s, "")]);
  }
  return values.help === true ? null : new Flags(table, values, env);
}

type FlagValues = Record<string, string | string[] | boolean | undefined>;

/** Reads flags over environment over defaults; a value that does not check out is recorded in `problems`. */
export class Flags {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];
  private readonly table: FlagTable;
  private readonly values: FlagValues;
  private readonly env: Env;

  constructor(table: FlagTable, values: FlagValues, env: Env) {
    this.table = table;
    this.values = values;
    this.env = env;
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  /** The configuration read, unless a problem was recorded: then a CliConfigError listing them all. */
  result<C>(config: C): ParsedArgs<C> {
    if (this.problems.length) throw new CliConfigError(this.problems);
    return { help: false, config, ...(this.warnings.length ? { warnings: [...this.warnings] } : {}) };
  }

  /** The full name of an environment variable of this command. */
  envName(suffix: string): string {
    return this.table.envPrefix + suffix;
  }

  private spec(name: string): FlagSpec {
    const f = this.table.flags.find((x) => x.name === name);
    if (!f) throw new Error(`no flag --${name}`);
    return f;
  }

  /** The flag's environment variable, or its deprecated name (with a warning); empty counts as unset. */
  private fromEnv(f: FlagSpec): string | undefined {
    const name = envNameOf(this.table.envPrefix, f.name);
    const e = this.env[name];
    if (e !== undefined && e !== "") return e;
    if (!f.deprecatedEnv) return undefined;
    const old = this.envName(f.deprecatedEnv);
    const d = this.env[old];
    if (d === undefined || d === "") return undefined;
    const w = `${old} is deprecated: use ${name}`;
    if (!this.warnings.includes(w)) this.warnings.push(w);
    return d;
  }

  /** Was the flag given, on the command line or in the environment? */
  given(name: string): boolean {
    return this.values[name] !== undefined || this.fromEnv(this.spec(name)) !== undefined;
  }

  one(name: string): string | undefined {
    const f = this.spec(name);
    const v = this.values[name];
    if (typeof v === "string") return v;
    return this.fromEnv(f) ?? f.default;
  }

  /** A switch: the flag, else its environment variable (true/false, 1/0, on/off), else the default. */
  bool(name: string): boolean {
    const f = this.spec(name);
    if (this.values[name] === true) return true;
    const e = (this.fromEnv(f) ?? f.default ?? "").trim().toLowerCase();
    if (e === "" || e === "false" || e === "0" || e === "off") return false;
    if (e === "true" || e === "1" || e === "on") return true;
    this.problem(`${envNameOf(this.table.envPrefix, f.name)}: expected true or false, got "${e}"`);
    return false;
  }

  /** Repeated flags, or the environment variable; either may also be comma-separated. */
  many(name: string): string[] {
    const f = this.spec(name);
    const v = this.values[name];
    const raw = Array.isArray(v) && v.length ? v : (this.fromEnv(f) ?? f.default ?? "").split(",");
    return raw.flatMap((s) => s.split(",")).map((s) => s.trim()).filter((s) => s.length > 0);
  }

  int(name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const s = this.one(name) ?? "";
    if (!/^-?\d+$/.test(s) || Number(s) < min || Number(s) > max) {
      this.problem(`--${name}: expected an integer in [${min}, ${max}], got "${s}"`);
      return min;
    }
    return Number(s);
  }

  num(name: string, check: (n: number) => boolean, what: string): number {
    const s = this.one(name) ?? "";
    const n = Number(s);
    if (s === "" || !Number.isFinite(n) || !check(n)) {
      this.problem(`--${name}: expected ${what}, got "${s}"`);
      return 0;
    }
    return n;
  }

  /** In milliseconds. */
  duration(name: string, minMs: number): number {
    const s = this.one(name) ?? "";
    const d = parseDuration(s);
    if (d === null || d < minMs) {
      this.problem(`--${name}: expected a duration ≥ ${minMs} ms like ${this.table.durationExample} or 500ms, got "${s}"`);
      return minMs;
    }
    return d;
  }

  /** A required http(s) URL, as given. */
  url(name: string): string {
    const s = this.one(name);
    if (!s) {
      this.problem(`--${name} is required`);
      return "";
    }
    try {
      const u = new URL(s);
      if (u.protocol !== "http:" && u.protocol !== "https:") this.problem(`--${name}: expected http(s), got "${s}"`);
    } catch {
      this.problem(`--${name}: not a URL: "${s}"`);
    }
    return s;
  }

  /** A chain id: decimal or 0x-hex, positive, fitting a uint64 (as op-node takes it). */
  chainId(name: string, s: string): bigint | undefined {
    const id = parseChainId(s);
    if (id === undefined) this.problem(`--${name}: "${s}" is not a chain id (a positive decimal like 901 or hex like 0x385, at most 2^64-1)`);
    return id;
  }

  /**
   * A secret from the file named by --<fileFlag> (one trailing line end dropped: files end with one) or
   * from the environment variable <prefix><envSuffix> itself, never both. `where` names the source for
   * messages, which must never echo the secret.
   */
  async secret(fileFlag: string, envSuffix: string, noun: string): Promise<{ text: string; where: string } | undefined> {
    const file = this.one(fileFlag);
    const envName = this.envName(envSuffix);
    const inEnv = this.env[envName];
    if (file && inEnv) this.problem(`give the ${noun} either with --${fileFlag} or in ${envName}, not both`);
    else if (file) {
      try {
        const f = await readBoundedFile(file, MAX_SECRET_FILE_BYTES, `--${fileFlag}`);
        if (f) return { text: f.bytes.toString("utf8").replace(/\r?\n$/, ""), where: `--${fileFlag} ${file}` };
        this.problem(`--${fileFlag}: cannot read ${file}: ENOENT`);
      } catch (e) {
        this.problem((e as Error).message);
      }
    } else if (inEnv) return { text: inEnv, where: envName };
    else this.problem(`a ${noun} is required: --${fileFlag} <path> or ${envName}`);
    return undefined;
  }
}
