// The label sets of one metric family: a nested map from each label value to
// the next, ending in the series' cell, capped at `maxSeries`. A hit costs one
// Map lookup per label and allocates nothing; past the cap, new label sets
// share one overflow series, so a runaway label can never grow memory.

/** The value every label takes in the series that absorbs label sets past the cap. */
export const OVERFLOW_LABEL = '__overflow__';

export interface Series<Cell> {
  /** Label name → value, built once when the series is created; used at scrape time only. */
  readonly labels: Readonly<Record<string, string>>;
  readonly cell: Cell;
}

export interface SeriesTableOptions<Cell> {
  /** The metric's name, for the overflow callback. */
  name: string;
  labelNames: readonly string[];
  maxSeries: number;
  createCell: () => Cell;
  /** Called once, the first time a label set is folded into the overflow series. */
  onOverflow?: (name: string) => void;
}

type Level<Cell> = Map<string, Level<Cell> | Cell>;

export class SeriesTable<Cell> {
  readonly labelNames: readonly string[];
  readonly #options: SeriesTableOptions<Cell>;
  readonly #root: Level<Cell> = new Map();
  readonly #series: Series<Cell>[] = [];
  #overflow: Series<Cell> | undefined;

  constructor(options: SeriesTableOptions<Cell>) {
    if (options.labelNames.length < 1 || options.labelNames.length > 3) throw new RangeError(`${options.name}: a series table takes 1 to 3 labels`);
    this.labelNames = options.labelNames;
    this.#options = options;
  }

  get size(): number {
    return this.#series.length + (this.#overflow === undefined ? 0 : 1);
  }

  // Fixed arities rather than `...values`, so a lookup builds no array.
  get1(a: string): Cell {
    return (this.#root.get(a) as Cell | undefined) ?? this.#add(a, undefined, undefined);
  }

  get2(a: string, b: string): Cell {
    const level = this.#root.get(a) as Level<Cell> | undefined;
    return (level?.get(b) as Cell | undefined) ?? this.#add(a, b, undefined);
  }

  get3(a: string, b: string, c: string): Cell {
    const level = (this.#root.get(a) as Level<Cell> | undefined)?.get(b) as Level<Cell> | undefined;
    return (level?.get(c) as Cell | undefined) ?? this.#add(a, b, c);
  }

  /** Every series, in creation order, the overflow series last. */
  *entries(): IterableIterator<Series<Cell>> {
    yield* this.#series;
    if (this.#overflow !== undefined) yield this.#overflow;
  }

  clear(): void {
    this.#root.clear();
    this.#series.length = 0;
    this.#overflow = undefined;
  }

  #add(a: string, b: string | undefined, c: string | undefined): Cell {
    if (this.#series.length >= this.#options.maxSeries) return this.#overflowCell();
    const values = [a, b, c];
    const depth = this.labelNames.length;
    const labels: Record<string, string> = {};
    let level = this.#root;
    for (let i = 0; i < depth - 1; i++) {
      const key = values[i]!;
      let next = level.get(key) as Level<Cell> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(key, next);
      }
      level = next;
    }
    for (let i = 0; i < depth; i++) labels[this.labelNames[i]!] = values[i]!;
    const cell = this.#options.createCell();
    level.set(values[depth - 1]!, cell);
    this.#series.push({ labels, cell });
    return cell;
  }

  #overflowCell(): Cell {
    if (this.#overflow === undefined) {
      const labels: Record<string, string> = {};
      for (const name of this.labelNames) labels[name] = OVERFLOW_LABEL;
      this.#overflow = { labels, cell: this.#options.createCell() };
      this.#options.onOverflow?.(this.#options.name);
    }
    return this.#overflow.cell;
  }
}
