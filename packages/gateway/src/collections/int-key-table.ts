// A table keyed by non-negative integers, for ids the gateway numbers itself
// (a stdio channel's request ids) that come and go many times a second.
// Open addressing with linear probing over two arrays that grow only with
// the peak count: keys in a Float64Array, which the garbage collector never
// scans, and values in an array whose slot is cleared on removal. No table
// is allocated per add or remove, as a Map's would be (collections/slot-set.ts
// says why that matters), and no key object is kept.

const EMPTY = -1;
const MIN_CAPACITY = 16;

export class IntKeyTable<V> {
  #keys = new Float64Array(MIN_CAPACITY).fill(EMPTY);
  #values: (V | undefined)[] = new Array<V | undefined>(MIN_CAPACITY).fill(undefined);
  #mask = MIN_CAPACITY - 1;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  has(key: number): boolean {
    return this.#indexOf(key) !== -1;
  }

  get(key: number): V | undefined {
    const index = this.#indexOf(key);
    return index === -1 ? undefined : this.#values[index];
  }

  /** Sets `value` for `key`, an integer from 0 to 2^53 - 1. */
  set(key: number, value: V): this {
    if (!Number.isSafeInteger(key) || key < 0) throw new RangeError(`IntKeyTable keys are non-negative safe integers, not ${key}`);
    const existing = this.#indexOf(key);
    if (existing !== -1) {
      this.#values[existing] = value;
      return this;
    }
    // At most half full, so probes stay short.
    if ((this.#size + 1) * 2 > this.#keys.length) this.#grow();
    this.#insert(key, value);
    this.#size++;
    return this;
  }

  delete(key: number): boolean {
    let hole = this.#indexOf(key);
    if (hole === -1) return false;
    const keys = this.#keys;
    const mask = this.#mask;
    // Backward-shift deletion: later entries of the probe run move up, so no tombstones pile up.
    for (let next = (hole + 1) & mask; keys[next] !== EMPTY; next = (next + 1) & mask) {
      const home = this.#home(keys[next]!);
      // The entry at `next` may fill the hole unless its home lies cyclically in (hole, next].
      const staysPut = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (staysPut) continue;
      keys[hole] = keys[next]!;
      this.#values[hole] = this.#values[next];
      hole = next;
    }
    keys[hole] = EMPTY;
    this.#values[hole] = undefined;
    this.#size--;
    return true;
  }

  /**
   * The values, read in place: no copy, since a channel reads them for each
   * message it routes. Deleting moves entries (backward shift), so a caller
   * that deletes while iterating takes a copy first (`[...table.values()]`).
   */
  *values(): Generator<V> {
    const keys = this.#keys;
    const values = this.#values;
    for (let index = 0; index < keys.length; index++) if (keys[index] !== EMPTY) yield values[index]!;
  }

  #home(key: number): number {
    // Sequential ids fill consecutive slots; the low 32 bits are plenty to spread them.
    return (key % 4294967296) & this.#mask;
  }

  #indexOf(key: number): number {
    const keys = this.#keys;
    for (let index = this.#home(key); ; index = (index + 1) & this.#mask) {
      const candidate = keys[index];
      if (candidate === key) return index;
      if (candidate === EMPTY) return -1;
    }
  }

  #insert(key: number, value: V): void {
    let index = this.#home(key);
    while (this.#keys[index] !== EMPTY) index = (index + 1) & this.#mask;
    this.#keys[index] = key;
    this.#values[index] = value;
  }

  #grow(): void {
    const keys = this.#keys;
    const values = this.#values;
    const capacity = keys.length * 2;
    this.#keys = new Float64Array(capacity).fill(EMPTY);
    this.#values = new Array<V | undefined>(capacity).fill(undefined);
    this.#mask = capacity - 1;
    for (let index = 0; index < keys.length; index++) if (keys[index] !== EMPTY) this.#insert(keys[index]!, values[index] as V);
  }
}
