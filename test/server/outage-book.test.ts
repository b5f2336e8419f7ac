// The outage book announces each window once when it starts and once when it ends, even when
// both happen between two looks, and lists windows in start order with their active flag.
import { describe, expect, it } from "vitest";
import { OutageBook } from "../../server/outage-book.js";

function book(): OutageBook {
  const b = new OutageBook();
  b.add({ id: "scenario-1", source: "scenario", name: "late", scope: { region: "eu" }, start: 5_000, end: 9_000, affected: ["0xa"] });
  b.add({ id: b.nextApiId(), source: "api", name: "early", scope: { dependency: "dns" }, start: 1_000, end: 2_000, affected: ["0xb"] });
  return b;
}

describe("OutageBook", () => {
  it("lists windows in start order with whether each is active now", () => {
    expect(book().list(1_500).map((o) => [o.id, o.active])).toEqual([
      ["api-1", true],
      ["scenario-1", false],
    ]);
  });

  it("announces a start, then an end, each once", () => {
    const b = book();
    expect(b.changes(0)).toEqual([]);
    expect(b.changes(1_000).map((o) => [o.id, o.active])).toEqual([["api-1", true]]);
    expect(b.changes(1_999)).toEqual([]);
    expect(b.changes(2_000).map((o) => [o.id, o.active])).toEqual([["api-1", false]]);
    expect(b.changes(2_001)).toEqual([]);
  });

  it("announces a window that started and ended between two looks as on, then off", () => {
    const b = book();
    expect(b.changes(9_500).map((o) => [o.id, o.active])).toEqual([
      ["api-1", true],
      ["api-1", false],
      ["scenario-1", true],
      ["scenario-1", false],
    ]);
    expect(b.changes(20_000)).toEqual([]);
  });

  it("numbers API outages api-1, api-2, …", () => {
    const b = new OutageBook();
    expect([b.nextApiId(), b.nextApiId()]).toEqual(["api-1", "api-2"]);
  });
});
