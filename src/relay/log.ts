// Structured logs, one line per event: JSON objects (the default, for log shippers) or op-node's
// terminal format (go-ethereum log.TerminalFormat: `INFO [12-01|07:46:02.314] message  key=value`).
// Fields are caller-supplied; never pass secrets or keys.
export type LogLevel = "debug" | "info" | "warn" | "error";
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];
export type LogFormat = "json" | "text";
export const LOG_FORMATS: readonly LogFormat[] = ["json", "text"];

export function isLogFormat(s: string): s is LogFormat {
  return (LOG_FORMATS as readonly string[]).includes(s);
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
  enabled(level: LogLevel): boolean;
}

export type LogSink = (line: string) => void;

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

function jsonValue(_key: string, v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Error) return { name: v.name, message: v.message, ...(v.cause !== undefined ? { cause: String(v.cause) } : {}) };
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  return v;
}

const pad2 = (n: number): string => String(n).padStart(2, "0");

/** geth's terminal timestamp: 01-02|15:04:05.000, local time */
function terminalTime(d: Date): string {
  return `${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}|${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

/** A value as geth's logfmt writes it: bare when it has no space, quote or `=`, else quoted. */
function terminalValue(v: unknown): string {
  const j = v instanceof Error ? v.message + (v.cause !== undefined ? `: ${String(v.cause)}` : "") : jsonValue("", v);
  const s = typeof j === "string" ? j : JSON.stringify(j, jsonValue) ?? String(j);
  return typeof j === "string" && (s === "" || /[\s"=\\]/.test(s)) ? JSON.stringify(s) : s;
}

/** One line in op-node's text format: level (5 wide), time, message padded to 40, then key=value. */
export function formatText(level: LogLevel, msg: string, fields: LogFields, now = new Date()): string {
  const lvl = (level === "warn" ? "WARN" : level.toUpperCase()).padEnd(5);
  const kv = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${terminalValue(v)}`)
    .join(" ");
  return `${lvl}[${terminalTime(now)}] ${kv ? msg.padEnd(40) + " " + kv : msg}`;
}

export function createLogger(opts: { level?: LogLevel; format?: LogFormat; sink?: LogSink; fields?: LogFields } = {}): Logger {
  const min = RANK[opts.level ?? "info"];
  const sink: LogSink = opts.sink ?? ((line) => process.stderr.write(line + "\n"));
  const base = opts.fields ?? {};
  const text = opts.format === "text";
  const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (RANK[level] < min) return;
    let line: string;
    try {
      line = text ? formatText(level, msg, { ...base, ...fields }) : JSON.stringify({ ts: new Date().toISOString(), level, msg, ...base, ...fields }, jsonValue);
    } catch {
      line = text ? formatText(level, msg, { logError: "unserialisable fields" }) : JSON.stringify({ ts: new Date().toISOString(), level, msg, logError: "unserialisable fields" });
    }
    sink(line);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger({ level: opts.level ?? "info", ...(opts.format ? { format: opts.format } : {}), sink, fields: { ...base, ...fields } }),
    enabled: (level) => RANK[level] >= min,
  };
}

/** A logger that discards everything (tests). */
export const silentLogger: Logger = createLogger({ level: "error", sink: () => {} });
