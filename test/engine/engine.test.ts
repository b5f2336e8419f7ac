import { describe, expect, it } from "vitest";
import { Engine } from "../../sim/engine/engine.js";
import { RandomStream } from "../../sim/engine/rng.js";

/** An engine whose handler logs `time:event` and runs any follow-up the test attaches. */
function recordingEngine(then?: (event: string, engine: Engine<string>) => void): { engine: Engine<string>; log: string[] } {
  const log: string[] = [];
  const engine = new Engine<string>((event, sim) => {
    log.push(`${sim.now}:${event}`);
    then?.(event, sim);
  });
  return { engine, log };
}

describe("Engine ordering", () => {
  it("fires events by time, then priority, then the order they were scheduled", () => {
    const { engine, log } = recordingEngine();
    engine.schedule(20, "c");
    engine.schedule(10, "b-normal-1");
    engine.schedule(10, "b-late", 5);
    engine.schedule(10, "b-normal-2");
    engine.schedule(10, "b-urgent", -1);
    engine.schedule(5, "a");
    expect(engine.run()).toBe(6);
    expect(log).toEqual(["5:a", "10:b-urgent", "10:b-normal-1", "10:b-normal-2", "10:b-late", "20:c"]);
  });

  it("fires an event scheduled for now after those already due now, unless it has a lower priority", () => {
    const { engine, log } = recordingEngine((event, sim) => {
      if (event === "first") {
        sim.schedule({ after: 0 }, "zero-delay");
        sim.schedule(sim.now, "urgent", -1);
      }
    });
    engine.schedule(10, "first");
    engine.schedule(10, "second");
    engine.run();
    expect(log).toEqual(["10:first", "10:urgent", "10:second", "10:zero-delay"]);
  });

  it("passes the engine to the handler and keeps the clock at the event's time", () => {
    const seen: Array<[number, number]> = [];
    const engine = new Engine<number>((event, sim) => {
      expect(sim).toBe(engine);
      seen.push([event, sim.now]);
    });
    engine.schedule(3, 30);
    engine.schedule(1, 10);
    engine.run();
    expect(seen).toEqual([
      [10, 1],
      [30, 3],
    ]);
  });

  it("produces the same trace for the same seed, event for event", () => {
    const trace = (seed: number): string[] => {
      const rng = RandomStream.root(seed).fork("jobs");
      const { engine, log } = recordingEngine((event, sim) => {
        if (event.startsWith("arrive") && sim.now < 50_000) {
          sim.schedule({ after: rng.int(0, 30) }, `done-${event}`, rng.int(0, 1));
          sim.schedule({ after: rng.int(0, 20) }, `arrive-${rng.int(0, 9)}`);
        }
      });
      engine.schedule(0, "arrive-0");
      engine.run();
      return log;
    };
    const first = trace(11);
    expect(first.length).toBeGreaterThan(1_000);
    expect(trace(11)).toEqual(first);
    expect(trace(12)).not.toEqual(first);
  });
});

describe("Engine.schedule", () => {
  it("accepts an absolute time, { at } and { after }", () => {
    const { engine, log } = recordingEngine((event, sim) => {
      if (event === "start") {
        sim.schedule({ after: 5 }, "after-5");
        sim.schedule({ at: 200 }, "at-200");
        sim.schedule(150, "bare-150");
      }
    });
    engine.schedule({ at: 100 }, "start");
    engine.run();
    expect(log).toEqual(["100:start", "105:after-5", "150:bare-150", "200:at-200"]);
  });

  it("refuses a time in the past with a RangeError that names both times", () => {
    const engine = new Engine<string>(() => {});
    engine.schedule(10, "x");
    engine.run();
    expect(engine.now).toBe(10);
    expect(() => engine.schedule(5, "late")).toThrow(RangeError);
    expect(() => engine.schedule(5, "late")).toThrow("cannot schedule at 5: the clock is at 10");
    expect(() => engine.schedule({ at: 9 }, "late")).toThrow("cannot schedule at 9: the clock is at 10");
    expect(() => engine.schedule({ after: -1 }, "late")).toThrow("cannot schedule at 9: the clock is at 10");
    expect(engine.pending).toBe(0);
  });

  it("accepts exactly now", () => {
    const engine = new Engine<string>(() => {});
    engine.run(10);
    engine.schedule(10, "now");
    expect(engine.pending).toBe(1);
  });

  it.each([1.5, Number.NaN, Infinity, 2 ** 53])("refuses the non-integer or unsafe time %s, naming it", (time) => {
    const engine = new Engine<string>(() => {});
    expect(() => engine.schedule(time, "x")).toThrow(RangeError);
    expect(() => engine.schedule(time, "x")).toThrow(`cannot schedule at ${time}: times are integer ms`);
    expect(() => engine.schedule({ at: time }, "x")).toThrow(`cannot schedule at ${time}`);
  });

  it("refuses a non-integer delay, naming it", () => {
    const engine = new Engine<string>(() => {});
    expect(() => engine.schedule({ after: 0.25 }, "x")).toThrow("cannot schedule after 0.25 ms: delays are integer ms");
  });

  it("refuses a priority outside the 16-bit range", () => {
    const engine = new Engine<string>(() => {});
    expect(() => engine.schedule(1, "x", 40_000)).toThrow(RangeError);
    expect(() => engine.schedule(1, "x", 0.5)).toThrow(RangeError);
    expect(engine.pending).toBe(0);
  });
});

