// The front door of a long-running command: parse its arguments, print --help or the configuration
// problems, and say with which exit code to stop when there is nothing to run.
import { CliConfigError, type Env, type ParsedArgs } from "./flags.ts";

export interface CommandIo {
  env?: Env;
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
}

/**
 * The configuration to run with; or the exit code after printing: 0 for --help (usage on stdout), 2 for
 * a bad configuration (every problem on stderr).
 */
export async function configOrExit<C extends object>(
  command: string,
  io: CommandIo,
  parse: (env: Env) => Promise<ParsedArgs<C>>,
  usage: () => string,
): Promise<C | number> {
  const out = io.stdout ?? ((s: string) => void process.stdout.write(s));
  const err = io.stderr ?? ((s: string) => void process.stderr.write(s));
  let parsed: ParsedArgs<C>;
  try {
    parsed = await parse(io.env ?? process.env);
  } catch (e) {
    if (!(e instanceof CliConfigError)) throw e;
    err(`op-follow ${command}: invalid configuration:\n${e.problems.map((p) => `  - ${p}`).join("\n")}\nRun 'op-follow ${command} --help' for usage.\n`);
    return 2;
  }
  if (parsed.help) {
    out(usage());
    return 0;
  }
  for (const w of parsed.warnings ?? []) err(`op-follow ${command}: warning: ${w}\n`);
  return parsed.config;
}
