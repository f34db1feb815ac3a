// Where a JSON text goes wrong, and where each object key sits, so that a configuration error can
// name file:line:col. JSON.parse's own messages give a position only for some errors (V8 12: "Unexpected
// token 'x', "…whole text…" is not valid JSON" has none), so this re-scans the text (RFC 8259 grammar).

export interface JsonLocation {
  /** offset of the first character that makes the text invalid (text.length: it ends too early) */
  errorAt?: number;
  /** "a.b.c" → offset of that key's opening quote (array elements are not in the path) */
  keys: Map<string, number>;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function locateJson(text: string): JsonLocation {
  const keys = new Map<string, number>();
  const n = text.length;
  let i = 0;
  const fail = (): never => {
    throw new SyntaxAt(i);
  };
  const ws = (): void => {
    while (i < n && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const string = (): string => {
    const start = ++i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) return text.slice(start, i++);
      if (c === 0x5c) {
        i++;
        if (text[i] === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 5;
        } else if (i < n && '"\\/bfnrt'.includes(text[i]!)) i++;
        else fail();
      } else if (c < 0x20) fail();
      else i++;
    }
    return fail();
  };
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const at = i;
        const key = string();
        const p = path ? `${path}.${key}` : key;
        if (!keys.has(p)) keys.set(p, at);
        ws();
        if (text[i] !== ":") fail();
        i++;
        value(p);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return void i++;
        else fail();
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (;;) {
        value(path);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return void i++;
        else fail();
      }
    }
    if (c === '"') return void string();
    for (const lit of ["true", "false", "null"]) {
      if (text.startsWith(lit, i)) return void (i += lit.length);
    }
    NUMBER.lastIndex = i;
    if (!NUMBER.test(text)) fail();
    i = NUMBER.lastIndex;
  };
  try {
    value("");
    ws();
    if (i < n) fail();
    return { keys };
  } catch (e) {
    if (e instanceof SyntaxAt) return { errorAt: Math.min(e.at, n), keys };
    throw e;
  }
}

class SyntaxAt {
  readonly at: number;
  constructor(at: number) {
    this.at = at;
  }
}

/** 1-based line and column of an offset. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text[k] === "\n") {
      line++;
      start = k + 1;
    }
  }
  return { line, col: offset - start + 1 };
}
