// A peer's standing for the forward queue (src/relay/peer-standing.ts): score < 0 or a recent REJECT.
import { describe, expect, it } from "vitest";
import { PeerStanding } from "../../src/relay/peer-standing.ts";

describe("peer standing", () => {
  it("is low while the gossipsub score is below 0, good at 0 or above or when the score is unknown", () => {
    const scores = new Map([["neg", -0.5], ["zero", 0], ["pos", 3]]);
    const score = (p: string): number => {
      const v = scores.get(p);
      if (v === undefined) throw new Error("unknown peer");
      return v;
    };
    const s = new PeerStanding({ score });
    expect(["neg", "zero", "pos", "unknown"].map((p) => s.of(p))).toEqual(["low", "good", "good", "good"]);
  });

  it("is low for rememberMs after a REJECT, then good again", () => {
    let now = 1_000;
    const s = new PeerStanding({ now: () => now, rememberMs: 500 });
    s.rejected("p");
    expect(s.of("p")).toBe("low");
    now += 499;
    expect(s.of("p")).toBe("low");
    now += 1;
    expect(s.of("p")).toBe("good");
  });

  it("remembers at most maxPeers, forgetting the oldest REJECT first", () => {
    const s = new PeerStanding({ maxPeers: 2 });
    s.rejected("a");
    s.rejected("b");
    s.rejected("a"); // refreshed: now the newest
    s.rejected("c");
    expect(["a", "b", "c"].map((p) => s.of(p))).toEqual(["low", "good", "low"]);
  });
});
