// Structured JSON logs, one object per line. Fields are caller-supplied; never pass secrets or keys.
export type LogLevel = "debug" | "info" | "warn" | "error";
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

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

export function createLogger(opts: { level?: LogLevel; sink?: LogSink; fields?: LogFields } = {}): Logger {
  const min = RANK[opts.level ?? "info"];
  const sink: LogSink = opts.sink ?? ((line) => process.stderr.write(line + "\n"));
  const base = opts.fields ?? {};
  const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (RANK[level] < min) return;
    let line: string;
    try {
      line = JSON.stringify({ ts: new Date().toISOString(), level, msg, ...base, ...fields }, jsonValue);
    } catch {
      line = JSON.stringify({ ts: new Date().toISOString(), level, msg, logError: "unserialisable fields" });
    }
    sink(line);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger({ level: opts.level ?? "info", sink, fields: { ...base, ...fields } }),
    enabled: (level) => RANK[level] >= min,
  };
}

/** A logger that discards everything (tests). */
export const silentLogger: Logger = createLogger({ level: "error", sink: () => {} });
