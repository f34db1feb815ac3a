// `op-follow <command>`: dispatches to the command modules.
import { runInspect } from "./inspect.ts";
import { versionText } from "./version.ts";

const USAGE = `usage: op-follow <command> [options]

commands:
  inspect   validate one gossip envelope and print the verdict as JSON
  relay     run the gossip relay (subscribe, forward to the Worker, report verdicts)
  publish   sequencer side: sign and gossip cross-safe blocks
  devnet    run everything locally: chain, publisher, relay, Worker

Run \`op-follow <command> --help\` for a command's options, \`op-follow --version\` for the version.`;

/** `--version` among a command's arguments (before a "--"). inspect has its own --version <v1..v4>. */
function asksVersion(args: string[]): boolean {
  const end = args.indexOf("--");
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === "--version" || a === "-V");
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === "--version" || cmd === "-V" || cmd === "version" || (cmd !== "inspect" && cmd !== undefined && asksVersion(rest))) {
    console.log(versionText());
    return 0;
  }
  switch (cmd) {
    case "inspect":
      return runInspect(rest);
    case "relay": {
      const { runRelay } = await import("../relay/cli.ts");
      await runRelay(rest);
      return typeof process.exitCode === "number" ? process.exitCode : 0;
    }
    case "publish": {
      const { runPublish } = await import("../publisher/cli.ts");
      return runPublish(rest);
    }
    case "devnet": {
      const { runDevnet } = await import("../devnet/devnet.ts");
      return runDevnet(rest);
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      console.error(`op-follow: unknown command "${cmd}"\n\n${USAGE}`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
