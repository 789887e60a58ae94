// A Map for entries that come and go many times a second, keyed by a
// number or string. The index is a Map from key to slot, so the tables V8
// leaves behind as entries churn (slot-set.ts says why that matters) hold
// only keys and small integers; the values, which are what a call's graph
// hangs from, sit in a SlotSet. Keys must be primitives: an object key
// would be kept by those tables as values are by a plain Map.

import { SlotSet, type Slot } from './slot-set.ts';

export class SlotMap<K extends string | number, V> {
  readonly #slots = new Map<K, Slot>();
  readonly #values = new SlotSet<V>();

  get size(): number {
    return this.#slots.size;
  }

  has(key: K): boolean {
    return this.#slots.has(key);
  }

  get(key: K): V | undefined {
    const slot = this.#slots.get(key);
    return slot === undefined ? undefined : this.#values.at(slot);
  }

  /** Sets `value` (not undefined) for `key`. */
  set(key: K, value: V): this {
    const slot = this.#slots.get(key);
    if (slot === undefined) this.#slots.set(key, this.#values.add(value));
    else this.#values.replace(slot, value);
    return this;
  }

  delete(key: K): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    this.#slots.delete(key);
    return this.#values.delete(slot, this.#values.at(slot)!);
  }

  /** The values, from a copy: entries may be deleted while iterating. */
  values(): Generator<V> {
    return this.#values[Symbol.iterator]();
  }
}
