// Flags of the long-running commands (`op-follow relay`, `op-follow publish`): one table per command
// drives node:util parseArgs, the environment fallback (<prefix><ENV>; flags win, then the environment,
// then the default) and --help. Values are checked through `Flags`, which collects every problem so that
// one CliConfigError tells the operator everything that is wrong at once.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";

export interface FlagSpec {
  name: string;
  /** environment variable, after the command's prefix */
  env: string;
  multiple?: boolean;
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

export type ParsedArgs<C> = { help: true } | { help: false; config: C };

export class CliConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join("\n"));
    this.problems = problems;
  }
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
    lines.push(`  --${f.name} ${f.arg}`);
    lines.push(`      ${f.help}${f.default !== undefined ? ` (default: ${f.default})` : ""}`);
    lines.push(`      env: ${table.envPrefix}${f.env}`);
  }
  lines.push("  -h, --help", "      show this help", "", "Durations: 500ms, 30s, 5m, 1h. Stop with SIGINT or SIGTERM.");
  return lines.join("\n") + "\n";
}

/** null for --help; unknown flags and stray arguments throw a CliConfigError. */
export function parseFlags(argv: string[], env: Env, table: FlagTable): Flags | null {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> = { help: { type: "boolean", short: "h" } };
  for (const f of table.flags) options[f.name] = { type: "string", ...(f.multiple ? { multiple: true } : {}) };
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
    return { help: false, config };
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

  /** Whether the flag or its environment variable was given (an empty variable counts as unset). */
  isSet(name: string): boolean {
    const f = this.spec(name);
    const v = this.values[name];
    if (typeof v === "string" || (Array.isArray(v) && v.length > 0)) return true;
    const e = this.env[this.envName(f.env)];
    return e !== undefined && e !== "";
  }

  /** An empty environment variable counts as unset. */
  one(name: string): string | undefined {
    const f = this.spec(name);
    const v = this.values[name];
    if (typeof v === "string") return v;
    const e = this.env[this.envName(f.env)];
    if (e !== undefined && e !== "") return e;
    return f.default;
  }

  /** Repeated flags, or the environment variable; either may also be comma-separated. */
  many(name: string): string[] {
    const f = this.spec(name);
    const v = this.values[name];
    const raw = Array.isArray(v) && v.length ? v : (this.env[this.envName(f.env)] ?? f.default ?? "").split(",");
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

  /** A positive decimal that fits a uint64 (a chain id as op-node takes it). */
  chainId(name: string, s: string): bigint | undefined {
    if (!/^[1-9]\d{0,19}$/.test(s) || BigInt(s) > 0xffffffffffffffffn) {
      this.problem(`--${name}: "${s}" is not a positive decimal chain id`);
      return undefined;
    }
    return BigInt(s);
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
        return { text: (await readFile(file, "utf8")).replace(/\r?\n$/, ""), where: `--${fileFlag} ${file}` };
      } catch (e) {
        this.problem(`--${fileFlag}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    } else if (inEnv) return { text: inEnv, where: envName };
    else this.problem(`a ${noun} is required: --${fileFlag} <path> or ${envName}`);
    return undefined;
  }
}
