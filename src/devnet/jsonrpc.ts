// JSON-RPC 2.0 as go-ethereum's rpc package serves it (op-geth and op-node both use it; read at
// ethereum-optimism/op-geth @ 7b56c731 rpc/{json,handler,server,http,errors}.go):
// - a JSON syntax error → {"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}
// - an empty batch → -32600 "empty batch"; a message that is not a call → -32600 "invalid request"
//   (with its id when it has a valid one); a notification (no id) gets no response
// - unknown method → -32601 "the method X does not exist/is not available"
// - arguments (parsePositionalArguments) → -32602 "non-array args", "too many arguments, want at
//   most N", "missing value for required argument N", "invalid argument N: <decoder error>"
// - errors a method returns → -32000 with the error text
// - every response line ends with "\n" (json.Encoder).
// The argument decoders below reproduce the messages of geth's hexutil / rpc.BlockNumber decoders.

export class RpcError extends Error {
  readonly code: number;
  readonly data?: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    if (data !== undefined) this.data = data;
  }
}

/** A decoder error; parsePositional turns it into "invalid argument N: <message>". */
export class ArgError extends Error {}

export interface ArgSpec<T = unknown> {
  parse: (v: unknown) => T;
  /** geth: pointer-typed arguments may be omitted. */
  optional?: boolean;
}

export type JsonRpcId = string | number | null;

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id?: JsonRpcId;
  method: string;
  params?: unknown;
}

export interface JsonRpcResponse {
  jsonrpc: "2.0";
  id: JsonRpcId;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export const parseErrorResponse = (): JsonRpcResponse => ({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } });
export const emptyBatchResponse = (): JsonRpcResponse => ({ jsonrpc: "2.0", id: null, error: { code: -32600, message: "empty batch" } });

export function errorResponse(id: JsonRpcId, e: unknown): JsonRpcResponse {
  if (e instanceof RpcError) {
    const error: JsonRpcResponse["error"] = { code: e.code, message: e.message };
    if (e.data !== undefined) error!.data = e.data;
    return { jsonrpc: "2.0", id, error };
  }
  return { jsonrpc: "2.0", id, error: { code: -32000, message: e instanceof Error ? e.message : String(e) } };
}

/** What kind of message this is, per geth's jsonrpcMessage.isCall / isNotification / hasValidID. */
export function classify(m: unknown): { kind: "call"; req: JsonRpcRequest } | { kind: "notification"; req: JsonRpcRequest } | { kind: "invalid"; id: JsonRpcId } {
  if (typeof m !== "object" || m === null || Array.isArray(m)) return { kind: "invalid", id: null };
  const o = m as Record<string, unknown>;
  const hasId = Object.prototype.hasOwnProperty.call(o, "id");
  const id = o["id"];
  const validId = hasId && (id === null || typeof id === "string" || typeof id === "number");
  const validVersion = o["jsonrpc"] === "2.0";
  const method = typeof o["method"] === "string" ? o["method"] : "";
  if (validVersion && validId && method !== "") return { kind: "call", req: o as unknown as JsonRpcRequest };
  if (validVersion && !hasId && method !== "") return { kind: "notification", req: o as unknown as JsonRpcRequest };
  return { kind: "invalid", id: validId ? (id as JsonRpcId) : null };
}

export const invalidRequest = (id: JsonRpcId): JsonRpcResponse => ({ jsonrpc: "2.0", id, error: { code: -32600, message: "invalid request" } });

export const methodNotFound = (method: string): RpcError => new RpcError(-32601, `the method ${method} does not exist/is not available`);