describe("Engine.cancel", () => {
  it("stops a scheduled event from firing and lowers pending", () => {
    const { engine, log } = recordingEngine();
    engine.schedule(1, "a");
    const b = engine.schedule(2, "b");
    engine.schedule(3, "c");
    expect(engine.pending).toBe(3);
    expect(engine.cancel(b)).toBe(true);
    expect(engine.pending).toBe(2);
    expect(engine.run()).toBe(2);
    expect(log).toEqual(["1:a", "3:c"]);
    expect(engine.pending).toBe(0);
  });

  it("returns false for a second cancel of the same handle", () => {
    const engine = new Engine<string>(() => {});
    const handle = engine.schedule(1, "a");
    expect(engine.cancel(handle)).toBe(true);
    expect(engine.cancel(handle)).toBe(false);
    expect(engine.pending).toBe(0);
  });

  it("returns false for a handle that already fired, even while it is firing", () => {
    let own = -1;
    const results: boolean[] = [];
    const engine = new Engine<string>(() => results.push(engine.cancel(own)));
    own = engine.schedule(1, "a");
    engine.run();
    expect(results).toEqual([false]);
    expect(engine.cancel(own)).toBe(false);
    // The slot is reused by the next event; the old handle must not reach it.
    const next = engine.schedule(2, "b");
    expect(engine.cancel(own)).toBe(false);
    expect(engine.pending).toBe(1);
    expect(engine.cancel(next)).toBe(true);
  });

  it("lets a handler cancel another event due at the same time", () => {
    let victim = -1;
    const { engine, log } = recordingEngine((event, sim) => {
      if (event === "killer") expect(sim.cancel(victim)).toBe(true);
    });
    engine.schedule(5, "killer");
    victim = engine.schedule(5, "victim");
    engine.schedule(5, "bystander");
    expect(engine.run()).toBe(2);
    expect(log).toEqual(["5:killer", "5:bystander"]);
  });

  it("keeps a timeout pattern from piling up cancelled events", () => {
    // Every request arms a timeout and cancels it when the reply comes: the usual pattern.
    let timeouts = 0;
    let failedCancels = 0;
    let armed = -1;
    const engine = new Engine<"request" | "reply" | "timeout">((event, sim) => {
      if (event === "request") {
        armed = sim.schedule({ after: 60_000 }, "timeout");
        sim.schedule({ after: 10 }, "reply");
      } else if (event === "reply") {
        if (!sim.cancel(armed)) failedCancels += 1;
        if (sim.now < 1_000_000) sim.schedule({ after: 1 }, "request");
      } else {
        timeouts += 1;
      }
    });
    engine.schedule(0, "request");
    const processed = engine.run();
    expect(timeouts).toBe(0);
    expect(failedCancels).toBe(0);
    expect(processed).toBeGreaterThan(180_000);
    expect(engine.pending).toBe(0);
  });
});

