// Counter and histogram families that keep their numbers in plain cells and
// hand them to a prom-client Registry only when it is scraped. prom-client's
// own `child.inc()` builds a label-hash string on every call (measured 227
// ns/op with a cached child, against ~10 ns for a cell); the gateway records
// several series per message, so the hot families own their storage and
// prom-client keeps exposition, content type and the process metrics.

import type { Registry } from 'prom-client';
import { SeriesTable } from './series-table.ts';

/** What prom-client's Registry reads from a metric (`registerMetric`, `get`, `reset`). */
interface MetricValue {
  labels: Record<string, string>;
  value: number;
  metricName?: string;
}

interface CollectedMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: MetricValue[];
  aggregator: 'sum';
}

export interface FamilyOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
  maxSeries: number;
  onOverflow?: (name: string) => void;
}

export interface CounterCell {
  value: number;
}

export class CounterFamily {
  readonly name: string;
  readonly help: string;
  readonly type = 'counter';
  readonly series: SeriesTable<CounterCell>;

  constructor(options: FamilyOptions) {
    this.name = options.name;
    this.help = options.help;
    this.series = new SeriesTable<CounterCell>({ ...options, createCell: () => ({ value: 0 }) });
  }

  inc1(a: string, amount = 1): void {
    this.series.get1(a).value += amount;
  }

  inc2(a: string, b: string, amount = 1): void {
    this.series.get2(a, b).value += amount;
  }

  inc3(a: string, b: string, c: string, amount = 1): void {
    this.series.get3(a, b, c).value += amount;
  }

  get(): CollectedMetric {
    const values: MetricValue[] = [];
    for (const { labels, cell } of this.series.entries()) values.push({ labels, value: cell.value });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }

  reset(): void {
    this.series.clear();
  }

  registerIn(registry: Registry): this {
    registry.registerMetric(this as never);
    return this;
  }
}

export interface HistogramCell {
  /** Observations per bucket, not cumulative; the last slot is +Inf. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

export class HistogramFamily {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly buckets: readonly number[];
  readonly series: SeriesTable<HistogramCell>;
  readonly #bucketLabels: readonly string[];

  constructor(options: FamilyOptions & { buckets: readonly number[] }) {
    this.name = options.name;
    this.help = options.help;
    this.buckets = [...options.buckets].sort((x, y) => x - y);
    this.#bucketLabels = [...this.buckets.map(String), '+Inf'];
    const slots = this.buckets.length + 1;
    this.series = new SeriesTable<HistogramCell>({ ...options, createCell: () => ({ counts: new Float64Array(slots), sum: 0, count: 0 }) });
  }

  observe1(a: string, value: number): void {
    this.#observe(this.series.get1(a), value);
  }

  observe2(a: string, b: string, value: number): void {
    this.#observe(this.series.get2(a, b), value);
  }

  #observe(cell: HistogramCell, value: number): void {
    const buckets = this.buckets;
    let slot = 0;
    while (slot < buckets.length && value > buckets[slot]!) slot++;
    cell.counts[slot]! += 1;
    cell.sum += value;
    cell.count += 1;
  }

  get(): CollectedMetric {
    const values: MetricValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const { labels, cell } of this.series.entries()) {
      let cumulative = 0;
      for (let slot = 0; slot < cell.counts.length; slot++) {
        cumulative += cell.counts[slot]!;
        values.push({ labels: { ...labels, le: this.#bucketLabels[slot]! }, value: cumulative, metricName: bucketName });
      }
      values.push({ labels, value: cell.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: cell.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }

  reset(): void {
    this.series.clear();
  }

  registerIn(registry: Registry): this {
    registry.registerMetric(this as never);
    return this;
  }
}