/** geth rpc/json.go parsePositionalArguments. */
export function parsePositional(params: unknown, specs: readonly ArgSpec[]): unknown[] {
  if (params === undefined || params === null) params = [];
  if (!Array.isArray(params)) throw new RpcError(-32602, "non-array args");
  if (params.length > specs.length) throw new RpcError(-32602, `too many arguments, want at most ${specs.length}`);
  const out: unknown[] = [];
  for (let i = 0; i < specs.length; i++) {
    if (i >= params.length) {
      if (!specs[i]!.optional) throw new RpcError(-32602, `missing value for required argument ${i}`);
      out.push(undefined);
      continue;
    }
    const v = params[i];
    if (v === null && specs[i]!.optional) {
      out.push(undefined);
      continue;
    }
    try {
      out.push(specs[i]!.parse(v));
    } catch (e) {
      if (e instanceof ArgError) throw new RpcError(-32602, `invalid argument ${i}: ${e.message}`);
      throw e;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decoders with geth's error texts

function jsonTypeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v === "object" ? "object" : typeof v;
}

/** Go encoding/json decoding into a bool. */
export const boolArg: ArgSpec<boolean> = {
  parse(v) {
    if (v === null) return false; // json: null into a non-pointer is a no-op
    if (typeof v !== "boolean") throw new ArgError(`json: cannot unmarshal ${jsonTypeName(v)} into Go value of type bool`);
    return v;
  },
};

/** hexutil.DecodeUint64 (input without quotes). */
export function decodeUint64(input: string): bigint {
  if (input.length === 0) throw new ArgError("empty hex string");
  if (!(input.startsWith("0x") || input.startsWith("0X"))) throw new ArgError("hex string without 0x prefix");
  const digits = input.slice(2);
  if (digits.length === 0) throw new ArgError('hex string "0x"');
  if (digits.length > 1 && digits[0] === "0") throw new ArgError("hex number with leading zero digits");
  if (!/^[0-9a-fA-F]+$/.test(digits)) throw new ArgError("invalid hex string");
  if (digits.length > 16) throw new ArgError("hex number > 64 bits");
  return BigInt("0x" + digits);
}

export type BlockTagName = "latest" | "pending" | "safe" | "finalized" | "earliest";
export type BlockSelector = { tag: BlockTagName } | { number: bigint };

const TAGS = new Set<BlockTagName>(["latest", "pending", "safe", "finalized", "earliest"]);

/** rpc.BlockNumber.UnmarshalJSON: a quoted tag or hex quantity; anything else is read as hex text. */
function blockNumberFromRaw(v: unknown): BlockSelector {
  const input = typeof v === "string" ? v.trim() : JSON.stringify(v);
  if (TAGS.has(input as BlockTagName)) return { tag: input as BlockTagName };
  const n = decodeUint64(input);
  if (n > 0x7fffffffffffffffn) throw new ArgError("block number larger than int64");
  return { number: n };
}

export const blockNumberArg: ArgSpec<BlockSelector> = { parse: blockNumberFromRaw };

export type BlockNumberOrHash = BlockSelector | { hash: string; requireCanonical: boolean };

/** rpc.BlockNumberOrHash.UnmarshalJSON: {blockNumber|blockHash, requireCanonical} or a string. */
function blockNumberOrHashFromRaw(v: unknown): BlockNumberOrHash {
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const hasNum = o["blockNumber"] !== undefined && o["blockNumber"] !== null;
    const hasHash = o["blockHash"] !== undefined && o["blockHash"] !== null;
    if (hasNum && hasHash) throw new ArgError("cannot specify both BlockHash and BlockNumber, choose one or the other");
    if (hasHash) return { hash: hashArg.parse(o["blockHash"]), requireCanonical: o["requireCanonical"] === true };
    if (hasNum) return blockNumberFromRaw(o["blockNumber"]);
    throw new ArgError("block number or hash must be specified");
  }
  if (typeof v === "string" && v.length === 66) return { hash: hashArg.parse(v), requireCanonical: false };
  return blockNumberFromRaw(v);
}

export const blockNumberOrHashArg: ArgSpec<BlockNumberOrHash> = { parse: blockNumberOrHashFromRaw };

function fixedHex(v: unknown, bytes: number, typeName: string): string {
  if (typeof v !== "string") throw new ArgError(`json: cannot unmarshal non-string into Go value of type ${typeName}`);
  if (v.length === 0) throw new ArgError(`json: cannot unmarshal empty hex string into Go value of type ${typeName}`);
  if (!(v.startsWith("0x") || v.startsWith("0X"))) throw new ArgError(`json: cannot unmarshal hex string without 0x prefix into Go value of type ${typeName}`);
  const raw = v.slice(2);
  if (raw.length !== bytes * 2) throw new ArgError(`hex string has length ${raw.length}, want ${bytes * 2} for ${typeName}`);
  if (!/^[0-9a-fA-F]*$/.test(raw)) throw new ArgError(`json: cannot unmarshal invalid hex string into Go value of type ${typeName}`);
  return "0x" + raw.toLowerCase();
}

export const hashArg = { parse: (v: unknown): string => fixedHex(v, 32, "common.Hash") } satisfies ArgSpec<string>;
export const addressArg = { parse: (v: unknown): string => fixedHex(v, 20, "common.Address") } satisfies ArgSpec<string>;

/** A hexutil quantity type (a JSON string); hexutil.Uint has Uint64's range on 64-bit platforms. */
function hexUintArg(typeName: string): ArgSpec<bigint> {
  return {
    parse(v) {
      if (typeof v !== "string") throw new ArgError(`json: cannot unmarshal non-string into Go value of type ${typeName}`);
      try {
        return decodeUint64(v);
      } catch (e) {
        throw new ArgError(`json: cannot unmarshal ${(e as Error).message} into Go value of type ${typeName}`);
      }
    },
  };
}

export const uint64Arg = hexUintArg("hexutil.Uint64");
/** hexutil.Uint (transaction indexes). */
export const uintArg = hexUintArg("hexutil.Uint");

/** A plain JSON string argument (e.g. eth_getStorageAt's hexKey). */
export const stringArg: ArgSpec<string> = {
  parse(v) {
    if (typeof v !== "string") throw new ArgError(`json: cannot unmarshal ${jsonTypeName(v)} into Go value of type string`);
    return v;
  },
};

/** TransactionArgs, reduced to what eth_call here reads (to, input/data). */
export interface CallArgs {
  to?: string;
  input?: string;
}

export const callArgsArg: ArgSpec<CallArgs> = {
  parse(v) {
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ArgError(`json: cannot unmarshal ${jsonTypeName(v)} into Go value of type ethapi.TransactionArgs`);
    const o = v as Record<string, unknown>;
    const out: CallArgs = {};
    if (o["to"] !== undefined && o["to"] !== null) out.to = addressArg.parse(o["to"]);
    const input = o["input"] ?? o["data"];
    if (o["input"] !== undefined && o["data"] !== undefined && o["input"] !== o["data"])
      throw new ArgError('both "data" and "input" are set and not equal. Please use "input" to pass transaction call data');
    if (input !== undefined && input !== null) {
      if (typeof input !== "string" || !/^0x(?:[0-9a-fA-F]{2})*$/.test(input)) throw new ArgError("json: cannot unmarshal invalid hex string into Go struct field TransactionArgs.input of type hexutil.Bytes");
      out.input = input.toLowerCase();
    }
    return out;
  },
};

/** Anything (ignored arguments such as eth_call's state overrides). */
export const anyArg: ArgSpec<unknown> = { parse: (v) => v, optional: true };
