// The relay reads the Worker's Server-Timing leniently: it is diagnostics, never a reason to fail.
import { describe, expect, it } from "vitest";
import { parseServerTiming } from "../../src/relay/server-timing.ts";

describe("parseServerTiming", () => {
  it("reads name;dur=ms entries as the Worker writes them, and as RFC examples write them", () => {
    expect(parseServerTiming("check;dur=3, settle;dur=1")).toEqual([
      ["check", 3],
      ["settle", 1],
    ]);
    expect(parseServerTiming('db;desc="Database";dur=53.2,app;dur=47.2')).toEqual([
      ["db", 53.2],
      ["app", 47.2],
    ]);
  });

  it("skips what it cannot read, never throws", () => {
    expect(parseServerTiming(null)).toEqual([]);
    expect(parseServerTiming("")).toEqual([]);
    expect(parseServerTiming("cache;desc=miss, ;dur=1, x y;dur=2, neg;dur=-1, nan;dur=abc, ok;dur=7")).toEqual([["ok", 7]]);
    expect(parseServerTiming(`${"a".repeat(40)};dur=1`)).toEqual([]);
  });
});
