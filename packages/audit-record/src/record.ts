// The audit record (docs/audit.md, version "audit_v1") and the pure builder
// that makes one from the plain facts of an operation: the one definition the
// gateway (packages/gateway/src/audit/record.ts re-exports it) and servers on
// @gatehouse/server-kit both write, so one query covers a call as the gateway
// saw it and as the server saw it, and both hash alike. No dependencies.

import { randomFillSync } from 'node:crypto';

export const AUDIT_RECORD_VERSION = 'audit_v1';

export const OPERATION_TYPES = [
  'tool_invocation',
  'resource_read',
  'prompt_get',
  'completion',
  'list',
  'discovery',
  'session_start',
  'session_end',
  'auth_failure',
  'policy_denial',
  'approval_decision',
  'admin_action',
  /** A backend's request to the client (sampling, elicitation, roots), carried by the gateway. */
  'server_request',
  /** tasks/get, tasks/update, tasks/cancel, tasks/result on a task a tools/call created (its creation is the tool_invocation). */
  'task_operation',
  /** Anything else the gateway answers (ping, logging/setLevel, subscriptions). */
  'other',
] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];

/**
 * `attempted`: the write-ahead record of a call that changes data, durable
 * before the call is forwarded (write-ahead.ts); its outcome follows in a
 * second record whose `context.attempt_id` names it.
 */
export const RESULT_STATUSES = ['success', 'error', 'denied', 'timeout', 'cancelled', 'attempted'] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

/**
 * Records fall in two retention categories (docs/audit.md: security events
 * are kept longer than routine operations); each category is its own log per replica,
 * so that deleting expired routine days never cuts into the security chain.
 */
export const AUDIT_CATEGORIES = ['security', 'routine'] as const;
export type AuditCategory = (typeof AUDIT_CATEGORIES)[number];

const SECURITY_OPERATION_TYPES: ReadonlySet<OperationType> = new Set(['auth_failure', 'policy_denial', 'approval_decision', 'admin_action']);

/** One entry of `context.policy_decisions`: policy, decision, and that policy's own facts flattened beside them. */
export interface AuditPolicyDecision {
  policy: string;
  decision: string;
  [fact: string]: unknown;
}

export interface AuditRecord {
  audit_id: string;
  /** ISO 8601 UTC with milliseconds: when the operation arrived. */
  timestamp: string;
  version: typeof AUDIT_RECORD_VERSION;
  caller: {
    identity: string | null;
    agent: string | null;
    session_id: string | null;
    /**
     * The tenant the operation ran for (docs/tenants.md). Present only on a
     * gateway with tenants, so records written without them hash exactly as
     * before and older chains verify unchanged.
     */
    tenant?: string;
    trace_id: string | null;
    client_ip: string | null;
    user_agent: string | null;
  };
  operation: {
    type: OperationType;
    server: string | null;
    name: string | null;
    arguments: Record<string, unknown> | null;
    scope_used: string | null;
  };
  result: {
    status: ResultStatus;
    duration_ms: number;
    output_size_bytes: number;
    redactions: string[];
    error: { code: string | number; message: string } | null;
    /** Present only for backends whose outputs are stored (`store_outputs`). */
    output?: unknown;
  };
  context: {
    /** Present only on the outcome record of a call that was recorded before it was forwarded: the attempt record's audit_id. */
    attempt_id?: string;
    gateway_id: string;
    policy_decisions: AuditPolicyDecision[];
  };
}

/** A policy's verdict as the policy chain records it (the shape of policy/policy.ts's Decision). */
export interface PolicyDecisionFact {
  policy: string;
  decision: string;
  reason?: string;
  details?: Record<string, unknown>;
}

/** What the gateway knows about one operation, in its own terms; buildAuditRecord turns it into a record. */
export interface AuditFacts {
  type: OperationType;
  /** Wall-clock arrival time, epoch milliseconds (Date.now(), not performance.now()). */
  startedAt: number;
  durationMs: number;
  gatewayId: string;
  status: ResultStatus;
  caller?: {
    identity?: string | undefined;
    agent?: string | undefined;
    sessionId?: string | undefined;
    tenant?: string | undefined;
    traceId?: string | undefined;
    clientIp?: string | undefined;
    userAgent?: string | undefined;
  };
  /** The backend's name, and its own tool/prompt name or resource URI. */
  server?: string | undefined;
  name?: string | undefined;
  /** Already redacted. */
  arguments?: Record<string, unknown> | undefined;
  scopeUsed?: string | undefined;
  outputSizeBytes?: number | undefined;
  /** Already redacted; pass it only when the backend's outputs are stored (AuditSettings.storeOutputs). */
  output?: unknown;
  /** Names of the redactions applied to arguments and output (`email_partial`). */
  redactions?: readonly string[] | undefined;
  error?: { code: string | number; message: string } | undefined;
  policyDecisions?: readonly PolicyDecisionFact[] | undefined;
  /** A caller-chosen id, e.g. to correlate with logs; generated when absent. */
  auditId?: string | undefined;
  /** The audit_id of this call's write-ahead record (status `attempted`), on its outcome record. */
  attemptId?: string | undefined;
}

