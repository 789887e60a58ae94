// `mcp_cost_per_session{session_id}`: the running cost of live sessions, of
// which a scrape exposes only the top K. The seed's "top expensive sessions"
// query and the runaway-agent alert need the session id, which is unbounded;
// exposing K series per scrape keeps it bounded while a runaway session is
// still open, not only after it closes.

import type { Registry } from 'prom-client';

export const SESSION_COST_METRIC = 'mcp_cost_per_session';

export interface SessionCostOptions {
  /** Sessions exposed per scrape, most expensive first. Default 10. */
  top?: number;
  /** Live sessions tracked at most; past this, new sessions are not tracked. Default 100000. */
  maxSessions?: number;
}

export class SessionCosts {
  readonly name = SESSION_COST_METRIC;
  readonly help = 'Cost units accrued by each live session (the most expensive sessions only; see docs/observability.md)';
  readonly type = 'gauge';
  readonly #costs = new Map<string, number>();
  readonly #top: number;
  readonly #maxSessions: number;

  constructor(options: SessionCostOptions = {}) {
    this.#top = options.top ?? 10;
    this.#maxSessions = options.maxSessions ?? 100_000;
  }

  get size(): number {
    return this.#costs.size;
  }

  add(sessionId: string, cost: number): void {
    const current = this.#costs.get(sessionId);
    if (current !== undefined) this.#costs.set(sessionId, current + cost);
    else if (this.#costs.size < this.#maxSessions) this.#costs.set(sessionId, cost);
  }

  /** The session's cost so far, forgotten; `undefined` when it was not tracked. */
  remove(sessionId: string): number | undefined {
    const cost = this.#costs.get(sessionId);
    this.#costs.delete(sessionId);
    return cost;
  }

  /** The K most expensive live sessions, most expensive first (scrape time only). */
  top(): Array<[sessionId: string, cost: number]> {
    const top: Array<[string, number]> = [];
    for (const entry of this.#costs) {
      if (top.length < this.#top) {
        top.push(entry);
        if (top.length === this.#top) top.sort(byCostDescending);
      } else if (entry[1] > top[top.length - 1]![1]) {
        top[top.length - 1] = entry;
        top.sort(byCostDescending);
      }
    }
    return top.length < this.#top ? top.sort(byCostDescending) : top;
  }

  get(): { name: string; help: string; type: 'gauge'; values: Array<{ labels: Record<string, string>; value: number }>; aggregator: 'sum' } {
    const values = this.top().map(([sessionId, cost]) => ({ labels: { session_id: sessionId }, value: cost }));
    return { name: this.name, help: this.help, type: 'gauge', values, aggregator: 'sum' };
  }

  reset(): void {
    this.#costs.clear();
  }

  registerIn(registry: Registry): this {
    registry.registerMetric(this as never);
    return this;
  }
}

function byCostDescending(a: [string, number], b: [string, number]): number {
  return b[1] - a[1];
}
