// What the interactive test tools share across every session of one backend
// process: the counter resource, tools added at runtime, cancellations seen
// and resource subscriptions. Sessions (and the 2026 listen bus) watch it, so
// a change made through one client reaches every subscriber, as on a real server.

/** What a live server instance does when the shared state changes. */
export interface StateWatcher {
  toolAdded?(name: string): void;
  resourceUpdated?(uri: string): void;
}

/** A snapshot for the `subscriptions` tool: how many sessions hold each resource subscription. */
export interface SubscriptionReport {
  /** Sessions currently subscribed, by URI (2025 `resources/subscribe`). */
  resources: Record<string, number>;
  subscribeCalls: number;
  unsubscribeCalls: number;
  /** Open `subscriptions/listen` streams on the HTTP entry (2026), when the backend can count them. */
  listenStreams?: number;
}

export class ToolAlreadyExistsError extends Error {
  readonly code = 'tool_exists';
  constructor(name: string) {
    super(`A tool named "${name}" already exists; pick another name for add_tool`);
    this.name = 'ToolAlreadyExistsError';
  }
}

export class InteractiveState {
  readonly counterUri: string;
  readonly addedTools: string[] = [];
  #counter = 0;
  #cancellations = 0;
  #subscribeCalls = 0;
  #unsubscribeCalls = 0;
  readonly #subscribers = new Map<string, Set<object>>();
  readonly #watchers = new Set<StateWatcher>();
  /** Counts open listen streams where the serving entry lets us see them. */
  countListenStreams: (() => number) | undefined;

  constructor(counterUri: string) {
    this.counterUri = counterUri;
  }

  get counter(): number {
    return this.#counter;
  }

  get cancellations(): number {
    return this.#cancellations;
  }

  /** Registers a watcher; the returned function removes it (idempotent). */
  watch(watcher: StateWatcher): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  /** Changes the counter resource and tells every watcher; returns the new value. */
  touchCounter(): number {
    this.#counter += 1;
    for (const watcher of [...this.#watchers]) watcher.resourceUpdated?.(this.counterUri);
    return this.#counter;
  }

  addTool(name: string, existingNames: readonly string[]): void {
    if (existingNames.includes(name) || this.addedTools.includes(name)) throw new ToolAlreadyExistsError(name);
    this.addedTools.push(name);
    for (const watcher of [...this.#watchers]) watcher.toolAdded?.(name);
  }

  recordCancellation(): void {
    this.#cancellations += 1;
  }

  /** `session` is any object that identifies one connection (its server instance will do). */
  subscribe(session: object, uri: string): void {
    this.#subscribeCalls += 1;
    let sessions = this.#subscribers.get(uri);
    if (sessions === undefined) {
      sessions = new Set();
      this.#subscribers.set(uri, sessions);
    }
    sessions.add(session);
  }

  unsubscribe(session: object, uri: string): void {
    this.#unsubscribeCalls += 1;
    this.#subscribers.get(uri)?.delete(session);
  }

  isSubscribed(session: object, uri: string): boolean {
    return this.#subscribers.get(uri)?.has(session) ?? false;
  }

  /** Forgets a closed session's subscriptions. */
  forgetSession(session: object): void {
    for (const sessions of this.#subscribers.values()) sessions.delete(session);
  }

  subscriptionReport(): SubscriptionReport {
    const resources: Record<string, number> = {};
    for (const [uri, sessions] of this.#subscribers) if (sessions.size > 0) resources[uri] = sessions.size;
    const listenStreams = this.countListenStreams?.();
    return {
      resources,
      subscribeCalls: this.#subscribeCalls,
      unsubscribeCalls: this.#unsubscribeCalls,
      ...(listenStreams !== undefined && { listenStreams }),
    };
  }
}

/** Tool names add_tool accepts: the MCP tool-name characters (2025-11-25 server/tools, "Tool Names"). */
export const addedToolNamePattern = /^[A-Za-z0-9_-]{1,64}$/;

/** The greeting ask_name answers with, and the texts for the other elicitation outcomes. */
export function elicitationOutcomeText(action: 'accept' | 'decline' | 'cancel', name: unknown): string {
  if (action === 'decline') return 'declined';
  if (action === 'cancel') return 'cancelled';
  return `Hello, ${typeof name === 'string' ? name : String(name)}`;
}