/**
 * Builds the record; pure apart from generating an audit_id when none is
 * given. Keys are written in sorted order so that canonical serialization
 * (canonical-json.ts) takes its fast path.
 */
export function buildAuditRecord(facts: AuditFacts): AuditRecord {
  // Optional keys are chosen between two whole literals rather than spread in
  // (`...(x === undefined ? {} : {x})`): a spread makes a temporary object and
  // copies it per record, and every record of a kind then shares one shape.
  const caller = facts.caller ?? {};
  const durationMs = Math.max(0, Math.round(facts.durationMs));
  const error = facts.error === undefined ? null : { code: facts.error.code, message: facts.error.message };
  const outputSizeBytes = Math.max(0, Math.round(facts.outputSizeBytes ?? 0));
  const redactions = facts.redactions === undefined ? [] : [...facts.redactions];
  const result: AuditRecord['result'] =
    facts.output === undefined
      ? { duration_ms: durationMs, error, output_size_bytes: outputSizeBytes, redactions, status: facts.status }
      : { duration_ms: durationMs, error, output: facts.output, output_size_bytes: outputSizeBytes, redactions, status: facts.status };
  const agent = caller.agent ?? null;
  const clientIp = caller.clientIp ?? null;
  const identity = caller.identity ?? null;
  const sessionId = caller.sessionId ?? null;
  const traceId = caller.traceId ?? null;
  const userAgent = caller.userAgent ?? null;
  const policyDecisions = facts.policyDecisions === undefined ? [] : facts.policyDecisions.map(policyDecisionEntry);
  return {
    audit_id: facts.auditId ?? newAuditId(facts.startedAt),
    caller:
      caller.tenant === undefined
        ? { agent, client_ip: clientIp, identity, session_id: sessionId, trace_id: traceId, user_agent: userAgent }
        : { agent, client_ip: clientIp, identity, session_id: sessionId, tenant: caller.tenant, trace_id: traceId, user_agent: userAgent },
    context:
      facts.attemptId === undefined
        ? { gateway_id: facts.gatewayId, policy_decisions: policyDecisions }
        : { attempt_id: facts.attemptId, gateway_id: facts.gatewayId, policy_decisions: policyDecisions },
    operation: {
      arguments: facts.arguments ?? null,
      name: facts.name ?? null,
      scope_used: facts.scopeUsed ?? null,
      server: facts.server ?? null,
      type: facts.type,
    },
    result,
    timestamp: isoTimestamp(facts.startedAt),
    version: AUDIT_RECORD_VERSION,
  };
}

/** As documented, `{"policy": "rate_limit", "decision": "allow", "remaining": 58}`: details beside the verdict, never over it. */
function policyDecisionEntry(fact: PolicyDecisionFact): AuditPolicyDecision {
  // Most verdicts carry no details: their keys (decision, policy, reason) are written in sorted order directly, without the merge and sort, which showed in profiles at seven policies and two records per call.
  if (fact.details === undefined) {
    return (fact.reason === undefined ? { decision: fact.decision, policy: fact.policy } : { decision: fact.decision, policy: fact.policy, reason: fact.reason }) as AuditPolicyDecision;
  }
  // With details, their keys and the verdict's own (decision, policy, a reason) are merged in sorted order as they are
  // written: no merged copy and no sort of it (three of the default chain's seven verdicts carry details, in two records
  // per call; the copy and the sort were a tenth of the bytes a call allocated). The verdict's own keys win over details'.
  const details = fact.details;
  const keys = Object.keys(details);
  if (!isSorted(keys)) keys.sort();
  const ownCount = fact.reason === undefined ? 2 : 3;
  const entry: Record<string, unknown> = {};
  let own = 0;
  for (const key of keys) {
    if (key === 'decision' || key === 'policy' || (key === 'reason' && ownCount === 3)) continue;
    for (; own < ownCount && VERDICT_KEYS[own]! < key; own += 1) entry[VERDICT_KEYS[own]!] = verdictValue(fact, own);
    entry[key] = details[key];
  }
  for (; own < ownCount; own += 1) entry[VERDICT_KEYS[own]!] = verdictValue(fact, own);
  return entry as AuditPolicyDecision;
}

