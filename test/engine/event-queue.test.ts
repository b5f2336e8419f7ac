import { describe, expect, it } from "vitest";
import { EventQueue, MAX_PRIORITY, MIN_PRIORITY } from "../../sim/engine/event-queue.js";
import { RandomStream } from "../../sim/engine/rng.js";

function drain<E>(queue: EventQueue<E>): E[] {
  const out: E[] = [];
  while (queue.size > 0) out.push(queue.pop()!);
  return out;
}

describe("EventQueue ordering", () => {
  it("pops by time, then priority, then first pushed", () => {
    const queue = new EventQueue<string>();
    queue.push(30, 0, "t30");
    queue.push(10, 1, "t10-p1-first");
    queue.push(10, 0, "t10-p0-first");
    queue.push(20, 0, "t20");
    queue.push(10, 1, "t10-p1-second");
    queue.push(10, -5, "t10-p-5");
    queue.push(10, 0, "t10-p0-second");
    queue.push(0, 100, "t0-p100");
    expect(drain(queue)).toEqual([
      "t0-p100",
      "t10-p-5",
      "t10-p0-first",
      "t10-p0-second",
      "t10-p1-first",
      "t10-p1-second",
      "t20",
      "t30",
    ]);
  });

  it("keeps 1,000 ties on time and priority in push order, across heap growth", () => {
    const queue = new EventQueue<number>({ initialCapacity: 1 });
    for (let i = 0; i < 1_000; i += 1) queue.push(5, 0, i);
    expect(drain(queue)).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
  });

  it("accepts the extreme priorities and orders them", () => {
    const queue = new EventQueue<string>();
    queue.push(1, MAX_PRIORITY, "max");
    queue.push(1, MIN_PRIORITY, "min");
    queue.push(1, 0, "zero");
    expect(queue.peekPriority()).toBe(MIN_PRIORITY);
    expect(drain(queue)).toEqual(["min", "zero", "max"]);
  });

  it("reports the next time and priority without removing anything", () => {
    const queue = new EventQueue<string>();
    expect(queue.peekTime()).toBe(Infinity);
    expect(queue.peekPriority()).toBeUndefined();
    expect(queue.pop()).toBeUndefined();
    queue.push(7, 3, "a");
    expect(queue.peekTime()).toBe(7);
    expect(queue.peekPriority()).toBe(3);
    expect(queue.size).toBe(1);
  });

  it("accepts times up to the largest safe integer", () => {
    const queue = new EventQueue<string>();
    queue.push(Number.MAX_SAFE_INTEGER, 0, "last");
    queue.push(0, 0, "first");
    expect(drain(queue)).toEqual(["first", "last"]);
  });
});

describe("EventQueue input checks", () => {
  it.each([1.5, Number.NaN, Infinity, -Infinity, 2 ** 53])("refuses time %s with a RangeError naming it", (time) => {
    const queue = new EventQueue<string>();
    expect(() => queue.push(time, 0, "x")).toThrow(RangeError);
    expect(() => queue.push(time, 0, "x")).toThrow(`event time must be a safe integer (ms), got ${time}`);
    expect(queue.size).toBe(0);
  });

  it.each([0.5, MIN_PRIORITY - 1, MAX_PRIORITY + 1, Number.NaN])("refuses priority %s", (priority) => {
    const queue = new EventQueue<string>();
    expect(() => queue.push(1, priority, "x")).toThrow(
      `event priority must be an integer in [${MIN_PRIORITY}, ${MAX_PRIORITY}], got ${priority}`,
    );
    expect(queue.size).toBe(0);
  });

  it("refuses a bad initial capacity", () => {
    expect(() => new EventQueue({ initialCapacity: 0 })).toThrow(RangeError);
  });
});

