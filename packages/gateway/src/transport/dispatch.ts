// What both revisions' handlers share once a message is parsed and its era
// known: build the Exchange, run the policy chain, call the router, and write
// the answer in the client's revision. One error-to-response place.

import type { ServerResponse } from 'node:http';
import type { ClientDescription, Exchange, PreForwardStep } from '../exchange/exchange.ts';
import { nextExchangeId } from '../exchange/exchange.ts';
import type { Router } from '../router/router.ts';
import type { JsonRpcRequest } from '../protocol/jsonrpc.ts';
import { GatewayRpcError, RPC, isGatewayRpcError, rpcErrors } from '../protocol/errors.ts';
import type { LegacySession } from '../session/session.ts';
import type { Logger } from '../telemetry/logger.ts';
import { CallStream, type CallStreamOptions } from './call-stream.ts';
import type { RequestDrain } from './request-drain.ts';
import type { ClientRelay } from '../exchange/client-relay.ts';
import type { Caller } from '../identity/caller.ts';
import { requestTenantOf } from '../tenancy/request-tenant.ts';
import { isAuthError } from '../identity/auth-error.ts';
import type { AuditTrail } from '../audit/trail.ts';
import { newAuditId, operationTypeForMethod, type AuditFacts } from '../audit/record.ts';
import { isAuditError } from '../audit/errors.ts';
import { auditCallerOf } from '../audit/gateway-events.ts';
import { auditRefusal } from '../audit/audit-refusal.ts';
import { toolChangesData, type WriteAheadState } from '../audit/write-ahead.ts';
import { argumentsWithNumberText } from '../audit/number-source.ts';
import { redactionsOf } from '../policy/redaction.ts';
import type { GatewayIdentity } from '../identity/gateway-identity.ts';
import type { GatewayMetrics } from '../telemetry/metrics.ts';
import type { GatewayTracing } from '../telemetry/tracing.ts';
import { exchangeStatusOf, type ExchangeOutcome } from '../telemetry/exchange-outcome.ts';
import { exchangeLogLevel, exchangeLogger, logExchange } from '../telemetry/exchange-log.ts';
import { ExchangeCancellation } from '../exchange/exchange-cancellation.ts';

export interface DispatchContext {
  identity: GatewayIdentity;
  router: Router;
  logger: Logger;
  serverInfo: Record<string, unknown>;
  metrics: GatewayMetrics;
  tracing: GatewayTracing;
  /** The audit trail, when `audit` is configured; a record is durable before the answer leaves. */
  audit: AuditTrail | undefined;
  gatewayId: string;
  /** Counts each call in, so a drain deadline gives it up with an error instead of cutting it off (request-drain.ts). */
  drain?: Pick<RequestDrain, 'trackCall'>;
}

export interface OpenExchangeOptions extends CallStreamOptions {
  tracing: GatewayTracing;
  /**
   * 2026-07-28: closing the stream cancels the request. 2025: a disconnect is
   * not a cancellation (the client resumes or sends notifications/cancelled).
   */
  isCancelledByDisconnect: boolean;
  /** For 2025-era clients: how to send the client a request on this call's stream. */
  requestToClient?: (stream: CallStream) => NonNullable<ClientRelay['request']>;
}

export interface OpenExchange {
  exchange: Exchange;
  stream: CallStream;
  response: ServerResponse;
  /** Cancels the work (a 2025 client's notifications/cancelled). */
  abort(reason: string): void;
  /** Answers the call with `error` now and cancels its work (the gateway stops before it finished). */
  giveUp(error: GatewayRpcError): void;
}

/** The tenant the transport bound the request to (tenancy/request-tenant.ts); absent on a gateway without tenants. */
function tenantOf(request: object): { tenant?: string } {
  const tenant = requestTenantOf(request);
  return tenant === undefined ? {} : { tenant };
}

