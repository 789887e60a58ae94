// One backend's tools, prompts, resources and resource templates, fetched
// whole (every page) and cached. Refreshed when the backend says its list
// changed, when it reconnects, or on access once its `ttlMs` (2026-07-28
// caching) has run out, never per client request.

import type { Backend } from '../upstream/backend.ts';
import { isBackendError } from '../upstream/backend.ts';
import { isFailure } from '../protocol/jsonrpc.ts';
import type { Logger } from '../telemetry/logger.ts';

export type ListKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

export type Primitive = Record<string, unknown> & { name?: unknown; uri?: unknown; uriTemplate?: unknown };

const LIST_METHODS: Record<ListKind, { method: string; field: string; capability: string }> = {
  tools: { method: 'tools/list', field: 'tools', capability: 'tools' },
  prompts: { method: 'prompts/list', field: 'prompts', capability: 'prompts' },
  resources: { method: 'resources/list', field: 'resources', capability: 'resources' },
  resourceTemplates: { method: 'resources/templates/list', field: 'resourceTemplates', capability: 'resources' },
};

export const LIST_KINDS = Object.keys(LIST_METHODS) as ListKind[];
const LIST_CHANGED: Record<string, ListKind[]> = {
  'notifications/tools/list_changed': ['tools'],
  'notifications/prompts/list_changed': ['prompts'],
  'notifications/resources/list_changed': ['resources', 'resourceTemplates'],
};

/** Pages fetched per list before we stop trusting a backend's cursors. */
const MAX_PAGES = 100;

interface ListState {
  items: Primitive[];
  fetchedAt: number;
  ttlMs: number | undefined;
  refreshing: Promise<void> | undefined;
}

export interface BackendCatalogOptions {
  backend: Backend;
  logger: Logger;
  /** Lower bound between refreshes when a backend says `ttlMs: 0`. */
  minRefreshIntervalMs: number;
  onChange: () => void;
  now?: () => number;
}

export class BackendCatalog {
  readonly backend: Backend;
  readonly #lists = new Map<ListKind, ListState>();
  readonly #options: BackendCatalogOptions;
  readonly #now: () => number;
  readonly #unsubscribe: (() => void)[];
  #isDetached = false;

  constructor(options: BackendCatalogOptions) {
    this.backend = options.backend;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#unsubscribe = [
      options.backend.onNotification((notification) => {
        const kinds = LIST_CHANGED[notification.method];
        if (kinds !== undefined) void this.refresh(kinds);
      }),
      options.backend.onStateChange((state) => {
        if (state === 'ready') void this.refresh(LIST_KINDS);
        else if (state === 'closed') this.#options.onChange();
      }),
    ];
  }

  /** Stops listening to the backend: it left the catalog (reload), and its closing must not touch the views. */
  detach(): void {
    this.#isDetached = true;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }

  /** The cached items; schedules a background refresh if they are stale. */
  items(kind: ListKind): readonly Primitive[] {
    const state = this.#lists.get(kind);
    if (state === undefined) return [];
    if (state.ttlMs !== undefined && state.refreshing === undefined) {
      const age = this.#now() - state.fetchedAt;
      if (age >= Math.max(state.ttlMs, this.#options.minRefreshIntervalMs)) void this.refresh([kind]);
    }
    return state.items;
  }

  /** Every list as last fetched, once each has been fetched and none is being refreshed (the registry's schema snapshots); else undefined. */
  settledLists(): Record<ListKind, readonly Primitive[]> | undefined {
    const lists: Partial<Record<ListKind, readonly Primitive[]>> = {};
    for (const kind of LIST_KINDS) {
      const state = this.#lists.get(kind);
      if (state === undefined || state.fetchedAt === 0 || state.refreshing !== undefined) return undefined;
      lists[kind] = state.items;
    }
    return lists as Record<ListKind, readonly Primitive[]>;
  }

  /** The backend's freshness hint for a list, if it gave one. */
  ttlMs(kind: ListKind): number | undefined {
    return this.#lists.get(kind)?.ttlMs;
  }

  /** Refetches the given lists; concurrent refreshes of one list share a fetch. */
  async refresh(kinds: readonly ListKind[]): Promise<void> {
    await Promise.all(kinds.map((kind) => this.#refreshOne(kind)));
  }

  #refreshOne(kind: ListKind): Promise<void> {
    const existing = this.#lists.get(kind);
    if (existing?.refreshing !== undefined) return existing.refreshing;
    const state: ListState = existing ?? { items: [], fetchedAt: 0, ttlMs: undefined, refreshing: undefined };
    this.#lists.set(kind, state);
    state.refreshing = this.#fetchAll(kind)
      .then((fetched) => {
        if (fetched === undefined) return;
        state.items = fetched.items;
        state.ttlMs = fetched.ttlMs;
        state.fetchedAt = this.#now();
        if (!this.#isDetached) this.#options.onChange();
      })
      .catch((error: unknown) => {
        const level = isBackendError(error) ? 'warn' : 'error';
        this.#options.logger[level]({ backend: this.backend.name, list: kind, err: error }, 'could not refresh backend catalog; keeping the last known list');
      })
      .finally(() => {
        state.refreshing = undefined;
      });
    return state.refreshing;
  }

  async #fetchAll(kind: ListKind): Promise<{ items: Primitive[]; ttlMs: number | undefined } | undefined> {
    const { method, field, capability } = LIST_METHODS[kind];
    const handshake = this.backend.handshake;
    if (handshake === undefined || this.backend.state !== 'ready') return undefined;
    if (handshake.capabilities[capability] === undefined) return { items: [], ttlMs: undefined };
    const items: Primitive[] = [];
    let cursor: string | undefined;
    let ttlMs: number | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const response = await this.backend.request({ method, params: cursor === undefined ? {} : { cursor } });
      if (isFailure(response)) {
        // A backend that advertises resources but not templates answers -32601 here: an empty list, not a fault.
        if (response.error.code === -32601) return { items: [], ttlMs: undefined };
        throw new Error(`${method} failed on backend "${this.backend.name}": ${response.error.message}`);
      }
      const result = response.result;
      const pageItems = result[field];
      if (Array.isArray(pageItems)) for (const item of pageItems) if (typeof item === 'object' && item !== null) items.push(item as Primitive);
      if (typeof result.ttlMs === 'number' && result.ttlMs >= 0) ttlMs = ttlMs === undefined ? result.ttlMs : Math.min(ttlMs, result.ttlMs);
      cursor = typeof result.nextCursor === 'string' && result.nextCursor.length > 0 ? result.nextCursor : undefined;
      if (cursor === undefined) break;
    }
    return { items, ttlMs };
  }
}
