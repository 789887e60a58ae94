// Every notification a test client received, in arrival order, and a way to
// wait for the next one of a kind. Tests assert on what arrived (and what did
// not) instead of sleeping.

export interface ReceivedNotification {
  method: string;
  params: Record<string, unknown>;
}

export class NotificationTimeoutError extends Error {
  readonly code = 'notification_timeout';
  constructor(method: string, timeoutMs: number, seen: readonly ReceivedNotification[]) {
    const methods = seen.map((entry) => entry.method).join(', ') || 'none';
    super(`No ${method} notification matched within ${timeoutMs} ms; received so far: ${methods}`);
    this.name = 'NotificationTimeoutError';
  }
}

interface Waiter {
  method: string;
  matches: (params: Record<string, unknown>) => boolean;
  after: number;
  resolve: (params: Record<string, unknown>) => void;
}

export interface WaitOptions {
  /** Only a notification whose params pass this counts. */
  matching?: (params: Record<string, unknown>) => boolean;
  /** Default 5 s. */
  timeoutMs?: number;
  /** Count only notifications received after this many entries (default: any, including ones already received). */
  after?: number;
}

export class NotificationLog {
  readonly entries: ReceivedNotification[] = [];
  readonly #waiters = new Set<Waiter>();

  record(method: string, params: Record<string, unknown> | undefined): void {
    const entry = { method, params: params ?? {} };
    this.entries.push(entry);
    const index = this.entries.length - 1;
    for (const waiter of [...this.#waiters]) {
      if (waiter.method === method && index >= waiter.after && waiter.matches(entry.params)) {
        this.#waiters.delete(waiter);
        waiter.resolve(entry.params);
      }
    }
  }

  /** The params of every notification of this method so far. */
  paramsOf(method: string): Array<Record<string, unknown>> {
    return this.entries.filter((entry) => entry.method === method).map((entry) => entry.params);
  }

  /** Resolves with the params of the first matching notification, one already received included unless `after` says otherwise. */
  waitFor(method: string, options: WaitOptions = {}): Promise<Record<string, unknown>> {
    const matches = options.matching ?? (() => true);
    const after = options.after ?? 0;
    const timeoutMs = options.timeoutMs ?? 5_000;
    const found = this.entries.find((entry, index) => index >= after && entry.method === method && matches(entry.params));
    if (found !== undefined) return Promise.resolve(found.params);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        method,
        matches,
        after,
        resolve: (params) => {
          clearTimeout(timer);
          resolve(params);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new NotificationTimeoutError(method, timeoutMs, this.entries));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }
}