export function openExchange(
  request: JsonRpcRequest,
  client: ClientDescription,
  caller: Caller,
  endpointBackend: string | undefined,
  session: LegacySession | undefined,
  response: ServerResponse,
  options: OpenExchangeOptions,
): OpenExchange {
  const cancellation = new ExchangeCancellation();
  if (options.isCancelledByDisconnect) {
    response.once('close', () => {
      if (!response.writableFinished) cancellation.cancel(new Error('the client closed the connection'));
    });
  }
  const stream = new CallStream(response, options);
  const trace = options.tracing.startMessage(request, response.req.headers, client.protocolVersion, session?.id);
  const relay: ClientRelay = {
    notify: (notification) => void stream.send(notification),
    request: options.requestToClient?.(stream),
  };
  const exchange: Exchange = {
    id: nextExchangeId(),
    startedAt: performance.now(),
    message: request,
    client,
    endpointBackend,
    session,
    caller,
    ...tenantOf(response.req),
    target: undefined,
    decisions: [],
    signal: cancellation.signal,
    cancellation,
    relay,
    trace,
    backendSeconds: undefined,
    backendError: undefined,
  };
  const giveUp = (error: GatewayRpcError) => {
    stream.finish({ jsonrpc: '2.0', id: request.id, error: error.toJsonRpc() });
    cancellation.cancel(error);
  };
  return { exchange, stream, response, abort: (reason) => cancellation.cancel(new Error(reason)), giveUp };
}

/** Runs one request through chain and router, writes the JSON-RPC response, and records the outcome. Never throws. */
export async function dispatchRequest(context: DispatchContext, open: OpenExchange): Promise<void> {
  const release = context.drain?.trackCall(open.giveUp);
  try {
    await answerRequest(context, open);
  } finally {
    release?.();
  }
}

async function answerRequest(context: DispatchContext, { exchange, stream, response }: OpenExchange): Promise<void> {
  const request = exchange.message as JsonRpcRequest;
  const audit = context.audit;
  let result: Record<string, unknown> | undefined;
  let errorCode: number | undefined;
  const writeAhead: WriteAheadState | undefined = audit?.isEnabled === true && request.method === 'tools/call' ? { attemptId: undefined, isRefused: false } : undefined;
  if (writeAhead !== undefined) exchange.beforeForward = new WriteAheadStep(context, audit!, exchange, response, writeAhead);
  try {
    result = await context.router.handle(exchange, request.method, request.params);
    const shaped = exchange.client.codec.shapeResult(request.method, result, context.serverInfo);
    // Serialized once: the audit record takes its size from the very text the client receives.
    const resultText = JSON.stringify(shaped);
    if (audit !== undefined) await recordAudit(context, audit, exchange, response, shaped, undefined, Buffer.byteLength(resultText), writeAhead?.attemptId);
    stream.finishResult(request.id, shaped, resultText);
  } catch (error) {
    if (isAuditError(error)) {
      // Fail closed: no record, no call (write-ahead) or no answer (a read); the refusal says which.
      const failure = auditRefusal(error, exchange.backendSeconds === undefined ? 'nothing' : 'read');
      stream.finish({ jsonrpc: '2.0', id: request.id, error: failure.toJsonRpc() }, stream.isStreaming ? 200 : failure.httpStatus);
      recordOutcome(context, exchange, undefined, failure.code);
      return;
    }
    if (isAuthError(error) && !stream.isStreaming) {
      // Authorization failures answer as the transport's 401/403 with a challenge (step-up), not as a JSON-RPC result.
      exchange.decisions.push({ policy: 'scope_check', decision: 'deny', reason: error.message });
      if (audit !== undefined) await recordAudit(context, audit, exchange, response, undefined, { code: error.code, message: error.message }).catch(() => undefined);
      context.identity.authentication.refuse(response, error, exchange.endpointBackend);
      recordOutcome(context, exchange, undefined, RPC.policyDenied);
      return;
    }
    const rpcError = toRpcError(error, context.logger, exchange);
    errorCode = rpcError.code;
    if (audit !== undefined) await recordAudit(context, audit, exchange, response, undefined, { code: rpcError.code, message: rpcError.message }, 0, writeAhead?.attemptId).catch(() => undefined);
    stream.finish({ jsonrpc: '2.0', id: request.id, error: rpcError.toJsonRpc() }, stream.isStreaming ? 200 : rpcError.httpStatus);
  }
  recordOutcome(context, exchange, result, errorCode);
}