describe("Engine.run(until)", () => {
  it("processes events exactly at until, leaves later ones, and ends the clock at until", () => {
    const { engine, log } = recordingEngine();
    engine.schedule(10, "a");
    engine.schedule(20, "b");
    engine.schedule(21, "c");
    expect(engine.run(20)).toBe(2);
    expect(log).toEqual(["10:a", "20:b"]);
    expect(engine.now).toBe(20);
    expect(engine.pending).toBe(1);
  });

  it("advances the clock to until when the last event came earlier, or none was due", () => {
    const { engine } = recordingEngine();
    engine.schedule(10, "a");
    expect(engine.run(15)).toBe(1);
    expect(engine.now).toBe(15);
    expect(engine.run(40)).toBe(0);
    expect(engine.now).toBe(40);
  });

  it("processes events a handler schedules up to until within the same run", () => {
    const { engine, log } = recordingEngine((event, sim) => {
      sim.schedule({ after: 10 }, event);
    });
    engine.schedule(0, "tick");
    expect(engine.run(30)).toBe(4);
    expect(log).toEqual(["0:tick", "10:tick", "20:tick", "30:tick"]);
    expect(engine.pending).toBe(1);
    expect(engine.run(45)).toBe(1);
    expect(engine.now).toBe(45);
  });

  it("tiles time: many short runs process the same events as one long one", () => {
    const build = () =>
      recordingEngine((event, sim) => {
        if (sim.now < 1_000) sim.schedule({ after: event.length * 7 }, event === "ab" ? "abc" : "ab");
      });
    const whole = build();
    whole.engine.schedule(0, "ab");
    whole.engine.run(2_000);
    const pieces = build();
    pieces.engine.schedule(0, "ab");
    for (let t = 0; t <= 2_000; t += 13) pieces.engine.run(t);
    pieces.engine.run(2_000);
    expect(pieces.log).toEqual(whole.log);
  });

  it("runs until the queue is empty without until, leaving the clock at the last event", () => {
    const { engine } = recordingEngine();
    engine.schedule(7, "a");
    engine.schedule(3, "b");
    expect(engine.run()).toBe(2);
    expect(engine.now).toBe(7);
    expect(engine.run()).toBe(0);
    expect(engine.now).toBe(7);
  });

  it("refuses an until before the clock or not an integer", () => {
    const { engine } = recordingEngine();
    engine.run(100);
    expect(() => engine.run(99)).toThrow("cannot run until 99: the clock is at 100");
    expect(() => engine.run(100.5)).toThrow("cannot run until 100.5: times are integer ms");
    expect(() => engine.run(Infinity)).toThrow(RangeError);
    expect(engine.now).toBe(100);
  });
});

describe("Engine.step", () => {
  it("processes one event at a time and returns false when none is left", () => {
    const { engine, log } = recordingEngine();
    engine.schedule(4, "b");
    engine.schedule(2, "a");
    expect(engine.step()).toBe(true);
    expect(log).toEqual(["2:a"]);
    expect(engine.now).toBe(2);
    expect(engine.pending).toBe(1);
    expect(engine.step()).toBe(true);
    expect(engine.now).toBe(4);
    expect(engine.step()).toBe(false);
    expect(engine.now).toBe(4);
  });

  it("skips cancelled events", () => {
    const { engine, log } = recordingEngine();
    const a = engine.schedule(1, "a");
    engine.schedule(2, "b");
    engine.cancel(a);
    expect(engine.step()).toBe(true);
    expect(log).toEqual(["2:b"]);
  });
});

describe("Engine handler", () => {
  it("takes the handler from onEvent when none was given to the constructor", () => {
    const engine = new Engine<string>();
    engine.schedule(1, "a");
    expect(() => engine.run()).toThrow("no event handler");
    expect(engine.pending).toBe(1);
    const seen: string[] = [];
    engine.onEvent((event) => seen.push(event));
    expect(engine.run()).toBe(1);
    expect(seen).toEqual(["a"]);
  });

  it("refuses step or run from inside a handler", () => {
    const errors: unknown[] = [];
    const engine = new Engine<string>((_event, sim) => {
      try {
        sim.run();
      } catch (error) {
        errors.push(error);
      }
      expect(() => sim.step()).toThrow("step and run cannot be called from inside an event handler");
    });
    engine.schedule(1, "a");
    engine.schedule(2, "b");
    expect(engine.run()).toBe(2);
    expect(errors).toHaveLength(2);
  });

  it("propagates a handler's error with the clock at that event, and stays usable", () => {
    const { engine, log } = recordingEngine((event) => {
      if (event === "boom") throw new Error("handler failed");
    });
    engine.schedule(1, "a");
    engine.schedule(2, "boom");
    engine.schedule(3, "c");
    expect(() => engine.run(10)).toThrow("handler failed");
    expect(engine.now).toBe(2);
    expect(engine.pending).toBe(1);
    expect(engine.run(10)).toBe(1);
    expect(log).toEqual(["1:a", "2:boom", "3:c"]);
    expect(engine.now).toBe(10);
  });
});