describe("EventQueue cancellation", () => {
  it("skips a cancelled entry and counts only live ones", () => {
    const queue = new EventQueue<string>();
    queue.push(1, 0, "a");
    const b = queue.push(2, 0, "b");
    queue.push(3, 0, "c");
    expect(queue.size).toBe(3);
    expect(queue.cancel(b)).toBe(true);
    expect(queue.size).toBe(2);
    expect(drain(queue)).toEqual(["a", "c"]);
  });

  it("skips a cancelled entry at the top for peekTime and pop", () => {
    const queue = new EventQueue<string>();
    const first = queue.push(1, 0, "a");
    queue.push(2, 0, "b");
    queue.cancel(first);
    expect(queue.peekTime()).toBe(2);
    expect(queue.pop()).toBe("b");
    expect(queue.peekTime()).toBe(Infinity);
  });

  it("returns false for a second cancel and changes nothing", () => {
    const queue = new EventQueue<string>();
    const handle = queue.push(1, 0, "a");
    queue.push(2, 0, "b");
    expect(queue.cancel(handle)).toBe(true);
    expect(queue.cancel(handle)).toBe(false);
    expect(queue.size).toBe(1);
  });

  it("returns false for a popped handle, even after its slot is reused", () => {
    const queue = new EventQueue<string>();
    const old = queue.push(1, 0, "a");
    expect(queue.pop()).toBe("a");
    expect(queue.cancel(old)).toBe(false);
    const reused = queue.push(2, 0, "b");
    expect(reused).not.toBe(old);
    expect(queue.cancel(old)).toBe(false);
    expect(queue.isPending(reused)).toBe(true);
    expect(queue.pop()).toBe("b");
  });

  it.each([-1, 0.5, Number.NaN, 2 ** 60, 123_456])("returns false for a handle never issued (%s)", (handle) => {
    const queue = new EventQueue<string>();
    queue.push(1, 0, "a");
    expect(queue.cancel(handle)).toBe(false);
    expect(queue.size).toBe(1);
  });

  it("cancels every entry, leaving an empty queue", () => {
    const queue = new EventQueue<number>();
    const handles = Array.from({ length: 10 }, (_, i) => queue.push(i, 0, i));
    for (const handle of handles) expect(queue.cancel(handle)).toBe(true);
    expect(queue.size).toBe(0);
    expect(queue.peekTime()).toBe(Infinity);
    expect(queue.pop()).toBeUndefined();
  });

  it("sweeps cancelled entries out, so held stays within 2 × size + 63", () => {
    const queue = new EventQueue<number>();
    const handles = Array.from({ length: 10_000 }, (_, i) => queue.push(i, 0, i));
    for (let i = 0; i < 10_000; i += 1) {
      if (i % 10 !== 0) expect(queue.cancel(handles[i]!)).toBe(true);
      expect(queue.held).toBeLessThanOrEqual(2 * queue.size + 63);
    }
    expect(queue.size).toBe(1_000);
    expect(drain(queue)).toEqual(Array.from({ length: 1_000 }, (_, i) => i * 10));
  });

  it("sweeps cancelled entries left behind when live ones are popped", () => {
    const queue = new EventQueue<number>();
    const early = Array.from({ length: 1_000 }, (_, i) => queue.push(i, 0, i));
    const late = Array.from({ length: 900 }, (_, i) => queue.push(10_000 + i, 0, 10_000 + i));
    for (const handle of late) queue.cancel(handle);
    expect(queue.held).toBe(1_900);
    for (let i = 0; i < 1_000; i += 1) {
      expect(queue.pop()).toBe(i);
      expect(queue.held).toBeLessThanOrEqual(2 * queue.size + 63);
    }
    expect(queue.size).toBe(0);
    expect(queue.cancel(early[0]!)).toBe(false);
  });

  it("clears everything and keeps old handles invalid", () => {
    const queue = new EventQueue<string>();
    const handle = queue.push(1, 0, "a");
    queue.push(2, 0, "b");
    queue.clear();
    expect(queue.size).toBe(0);
    expect(queue.held).toBe(0);
    expect(queue.cancel(handle)).toBe(false);
    queue.push(3, 0, "c");
    expect(drain(queue)).toEqual(["c"]);
  });
});