/** A verdict's own keys, in sorted order; `reason` only when it has one. */
const VERDICT_KEYS = ['decision', 'policy', 'reason'] as const;

function verdictValue(fact: PolicyDecisionFact, index: number): string | undefined {
  return index === 0 ? fact.decision : index === 1 ? fact.policy : fact.reason;
}

function isSorted(keys: readonly string[]): boolean {
  for (let index = 1; index < keys.length; index += 1) if (keys[index - 1]! > keys[index]!) return false;
  return true;
}

/**
 * new Date(at).toISOString(), remembered for the last millisecond: both
 * records of a call, and calls that arrive together, mostly fall in one, and
 * formatting a date costs about 0.6 µs. Date truncates a fractional time to
 * its millisecond the same way.
 */
function isoTimestamp(at: number): string {
  if (typeof at !== 'number') return new Date(at).toISOString();
  const ms = Math.trunc(at);
  if (ms !== lastTimestamp.ms) lastTimestamp = { ms, text: new Date(ms).toISOString() };
  return lastTimestamp.text;
}

let lastTimestamp = { ms: Number.NaN, text: '' };

/** `audit_2026_05_19_<32 hex>`: the documented form, the day first so ids sort roughly by time. */
export function newAuditId(startedAt: number): string {
  if (startedAt < idDay.startsAt || startedAt >= idDay.endsAt) idDay = auditIdDay(startedAt);
  return `${idDay.prefix}${randomUuidHex()}`;
}

/**
 * A random (version 4) UUID as 32 hex digits, the form randomUUID() gives
 * without its dashes. Drawn from a pool of random bytes, as randomUUID() does
 * itself; taking the hex straight from the pool saves the UUID's dashes and
 * the replaceAll that removed them, about 0.4 µs of the two records per call.
 */
function randomUuidHex(): string {
  if (uuidOffset === uuidPool.length) {
    randomFillSync(uuidPool);
    uuidOffset = 0;
  }
  const offset = uuidOffset;
  uuidOffset += 16;
  // RFC 9562 section 5.4: version 4 in the high nibble of octet 6, variant 10 in the top bits of octet 8.
  uuidPool[offset + 6] = (uuidPool[offset + 6]! & 0x0f) | 0x40;
  uuidPool[offset + 8] = (uuidPool[offset + 8]! & 0x3f) | 0x80;
  return uuidPool.toString('hex', offset, offset + 16);
}

const UUID_POOL_IDS = 128;
const uuidPool = Buffer.allocUnsafe(16 * UUID_POOL_IDS);
let uuidOffset = uuidPool.length;

const DAY_MS = 86_400_000;

/** The id prefix of the UTC day holding `at`, kept while the clock stays in that day: formatting a date per record showed in profiles. */
let idDay = { startsAt: 0, endsAt: 0, prefix: '' };

function auditIdDay(at: number): typeof idDay {
  const startsAt = Math.floor(at / DAY_MS) * DAY_MS;
  return { startsAt, endsAt: startsAt + DAY_MS, prefix: `audit_${new Date(startsAt).toISOString().slice(0, 10).replaceAll('-', '_')}_` };
}

/** Whether records of this type are always in the security category, whatever their status. */
export function isSecurityOperationType(type: string): boolean {
  return SECURITY_OPERATION_TYPES.has(type as OperationType);
}

export function categoryOf(record: AuditRecord): AuditCategory {
  return SECURITY_OPERATION_TYPES.has(record.operation.type) || record.result.status === 'denied' ? 'security' : 'routine';
}

const METHOD_OPERATION_TYPES: Readonly<Record<string, OperationType>> = {
  'tools/call': 'tool_invocation',
  'resources/read': 'resource_read',
  'prompts/get': 'prompt_get',
  'completion/complete': 'completion',
  'tools/list': 'list',
  'prompts/list': 'list',
  'resources/list': 'list',
  'resources/templates/list': 'list',
  'server/discover': 'discovery',
  initialize: 'session_start',
  'sampling/createMessage': 'server_request',
  'elicitation/create': 'server_request',
  'roots/list': 'server_request',
  'tasks/get': 'task_operation',
  'tasks/update': 'task_operation',
  'tasks/cancel': 'task_operation',
  'tasks/result': 'task_operation',
  'tasks/list': 'task_operation',
};

/** The operation type of a JSON-RPC method; session end, auth failures, denials and admin actions are typed by the gateway itself. */
export function operationTypeForMethod(method: string): OperationType {
  return METHOD_OPERATION_TYPES[method] ?? 'other';
}
