// The sessions open on this replica: when each opened and what it has cost
// so far. Gives `mcp_concurrent_sessions` (read at scrape time), the lifetime
// for `mcp_session_duration_seconds` when one closes, and
// `mcp_cost_per_session{session_id}`, of which a scrape shows only the top K:
// the "top expensive sessions" question (docs/usage.md) and the runaway-agent alert need
// the session id, which is unbounded, while a runaway session is still open.

import type { Registry } from 'prom-client';

export const SESSION_COST_METRIC = 'mcp_cost_per_session';

export interface LiveSessionOptions {
  /** Sessions `mcp_cost_per_session` shows per scrape, most expensive first. Default 10. */
  top?: number;
  /** Sessions tracked at most; past this, new sessions are not tracked (counted nowhere). Default 1000000. */
  maxSessions?: number;
}

interface LiveSession {
  openedAtMs: number;
  cost: number;
}

export class LiveSessions {
  readonly name = SESSION_COST_METRIC;
  readonly help = 'Cost units accrued by each live session (the most expensive sessions only; see docs/observability.md)';
  readonly type = 'gauge';
  readonly #sessions = new Map<string, LiveSession>();
  readonly #top: number;
  readonly #maxSessions: number;

  constructor(options: LiveSessionOptions = {}) {
    this.#top = options.top ?? 10;
    this.#maxSessions = options.maxSessions ?? 1_000_000;
  }

  get size(): number {
    return this.#sessions.size;
  }

  open(sessionId: string, openedAtMs: number): void {
    if (this.#sessions.has(sessionId) || this.#sessions.size >= this.#maxSessions) return;
    this.#sessions.set(sessionId, { openedAtMs, cost: 0 });
  }

  /** Forgets the session; its lifetime in seconds, or `undefined` when it was not open here. */
  close(sessionId: string, closedAtMs: number): number | undefined {
    const session = this.#sessions.get(sessionId);
    if (session === undefined) return undefined;
    this.#sessions.delete(sessionId);
    return Math.max(0, closedAtMs - session.openedAtMs) / 1000;
  }

  /** Adds to an open session's cost; a session not open here (another replica's, or already closed) is ignored. */
  addCost(sessionId: string, cost: number): void {
    const session = this.#sessions.get(sessionId);
    if (session !== undefined) session.cost += cost;
  }

  /** The K most expensive live sessions with a cost, most expensive first (scrape time only). */
  top(): Array<[sessionId: string, cost: number]> {
    const top: Array<[string, number]> = [];
    for (const [sessionId, { cost }] of this.#sessions) {
      if (cost <= 0) continue;
      if (top.length < this.#top) {
        top.push([sessionId, cost]);
        if (top.length === this.#top) top.sort(byCostDescending);
      } else if (cost > top[top.length - 1]![1]) {
        top[top.length - 1] = [sessionId, cost];
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
    this.#sessions.clear();
  }

  registerIn(registry: Registry): this {
    registry.registerMetric(this as never);
    return this;
  }
}

function byCostDescending(a: [string, number], b: [string, number]): number {
  return b[1] - a[1];
}