describe("EventQueue sequence renumbering", () => {
  it("keeps FIFO ties across renumbering when the sequence space runs out", () => {
    // A sequence space of 8 forces a renumbering every few pushes, with entries still queued.
    const queue = new EventQueue<number>({ sequenceSpace: 8 });
    const pending: Array<{ time: number; priority: number; id: number }> = [];
    const popped: number[] = [];
    const expected: number[] = [];
    for (let id = 0; id < 200; id += 1) {
      const time = Math.floor(id / 6);
      const priority = id % 3 === 0 ? -1 : 0;
      queue.push(time, priority, id);
      pending.push({ time, priority, id });
      if (queue.size > 5) {
        popped.push(queue.pop()!);
        pending.sort((a, b) => a.time - b.time || a.priority - b.priority || a.id - b.id);
        expected.push(pending.shift()!.id);
      }
    }
    popped.push(...drain(queue));
    pending.sort((a, b) => a.time - b.time || a.priority - b.priority || a.id - b.id);
    expected.push(...pending.map((entry) => entry.id));
    expect(popped).toHaveLength(200);
    expect(popped).toEqual(expected);
  });

  it("refuses more queued entries than sequence numbers", () => {
    const queue = new EventQueue<number>({ sequenceSpace: 4 });
    for (let i = 0; i < 4; i += 1) queue.push(0, 0, i);
    expect(() => queue.push(0, 0, 4)).toThrow("more than 3 entries queued: no sequence numbers left");
  });
});

describe("EventQueue against a sorted-array reference", () => {
  interface RefEntry {
    time: number;
    priority: number;
    sequence: number;
    id: number;
    handle: number;
  }

  const comesBefore = (a: RefEntry, b: RefEntry): boolean =>
    a.time < b.time || (a.time === b.time && (a.priority < b.priority || (a.priority === b.priority && a.sequence < b.sequence)));

  // The obvious implementation, as the oracle: an array kept sorted by insertion.
  function insertSorted(reference: RefEntry[], entry: RefEntry): void {
    let index = reference.length;
    while (index > 0 && comesBefore(entry, reference[index - 1]!)) index -= 1;
    reference.splice(index, 0, entry);
  }

  // Times come from a narrow window so that ties on time and on (time, priority) are frequent.
  // Weights are [push, cancel, pop]; the cancel-heavy case piles up cancelled entries so that
  // compaction runs, and the small sequence space forces renumbering.
  it.each([
    { seed: 20_250_601, weights: [5, 2, 4], sequenceSpace: undefined },
    { seed: 7, weights: [5, 2, 4], sequenceSpace: undefined },
    { seed: 1_234, weights: [6, 4, 1], sequenceSpace: undefined },
    { seed: 99, weights: [5, 2, 4], sequenceSpace: 5_000 },
  ])("matches the reference over 60,000 random operations (seed $seed, weights $weights)", ({ seed, weights, sequenceSpace }) => {
    const rng = RandomStream.root(seed).fork("event-queue-vs-reference");
    const queue = new EventQueue<number>({ initialCapacity: 4, sequenceSpace });
    const reference: RefEntry[] = [];
    const issued: number[] = [];
    let sequence = 0;
    let clock = 0;
    let largest = 0;
    const check = (actual: unknown, expected: unknown, step: number, what: string): void => {
      if (actual !== expected) expect(actual, `${what} at step ${step}; replay with seed ${seed}`).toBe(expected);
    };

    for (let step = 0; step < 60_000; step += 1) {
      const op = rng.weightedIndex(weights);
      if (op === 0) {
        const time = clock + rng.int(0, 40);
        const priority = rng.int(-2, 2);
        const handle = queue.push(time, priority, step);
        insertSorted(reference, { time, priority, sequence: sequence++, id: step, handle });
        issued.push(handle);
      } else if (op === 1 && issued.length > 0) {
        // Mostly a live handle; sometimes any handle ever issued (popped or cancelled already).
        const handle = reference.length > 0 && rng.bernoulli(0.7) ? rng.pick(reference).handle : rng.pick(issued);
        const index = reference.findIndex((entry) => entry.handle === handle);
        check(queue.cancel(handle), index !== -1, step, "cancel result");
        if (index !== -1) reference.splice(index, 1);
      } else {
        const expected = reference.shift();
        check(queue.peekTime(), expected?.time ?? Infinity, step, "peekTime");
        check(queue.pop(), expected?.id, step, "popped event");
        if (expected !== undefined) clock = expected.time;
      }
      check(queue.size, reference.length, step, "size");
      check(queue.held <= 2 * queue.size + 63, true, step, "held within 2 × size + 63");
      largest = Math.max(largest, queue.size);
    }
    expect(drain(queue), `final drain; replay with seed ${seed}`).toEqual(reference.map((entry) => entry.id));
    expect(largest, `seed ${seed}`).toBeGreaterThan(20);
  });
});