/**
 * The write-ahead record as the exchange's step before forwarding. An object
 * with a method, not a closure over answerRequest's scope: such a closure,
 * stored on the exchange and called from forward.ts, made every audited
 * call's objects survive young-generation GCs and be promoted to the old
 * generation (docs/benchmarks.md, "Session 11"; exchange/exchange.ts,
 * PreForwardStep).
 */
class WriteAheadStep implements PreForwardStep {
  readonly #context: DispatchContext;
  readonly #audit: AuditTrail;
  readonly #exchange: Exchange;
  readonly #response: ServerResponse;
  readonly #state: WriteAheadState;

  constructor(context: DispatchContext, audit: AuditTrail, exchange: Exchange, response: ServerResponse, state: WriteAheadState) {
    this.#context = context;
    this.#audit = audit;
    this.#exchange = exchange;
    this.#response = response;
    this.#state = state;
  }

  run(method: string, backend: string): Promise<void> {
    return recordAttempt(this.#context, this.#audit, this.#exchange, this.#response, this.#state, method, backend);
  }
}

/**
 * The write-ahead record of a tools/call that changes data, durable before
 * the backend is asked (exchange.beforeForward). Under fail_mode_for_changes
 * closed a failure rejects, and the call never reaches the backend.
 */
async function recordAttempt(context: DispatchContext, audit: AuditTrail, exchange: Exchange, response: ServerResponse, state: WriteAheadState, method: string, backend: string): Promise<void> {
  if (method !== 'tools/call' || state.attemptId !== undefined) return;
  const target = exchange.target;
  if (target?.kind !== 'tool' || target.name === undefined) return;
  if (!toolChangesData(audit.settings.toolEffects, backend, target.name, context.router.toolDefinition(backend, target.name))) return;
  const facts = auditFacts(context, audit, exchange, response, undefined, undefined, 0);
  facts.status = 'attempted';
  facts.durationMs = 0;
  facts.auditId = newAuditId(facts.startedAt);
  try {
    await audit.record(facts, audit.settings.failModeForChanges);
  } catch (error) {
    state.isRefused = true;
    throw error;
  }
  state.attemptId = facts.auditId;
}

/**
 * The audit record of one request, from the Exchange (audit/record.ts shape). Resolves once durable. The
 * outcome of a call with a write-ahead record (`attemptId`) never refuses: its backend has acted already.
 */
function recordAudit(
  context: DispatchContext,
  audit: AuditTrail,
  exchange: Exchange,
  response: ServerResponse,
  result: Record<string, unknown> | undefined,
  error: { code: string | number; message: string } | undefined,
  resultBytes = 0,
  attemptId?: string,
): Promise<unknown> {
  const facts = auditFacts(context, audit, exchange, response, result, error, resultBytes);
  if (attemptId !== undefined) facts.attemptId = attemptId;
  const span = exchange.trace.startAuditWrite();
  const written = audit.record(facts, attemptId === undefined ? undefined : 'after_action');
  written.then(() => span.end(), (failure: unknown) => span.end(failure));
  return written;
}

function auditFacts(
  context: DispatchContext,
  audit: AuditTrail,
  exchange: Exchange,
  response: ServerResponse,
  result: Record<string, unknown> | undefined,
  error: { code: string | number; message: string } | undefined,
  resultBytes: number,
): AuditFacts {
  const request = exchange.message as JsonRpcRequest;
  const target = exchange.target;
  const caller = exchange.caller;
  const elapsedMs = performance.now() - exchange.startedAt;
  // A denial is one policy_denial record whatever the method, including a tools/call whose denial the
  // agent reads as an isError result: status denied, the denying policy in policy_decisions.
  const denial = exchange.decisions.find((decision) => decision.decision === 'deny');
  const isDenied = denial !== undefined || error?.code === RPC.policyDenied;
  const status = isDenied ? 'denied' : error !== undefined ? (exchange.signal.aborted ? 'cancelled' : 'error') : result?.isError === true ? 'error' : 'success';
  if (isDenied && error === undefined && denial !== undefined) error = { code: String(denial.details?.code ?? denial.error?.code ?? 'policy_denied'), message: denial.reason ?? `denied by policy ${denial.policy}` };
  const args = request.params?.arguments;
  const facts: AuditFacts = {
    type: isDenied ? 'policy_denial' : operationTypeForMethod(request.method),
    startedAt: Date.now() - elapsedMs,
    durationMs: elapsedMs,
    gatewayId: context.gatewayId,
    status,
    caller: auditCallerOf(caller, response.req, exchange.session?.id, exchange.trace.traceId),
    server: target?.backend,
    name: target?.name ?? (typeof request.params?.name === 'string' ? request.params.name : undefined),
    arguments: typeof args === 'object' && args !== null ? argumentsWithNumberText(response.req, request.id, args as Record<string, unknown>) : undefined,
    // The size of the answer to a backend's operation (tools, resources, prompts) as the client receives it; lists and the like are the gateway's own.
    outputSizeBytes: target !== undefined ? resultBytes : 0,
    redactions: redactionsOf(exchange),
    error,
    policyDecisions: exchange.decisions,
  };
  // Assigned rather than spread in: a spread makes and copies a temporary object for every record.
  if (result !== undefined && audit.shouldStoreOutput(target?.backend)) facts.output = result;
  return facts;
}

/** Metrics and the message span for one answered request (telemetry/exchange-outcome.ts). */
function recordOutcome(context: DispatchContext, exchange: Exchange, result: Record<string, unknown> | undefined, errorCode: number | undefined): void {
  const status = errorCode === RPC.policyDenied ? 'denied' : exchangeStatusOf(result, errorCode, exchange.signal.aborted);
  const target = exchange.target;
  const isNamed = target?.kind === 'tool' || target?.kind === 'prompt';
  const outcome: ExchangeOutcome = {
    method: exchange.message.method,
    server: target?.backend,
    tool: isNamed ? target?.name : undefined,
    resourceUri: target?.kind === 'resource' ? target.name : undefined,
    status,
    errorCode,
    backendError: exchange.backendError,
    durationSeconds: (performance.now() - exchange.startedAt) / 1000,
    backendDurationSeconds: exchange.backendSeconds,
    sessionId: exchange.session?.id,
    decisions: exchange.decisions,
    // A configured tenant's name (tenancy/tenant-binding.ts refuses any other): a bounded label.
    tenant: exchange.tenant,
  };
  context.metrics.recordExchange(outcome);
  // One line per operation (INFO; WARN and ERROR for anomalies and failures), with the ids that join it to audit and traces.
  if (context.logger.isLevelEnabled(exchangeLogLevel(outcome))) {
    logExchange(exchangeLogger(context.logger, exchange.id, exchange.session?.id, exchange.trace.traceId), outcome);
  }
  if (target !== undefined) exchange.trace.setTarget(target.backend, target.name);
  exchange.trace.end(status, errorCode ?? exchange.backendError);
}

export function toRpcError(error: unknown, logger: Logger, exchange?: Exchange): GatewayRpcError {
  if (isGatewayRpcError(error)) return error;
  // Given up by a draining gateway: the reason the client was told is the one recorded.
  if (exchange?.signal.aborted && isGatewayRpcError(exchange.signal.reason)) return exchange.signal.reason;
  if (exchange?.signal.aborted) return new GatewayRpcError(RPC.requestTimeout, 'Request cancelled: the client closed the connection');
  logger.error({ err: error, exchange: exchange?.id, method: exchange?.message.method }, 'unexpected error while handling a request');
  return rpcErrors.internal(`the gateway failed while handling this request (exchange ${exchange?.id ?? 'unknown'}); it has been logged`);
}
