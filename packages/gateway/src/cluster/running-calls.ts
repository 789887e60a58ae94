// The 2025-era calls running on this replica, by session and request id:
// the transport files each call here (transport/rev2025/legacy-handler.ts),
// and a cancellation finds it, from the session's client or relayed by the
// replica mesh (replica-mesh.ts).
//
// Each session's calls sit in a SlotSet that lives as long as the session,
// because a call is filed and removed on every request and a Map keyed per
// call would be churned (collections/slot-set.ts says why that matters). A
// cancellation, which is rare, scans its own session's calls; one client's
// cancellations cannot make another's slower. A request id is a string or a
// number (JSON-RPC 2.0 §4): "1" and 1 are different requests.

import { SlotSet } from '../collections/slot-set.ts';

export interface RunningCall {
  abort(reason: string): void;
}

interface Filed<Call> {
  readonly requestId: unknown;
  readonly call: Call;
}

/** Below this many sessions, sessions left without calls are not swept. */
const SWEEP_FLOOR = 1024;

export class RunningCalls<Call extends RunningCall = RunningCall> {
  readonly #bySession = new Map<string, SlotSet<Filed<Call>>>();
  #sweepAt = SWEEP_FLOOR;

  /** Files `call`; the function returned removes it once it ends. */
  add(sessionId: string, requestId: unknown, call: Call): () => void {
    let calls = this.#bySession.get(sessionId);
    if (calls === undefined) {
      this.#sweepIfLarge();
      this.#bySession.set(sessionId, (calls = new SlotSet()));
    }
    const filed: Filed<Call> = { requestId, call };
    const slot = calls.add(filed);
    return () => void calls.delete(slot, filed);
  }

  /** The call running for `requestId` in the session, if any (a client that reused an id while its first call ran gets one of the two). */
  get(sessionId: string, requestId: unknown): Call | undefined {
    const calls = this.#bySession.get(sessionId);
    if (calls === undefined) return undefined;
    for (const filed of calls) if (filed.requestId === requestId) return filed.call;
    return undefined;
  }

  /** How many sessions have a set here, those swept not counted. */
  get sessionCount(): number {
    return this.#bySession.size;
  }

  /** The session has ended here: its calls end on their own; nothing more is filed under it. */
  forgetSession(sessionId: string): void {
    this.#bySession.delete(sessionId);
  }

  /** A session that ended elsewhere (another replica, a store's expiry) leaves an empty set: swept once they add up. */
  #sweepIfLarge(): void {
    if (this.#bySession.size < this.#sweepAt) return;
    for (const [sessionId, calls] of this.#bySession) if (calls.size === 0) this.#bySession.delete(sessionId);
    this.#sweepAt = Math.max(SWEEP_FLOOR, this.#bySession.size * 2);
  }
}
