// The engine's one queue. Entries live in parallel typed arrays rather than objects: a push or
// pop allocates nothing (outside of growth), comparisons read contiguous memory, and the
// garbage collector has only the event payloads to trace.

/** A handle is `generation * SLOT_SPACE + slot`: the slot's index, and how often it was reused. */
const SLOT_SPACE = 2 ** 24;
/**
 * The last generation a slot may carry before it is retired: `generation * SLOT_SPACE + slot`
 * must stay a safe integer, and a slot never wraps round, so a stale handle can never alias a
 * new entry. Retiring one slot per 2^29 reuses is a leak of a few bytes per half-billion events.
 */
const MAX_GENERATION = 2 ** 29 - 1;
/** The most entries (live or cancelled-but-not-yet-removed) the queue can hold at once. */
export const MAX_QUEUED = SLOT_SPACE;

const FREE = 0;
const LIVE = 1;
const CANCELLED = 2;

/** Priorities are 16-bit so that (priority, sequence) fits one exact float64: see SEQUENCE_SPACE. */
export const MIN_PRIORITY = -(2 ** 15);
export const MAX_PRIORITY = 2 ** 15 - 1;
/**
 * Sequence numbers run below 2^37 (137 billion pushes), so that
 * `rank = (priority - MIN_PRIORITY) * 2^37 + sequence` stays below 2^53 and one float64
 * comparison orders two entries at the same time. When the counter runs out, the queued entries
 * are renumbered in order (rare and O(n log n)), so there is no limit on a run's length.
 */
const SEQUENCE_SPACE = 2 ** 37;

/** Options of an EventQueue. */
export interface EventQueueOptions {
  /** Entries to allocate room for up front; the queue doubles as needed. */
  initialCapacity?: number;
  /**
   * @internal Sequence numbers per priority before renumbering (default 2^37); smaller values
   * exist so tests can exercise renumbering.
   */
  sequenceSpace?: number;
}

/** Below this many cancelled entries, compaction is not worth a pass over the heap. */
const COMPACT_MIN = 64;
const INITIAL_CAPACITY = 64;

/**
 * A binary min-heap of scheduled events ordered by (time, priority, sequence): lower time first,
 * then lower priority, then first scheduled first. The sequence number makes every key unique,
 * so the pop order is a total order fixed by the pushes alone: the run is deterministic.
 *
 * Cancellation is lazy: a cancelled entry is marked and skipped when it reaches the top, which
 * makes `cancel` O(1). So that many cancelled timeouts do not pile up, the heap is compacted
 * once cancelled entries outnumber live ones: each cancelled entry is swept out once, which keeps
 * cancellation O(1) amortised and the memory proportional to the live count (see `held`).
 *
 * Times are integer milliseconds (safe integers); priorities are 16-bit integers.
 * @example
 * const queue = new EventQueue<string>();
 * queue.push(20, 0, "later");
 * const handle = queue.push(10, 0, "sooner");
 * queue.push(10, -1, "urgent");
 * queue.cancel(handle); // true
 * queue.pop(); // "urgent"
 * queue.pop(); // "later"
 */
export class EventQueue<E> {
  // The heap, by position: the time, the rest of the key folded into one number, the rank (see
  // SEQUENCE_SPACE),
  // and the slot holding the payload.
  private heapTime: Float64Array;
  private heapRank: Float64Array;
  private heapSlot: Int32Array;
  private heapSize = 0;

  // Slots, by index: the payload, whether it is live, and how often the slot has been reused
  // (the generation turns a slot index into a handle that goes stale when the entry leaves).
  private events: (E | undefined)[] = [];
  private slotState: Uint8Array;
  private slotGeneration: Int32Array;
  private freeSlots: Int32Array;
  private freeCount = 0;
  private slotsUsed = 0;

  private capacity: number;
  private readonly sequenceSpace: number;
  private nextSequence = 0;
  private liveCount = 0;
  private cancelledCount = 0;

  constructor(options: EventQueueOptions = {}) {
    const { initialCapacity = INITIAL_CAPACITY, sequenceSpace = SEQUENCE_SPACE } = options;
    if (!Number.isSafeInteger(initialCapacity) || initialCapacity < 1 || initialCapacity > MAX_QUEUED) {
      throw new RangeError(`initialCapacity must be an integer in [1, ${MAX_QUEUED}], got ${initialCapacity}`);
    }
    if (!Number.isSafeInteger(sequenceSpace) || sequenceSpace < 2 || sequenceSpace > SEQUENCE_SPACE) {
      throw new RangeError(`sequenceSpace must be an integer in [2, ${SEQUENCE_SPACE}], got ${sequenceSpace}`);
    }
    this.capacity = initialCapacity;
    this.sequenceSpace = sequenceSpace;
    this.heapTime = new Float64Array(initialCapacity);
    this.heapRank = new Float64Array(initialCapacity);
    this.heapSlot = new Int32Array(initialCapacity);
    this.slotState = new Uint8Array(initialCapacity);
    this.slotGeneration = new Int32Array(initialCapacity);
    this.freeSlots = new Int32Array(initialCapacity);
  }

