// Routes notifications/progress to the call that asked for them, by tokens
// the test client mints itself rather than through the SDK's onprogress. Both
// SDKs dispatch a notification a microtask after reading it but settle a
// response at once, and a settled call forgets its progress handler, so the
// last progress read in the same chunk as the result was dropped ("unknown
// token"). Here a route lives until the caller has seen the result.

import type { ProgressUpdate } from './progress-recorder.ts';

export interface ProgressParams {
  progressToken: string | number;
  progress: number;
  total?: number;
  message?: string;
}

export class ProgressRouter {
  readonly #routes = new Map<string, (update: ProgressUpdate) => void>();
  #next = 0;

  /** Mints a progressToken whose notifications go to `onprogress` until close(). */
  open(onprogress: (update: ProgressUpdate) => void): string {
    this.#next += 1;
    const progressToken = `progress-${this.#next}`;
    this.#routes.set(progressToken, onprogress);
    return progressToken;
  }

  close(progressToken: string): void {
    this.#routes.delete(progressToken);
  }

  /** Delivers to the open route for the token; false when there is none. */
  deliver(params: ProgressParams): boolean {
    const route = this.#routes.get(String(params.progressToken));
    if (route === undefined) return false;
    route({
      progress: params.progress,
      ...(params.total !== undefined && { total: params.total }),
      ...(params.message !== undefined && { message: params.message }),
    });
    return true;
  }
}

/** Lets notifications read together with a result be dispatched before the caller looks at what arrived. */
export function afterQueuedNotifications(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
