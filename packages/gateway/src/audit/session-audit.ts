// The session_start and session_end records of 2025-era sessions. A session
// that ends by idling past its TTL has no request to say who it was, so what
// its start recorded (caller, endpoint, start time) is kept here until it
// ends; one small entry per live session of this replica.

import type { IncomingMessage } from 'node:http';
import type { Caller } from '../identity/caller.ts';
import type { AuditReceipt } from './sink.ts';
import type { AuditFacts } from './record.ts';
import { auditCallerOf, sessionEndFacts, sessionStartFacts } from './gateway-events.ts';

/** Oldest entries beyond this are forgotten (and their expiry goes unrecorded): a bound on leftovers of sessions ended elsewhere. */
const MAX_LIVE_SESSIONS = 100_000;

interface LiveSession {
  caller: NonNullable<AuditFacts['caller']>;
  endpointBackend: string | undefined;
  startedAt: number;
}

export interface SessionStarted {
  sessionId: string;
  endpointBackend: string | undefined;
  protocolVersion: string;
  clientInfo: Record<string, unknown> | undefined;
  caller: Caller;
  request: IncomingMessage;
}

export class SessionAudit {
  readonly #record: (facts: AuditFacts) => Promise<AuditReceipt | undefined>;
  readonly #gatewayId: string;
  readonly #live = new Map<string, LiveSession>();

  constructor(record: (facts: AuditFacts) => Promise<AuditReceipt | undefined>, gatewayId: string) {
    this.#record = record;
    this.#gatewayId = gatewayId;
  }

  /** Resolves once the session_start record is durable (an AuditError when fail-closed could not keep it). */
  started(session: SessionStarted): Promise<AuditReceipt | undefined> {
    const startedAt = Date.now();
    const caller = auditCallerOf(session.caller, session.request, session.sessionId);
    this.#live.set(session.sessionId, { caller, endpointBackend: session.endpointBackend, startedAt });
    // A session ended on another replica (shared store) never ends here: bound what such leftovers can hold.
    if (this.#live.size > MAX_LIVE_SESSIONS) this.#live.delete(this.#live.keys().next().value!);
    return this.#record(sessionStartFacts({
      sessionId: session.sessionId,
      gatewayId: this.#gatewayId,
      endpointBackend: session.endpointBackend,
      callerFacts: caller,
      protocolVersion: session.protocolVersion,
      clientInfo: session.clientInfo,
      startedAt,
    }));
  }

  /** The client ended its session (DELETE): recorded with the caller that asked. */
  deleted(sessionId: string, endpointBackend: string | undefined, caller: Caller, request: IncomingMessage): Promise<AuditReceipt | undefined> {
    const live = this.#live.get(sessionId);
    this.#live.delete(sessionId);
    return this.#record(sessionEndFacts({ sessionId, gatewayId: this.#gatewayId, endpointBackend, caller, request, reason: 'deleted', sessionStartedAt: live?.startedAt }));
  }

  /**
   * The session idled past its TTL: recorded with the caller of its start.
   * Only sessions this replica saw start are recorded, once: one already
   * ended by DELETE, or started on another replica of a shared store (whose
   * own expiry hook may fire there too), records nothing here.
   */
  expired(sessionId: string): Promise<AuditReceipt | undefined> | undefined {
    const live = this.#live.get(sessionId);
    if (live === undefined) return undefined;
    this.#live.delete(sessionId);
    return this.#record(sessionEndFacts({
      sessionId,
      gatewayId: this.#gatewayId,
      endpointBackend: live.endpointBackend,
      callerFacts: live.caller,
      reason: 'expired',
      sessionStartedAt: live.startedAt,
    }));
  }

  /** Sessions this replica saw start and not yet end. */
  get liveCount(): number {
    return this.#live.size;
  }
}