  /** The number of live (scheduled, not cancelled, not yet popped) entries. */
  get size(): number {
    return this.liveCount;
  }

  /**
   * The number of entries the heap holds: live ones plus cancelled ones not yet swept out. It
   * never exceeds `2 × size + 63`, which is what makes lazy cancellation safe for memory.
   */
  get held(): number {
    return this.heapSize;
  }

  /**
   * Adds an event and returns its handle, a non-negative integer valid for `cancel` until the
   * entry is popped or cancelled.
   * @throws RangeError if `time` is not a safe integer or `priority` is not an integer in
   * [MIN_PRIORITY, MAX_PRIORITY].
   */
  push(time: number, priority: number, event: E): number {
    if (!Number.isSafeInteger(time)) throw new RangeError(`event time must be a safe integer (ms), got ${time}`);
    if (!Number.isInteger(priority) || priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
      throw new RangeError(`event priority must be an integer in [${MIN_PRIORITY}, ${MAX_PRIORITY}], got ${priority}`);
    }
    if (this.nextSequence === this.sequenceSpace) this.renumber();

    let slot: number;
    if (this.freeCount > 0) {
      slot = this.freeSlots[--this.freeCount]!;
    } else {
      if (this.slotsUsed === this.capacity) this.grow();
      slot = this.slotsUsed++;
    }
    this.events[slot] = event;
    this.slotState[slot] = LIVE;
    this.liveCount += 1;

    const rank = (priority - MIN_PRIORITY) * this.sequenceSpace + this.nextSequence++;
    const heapTime = this.heapTime;
    const heapRank = this.heapRank;
    const heapSlot = this.heapSlot;
    let position = this.heapSize++;
    while (position > 0) {
      const parent = (position - 1) >> 1;
      const parentTime = heapTime[parent]!;
      if (parentTime < time || (parentTime === time && heapRank[parent]! < rank)) break;
      heapTime[position] = parentTime;
      heapRank[position] = heapRank[parent]!;
      heapSlot[position] = heapSlot[parent]!;
      position = parent;
    }
    heapTime[position] = time;
    heapRank[position] = rank;
    heapSlot[position] = slot;

    return this.slotGeneration[slot]! * SLOT_SPACE + slot;
  }

  /**
   * Cancels a pending entry. Returns false, changing nothing, if the handle was already popped,
   * already cancelled, or never issued.
   */
  cancel(handle: number): boolean {
    if (!this.isPending(handle)) return false;
    const slot = handle % SLOT_SPACE;
    this.slotState[slot] = CANCELLED;
    // Drop the payload now: the entry may sit in the heap a while before it is swept out.
    this.events[slot] = undefined;
    this.liveCount -= 1;
    this.cancelledCount += 1;
    this.compactIfMostlyCancelled();
    return true;
  }

  /** Whether `handle` names an entry that is still scheduled (neither popped nor cancelled). */
  isPending(handle: number): boolean {
    if (!Number.isSafeInteger(handle) || handle < 0) return false;
    const slot = handle % SLOT_SPACE;
    const generation = (handle - slot) / SLOT_SPACE;
    return slot < this.slotsUsed && this.slotState[slot] === LIVE && this.slotGeneration[slot] === generation;
  }

  /** The time of the next live entry, or `Infinity` when there is none. */
  peekTime(): number {
    this.dropCancelledTop();
    return this.heapSize > 0 ? this.heapTime[0]! : Infinity;
  }

  /** The priority of the next live entry, or `undefined` when there is none. */
  peekPriority(): number | undefined {
    this.dropCancelledTop();
    if (this.heapSize === 0) return undefined;
    return Math.floor(this.heapRank[0]! / this.sequenceSpace) + MIN_PRIORITY;
  }

  /**
   * Removes the next live entry and returns its event, or `undefined` when the queue is empty
   * (check `size` first if `E` itself admits `undefined`). Its time is what `peekTime` returned.
   */
  pop(): E | undefined {
    this.dropCancelledTop();
    if (this.heapSize === 0) return undefined;
    const slot = this.heapSlot[0]!;
    const event = this.events[slot];
    this.removeTop();
    this.releaseSlot(slot);
    this.liveCount -= 1;
    // Popping live entries can also leave the cancelled ones in the majority.
    this.compactIfMostlyCancelled();
    return event;
  }

  /** Removes every entry; handles issued before stay invalid. */
  clear(): void {
    for (let position = 0; position < this.heapSize; position += 1) this.releaseSlot(this.heapSlot[position]!);
    this.heapSize = 0;
    this.liveCount = 0;
    this.cancelledCount = 0;
  }

