// The outage book announces each window once when it starts and once when it ends, even when
// both happen between two looks, and lists windows in start order with their active flag. It is
// bounded: API outages active or pending at once are capped (the scenario's are not), an ended
// window leaves the snapshot's list for a history that keeps only the latest.
import { describe, expect, it } from "vitest";
import { OutageBook, OutageLimitError } from "../../server/live/outage-book.js";
import { InputError } from "../../sim/input-error.js";

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

  it("an ended window leaves the upcoming list (the snapshot's) once its end is announced, and stays listed", () => {
    const b = book();
    expect(b.upcoming(0).map((o) => o.id)).toEqual(["api-1", "scenario-1"]);
    b.changes(2_500);
    expect(b.upcoming(2_500).map((o) => o.id)).toEqual(["scenario-1"]);
    expect(b.list(2_500).map((o) => [o.id, o.active])).toEqual([
      ["api-1", false],
      ["scenario-1", false],
    ]);
    // Even before the end is announced, an ended window is not upcoming.
    expect(book().upcoming(2_000).map((o) => o.id)).toEqual(["scenario-1"]);
  });

  it("keeps only the latest maxEnded ended windows", () => {
    const b = new OutageBook({ maxEnded: 3 });
    for (let i = 0; i < 10; i += 1) b.add({ id: b.nextApiId(), source: "api", name: `o${i}`, scope: { region: "eu" }, start: i * 10, end: i * 10 + 5, affected: [] });
    for (let t = 0; t <= 100; t += 5) b.changes(t);
    expect(b.list(100).map((o) => o.id)).toEqual(["api-8", "api-9", "api-10"]);
    expect(b.upcoming(100)).toEqual([]);
  });

  it(`refuses one more API outage than maxCurrent active or pending, counting neither the scenario's nor ended ones`, () => {
    const b = new OutageBook({ maxCurrent: 2 });
    b.add({ id: "scenario-1", source: "scenario", name: "s", scope: { region: "eu" }, start: 0, end: 1_000, affected: [] });
    b.add({ id: b.nextApiId(), source: "api", name: "a", scope: { region: "eu" }, start: 0, end: 100, affected: [] });
    b.assertRoom(0);
    b.add({ id: b.nextApiId(), source: "api", name: "b", scope: { region: "eu" }, start: 0, end: 500, affected: [] });
    expect(() => b.assertRoom(50)).toThrow(OutageLimitError);
    try {
      b.assertRoom(50);
    } catch (error) {
      expect(error).toMatchObject({ limit: 2, nextEnd: 100, message: "the live market holds 2 outages active or pending, the most it takes" });
    }
    // Once the first has ended there is room again, announced or not.
    b.assertRoom(100);
  });

  it("refuses limits that are not whole numbers of at least 1", () => {
    expect(() => new OutageBook({ maxCurrent: 0 })).toThrow(InputError);
    expect(() => new OutageBook({ maxEnded: 1.5 })).toThrow(/outageLimits\.maxEnded/);
  });
});
