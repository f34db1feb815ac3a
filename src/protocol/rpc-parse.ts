// The validating pieces the RPC JSON parsers (rpc-block.ts) are built from: geth hexutil quantities
// and byte strings checked by shape and size, members read by JSON path, and `guard`, which turns the
// first failure into `{ ok: false, error: { path, message } }` so that no parser ever throws.
import type { Address, Hash, Hex } from "./types.ts";

/** Where parsing failed (a JSON path such as `transactions[3].r`) and why. */
export interface RpcBlockError {
  path: string;
  message: string;
}

export type RpcParseResult<T> = { ok: true; value: T } | { ok: false; error: RpcBlockError };


export class Fail extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export const own = (o: Obj, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);

// geth hexutil: quantities are 0x-prefixed, non-empty and without leading zeros ("0x0" for zero).
export const QUANTITY = /^0x(0|[1-9a-fA-F][0-9a-fA-F]*)$/;
export // No capturing group: V8 keeps backtrack state per captured iteration and overflows its regexp stack
// ("Maximum call stack size exceeded") on a value over 4 MiB, e.g. one large transaction's input.
const DATA = /^0x(?:[0-9a-fA-F]{2})*$/;

export function describe(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (typeof v === "string") return v.length > 80 ? `"${v.slice(0, 77)}..."` : `"${v}"`;
  return typeof v;
}

export function quantity(v: unknown, path: string, bits: number): bigint {
  if (typeof v !== "string" || !QUANTITY.test(v)) throw new Fail(path, `expected a hex quantity, got ${describe(v)}`);
  if ((v.length - 2) * 4 > bits + 3) throw new Fail(path, `exceeds ${bits} bits`);
  const x = BigInt(v);
  if (x >> BigInt(bits) !== 0n) throw new Fail(path, `exceeds ${bits} bits`);
  return x;
}

export function data(v: unknown, path: string, bytes?: number): Hex {
  if (typeof v !== "string" || !DATA.test(v)) throw new Fail(path, `expected 0x-prefixed hex bytes, got ${describe(v)}`);
  if (bytes !== undefined && v.length !== 2 + 2 * bytes) throw new Fail(path, `expected ${bytes} bytes, got ${(v.length - 2) / 2}`);
  return v.toLowerCase() as Hex;
}

export const hash = (v: unknown, path: string): Hash => data(v, path, 32);
export const address = (v: unknown, path: string): Address => data(v, path, 20);
export const u64 = (v: unknown, path: string): bigint => quantity(v, path, 64);
export const u256 = (v: unknown, path: string): bigint => quantity(v, path, 256);

export function field<T>(o: Obj, key: string, base: string, parse: (v: unknown, path: string) => T): T {
  return parse(own(o, key), `${base}.${key}`);
}

export function optionalField<T>(o: Obj, key: string, base: string, parse: (v: unknown, path: string) => T): T | undefined {
  const v = own(o, key);
  return v === undefined ? undefined : parse(v, `${base}.${key}`);
}

/** Present-but-null and absent both give null (op-geth's `*T` fields serialise nil as null). */
export function nullable<T>(o: Obj, key: string, base: string, parse: (v: unknown, path: string) => T): T | null {
  const v = own(o, key);
  return v === undefined || v === null ? null : parse(v, `${base}.${key}`);
}

export function array<T>(v: unknown, path: string, item: (v: unknown, path: string) => T): T[] {
  if (!Array.isArray(v)) throw new Fail(path, `expected an array, got ${describe(v)}`);
  return v.map((x, i) => item(x, `${path}[${i}]`));
}

export function object(v: unknown, path: string): Obj {
  if (!isObj(v)) throw new Fail(path, `expected an object, got ${describe(v)}`);
  return v;
}

/** Runs a parser built from these pieces; never throws. */
export function guard<T>(f: () => T): RpcParseResult<T> {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, error: { path: e.path, message: e.message } };
    // Defensive: hostile inputs (getters, proxies) must not escape as exceptions either.
    return { ok: false, error: { path: "", message: `unexpected input: ${e instanceof Error ? e.message : String(e)}` } };
  }
}