  private dropCancelledTop(): void {
    if (this.cancelledCount === 0) return;
    while (this.heapSize > 0) {
      const slot = this.heapSlot[0]!;
      if (this.slotState[slot] !== CANCELLED) return;
      this.removeTop();
      this.releaseSlot(slot);
      this.cancelledCount -= 1;
    }
  }

  /** Moves the last entry into the root's place and sifts it down. */
  private removeTop(): void {
    const last = --this.heapSize;
    if (last > 0) this.siftDown(0, this.heapTime[last]!, this.heapRank[last]!, this.heapSlot[last]!);
  }

  /** Places the entry (time, rank, slot) at heap position `start` or below it. */
  private siftDown(start: number, time: number, rank: number, slot: number): void {
    const heapTime = this.heapTime;
    const heapRank = this.heapRank;
    const heapSlot = this.heapSlot;
    const size = this.heapSize;
    let position = start;
    for (;;) {
      let child = 2 * position + 1;
      if (child >= size) break;
      let childTime = heapTime[child]!;
      let childRank = heapRank[child]!;
      const right = child + 1;
      if (right < size) {
        const rightTime = heapTime[right]!;
        const rightRank = heapRank[right]!;
        if (rightTime < childTime || (rightTime === childTime && rightRank < childRank)) {
          child = right;
          childTime = rightTime;
          childRank = rightRank;
        }
      }
      if (time < childTime || (time === childTime && rank < childRank)) break;
      heapTime[position] = childTime;
      heapRank[position] = childRank;
      heapSlot[position] = heapSlot[child]!;
      position = child;
    }
    heapTime[position] = time;
    heapRank[position] = rank;
    heapSlot[position] = slot;
  }

  private releaseSlot(slot: number): void {
    this.slotState[slot] = FREE;
    this.events[slot] = undefined;
    const generation = this.slotGeneration[slot]! + 1;
    this.slotGeneration[slot] = generation;
    if (generation <= MAX_GENERATION) this.freeSlots[this.freeCount++] = slot;
  }

  private compactIfMostlyCancelled(): void {
    if (this.cancelledCount > this.liveCount && this.cancelledCount >= COMPACT_MIN) this.compact();
  }

  /** Sweeps cancelled entries out of the heap and restores heap order bottom-up (Floyd, O(n)). */
  private compact(): void {
    const heapTime = this.heapTime;
    const heapRank = this.heapRank;
    const heapSlot = this.heapSlot;
    let kept = 0;
    for (let position = 0; position < this.heapSize; position += 1) {
      const slot = heapSlot[position]!;
      if (this.slotState[slot] === CANCELLED) {
        this.releaseSlot(slot);
      } else {
        heapTime[kept] = heapTime[position]!;
        heapRank[kept] = heapRank[position]!;
        heapSlot[kept] = slot;
        kept += 1;
      }
    }
    this.heapSize = kept;
    this.cancelledCount = 0;
    // The keys are unique, so any valid heap over them pops in the same order: rebuilding does
    // not disturb determinism.
    for (let position = (kept >> 1) - 1; position >= 0; position -= 1) {
      this.siftDown(position, heapTime[position]!, heapRank[position]!, heapSlot[position]!);
    }
  }

  /**
   * Gives the queued entries fresh sequence numbers 0..n-1 in their old order, once the counter
   * reaches the sequence space. No comparison between queued entries changes, so the heap stays
   * valid and the pop order is the same as with unbounded sequence numbers.
   */
  private renumber(): void {
    const space = this.sequenceSpace;
    // Only a test's tiny sequence space can get here: the default one exceeds MAX_QUEUED.
    if (this.heapSize >= space) throw new RangeError(`more than ${space - 1} entries queued: no sequence numbers left`);
    const positions = Array.from({ length: this.heapSize }, (_, position) => position);
    positions.sort((a, b) => (this.heapRank[a]! % space) - (this.heapRank[b]! % space));
    positions.forEach((position, sequence) => {
      const rank = this.heapRank[position]!;
      this.heapRank[position] = rank - (rank % space) + sequence;
    });
    this.nextSequence = this.heapSize;
  }

  private grow(): void {
    if (this.capacity === MAX_QUEUED) {
      throw new RangeError(`the event queue is full: at most ${MAX_QUEUED} entries may be pending at once`);
    }
    const capacity = Math.min(this.capacity * 2, MAX_QUEUED);
    this.heapTime = resized(this.heapTime, new Float64Array(capacity));
    this.heapRank = resized(this.heapRank, new Float64Array(capacity));
    this.heapSlot = resized(this.heapSlot, new Int32Array(capacity));
    this.slotState = resized(this.slotState, new Uint8Array(capacity));
    this.slotGeneration = resized(this.slotGeneration, new Int32Array(capacity));
    this.freeSlots = resized(this.freeSlots, new Int32Array(capacity));
    this.capacity = capacity;
  }
}

function resized<T extends Float64Array | Int32Array | Uint8Array>(old: T, fresh: T): T {
  fresh.set(old);
  return fresh;
}
