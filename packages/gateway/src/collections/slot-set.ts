// Members that come and go many times a second (requests and calls in
// flight) in a collection that lives as long as the process.
//
// Why not a Set: V8 gives a Set or Map a new table every few adds once
// members have been deleted, and a table in the old generation (where any
// full collection leaves it) has its successors allocated there too. Each
// dead table still points at the members it held, so every young collection
// keeps them alive and then promotes them: one full collection under load
// and each call's whole graph is promoted from then on (docs/benchmarks.md,
// "Session 12"). Here members sit in the slots of one array that grows only
// with the peak count, and removing a member clears its slot.

/** Where a member sits; what removes it. */
export type Slot = number;

export class SlotSet<T> implements Iterable<T> {
  readonly #members: (T | undefined)[] = [];
  readonly #free: Slot[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Adds `member` (not undefined) and returns the slot that removes it. */
  add(member: T): Slot {
    const slot = this.#free.length > 0 ? this.#free.pop()! : this.#members.length;
    this.#members[slot] = member;
    this.#size++;
    return slot;
  }

  /** The member in `slot`, or undefined when it is empty. */
  at(slot: Slot): T | undefined {
    return this.#members[slot];
  }

  /** Puts `member` in the place of the one in an occupied `slot`. */
  replace(slot: Slot, member: T): void {
    if (this.#members[slot] === undefined) throw new RangeError(`slot ${slot} is empty`);
    this.#members[slot] = member;
  }

  /**
   * Empties `slot` if it still holds `member`; false when it does not (the
   * member was removed before and the slot may hold another one now).
   */
  delete(slot: Slot, member: T): boolean {
    if (this.#members[slot] !== member || member === undefined) return false;
    this.#members[slot] = undefined;
    this.#free.push(slot);
    this.#size--;
    return true;
  }

  *[Symbol.iterator](): Generator<T> {
    // A copy: callers settle members while iterating, which frees and refills slots.
    for (const member of this.#members.slice()) if (member !== undefined) yield member;
  }
}
