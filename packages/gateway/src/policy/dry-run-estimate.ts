// The backend's own estimate of a call, fetched by the gateway before a rule
// decides (`estimate: dry_run`): the same tool, the same arguments plus
// `dry_run: true`, through the backend's normal upstream path and timeout
// (docs/server-authors-dry-run.md). A condition then reads `estimate.*`,
// facts the backend counted, not numbers the caller wrote in its arguments.

import type { Exchange } from '../exchange/exchange.ts';
import type { Caller } from '../identity/caller.ts';
import type { Backend } from '../upstream/backend.ts';
import { isBackendError } from '../upstream/backend.ts';
import type { MessageTrace } from '../telemetry/tracing.ts';
import { exchangeStatusOf } from '../telemetry/exchange-outcome.ts';
import { activationOf, CEL_ESTIMATE_VARIABLE, type CelCondition } from './cel.ts';
import { oneOf } from './settings-schema.ts';
import type { ToolDefinitions } from './tool-definitions.ts';
import { argumentsOf } from './tool-selector.ts';

/** The argument a backend tool declares in its inputSchema to offer a dry run. */
const DRY_RUN_ARGUMENT = 'dry_run';

/** Rule keys of the rules that can decide on an estimate (approval rules). */
export const estimateRuleShape = {
  /** `dry_run`: before deciding, call the tool with `dry_run: true` and give the condition the backend's `estimate`. */
  estimate: oneOf(['dry_run']).optional(),
  /** No estimate (the dry run failed, is not offered, or lacks a field the condition reads): hold for approval [default], or deny. */
  on_estimate_error: oneOf(['hold', 'deny']).optional(),
};

/** Load-time check of a rule with `estimateRuleShape`: each key only where it has an effect. */
export function estimateRuleProblem(rule: { estimate?: string | undefined; on_estimate_error?: string | undefined; when?: { extraVariablesUsed: readonly string[] } | undefined }): { path: string; message: string } | undefined {
  if (rule.estimate !== undefined) return undefined;
  if (rule.when?.extraVariablesUsed.includes(CEL_ESTIMATE_VARIABLE) === true) return { path: 'when', message: 'the condition reads estimate, which only a rule with `estimate: dry_run` has: add it to the rule' };
  if (rule.on_estimate_error !== undefined) return { path: 'on_estimate_error', message: 'on_estimate_error has no effect without `estimate: dry_run` on the rule: add it, or remove on_estimate_error' };
  return undefined;
}

/** A gateway-made tools/call to one backend; resolves with the tools/call result, rejects when there is none. */
export type DryRunCall = (request: DryRunRequest) => Promise<Record<string, unknown>>;

export interface DryRunRequest {
  backend: string;
  tool: string;
  arguments: Record<string, unknown>;
  /** Whose call it is: backend credentials obtained on their behalf (token exchange) use it. */
  caller: Caller | undefined;
  signal: AbortSignal;
  /** The caller's message trace: the dry run is a backend-call span inside it. */
  trace?: MessageTrace;
}

export type EstimateOutcome =
  | { isAvailable: true; estimate: Record<string, unknown>; elapsedMs: number }
  | { isAvailable: false; problem: string; elapsedMs: number };

/** What a condition said about a call, given the estimate: true/false, or why it could not say. */
export type EstimatedVerdict =
  | { isKnown: true; matches: boolean; estimate: Record<string, unknown> }
  | { isKnown: false; problem: string; estimate: Record<string, unknown> | undefined };

/** Whether the tool's inputSchema offers a boolean `dry_run`: only then is a dry run safe to send. */
export function declaresDryRun(definition: { inputSchema?: unknown } | undefined): boolean {
  const properties = (definition?.inputSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  const declared = properties?.[DRY_RUN_ARGUMENT] as { type?: unknown } | undefined;
  if (declared === undefined || typeof declared !== 'object' || declared === null) return false;
  return declared.type === 'boolean' || (Array.isArray(declared.type) && declared.type.includes('boolean'));
}

/** The estimate in a dry run's tools/call result, or why the result does not hold one. */
export function estimateOf(result: Record<string, unknown>): { estimate: Record<string, unknown> } | { problem: string } {
  if (result.isError === true) return { problem: `the dry run answered with an error: ${clip(textOf(result) || 'no text')}` };
  const structured = result.structuredContent;
  if (!isObject(structured)) return { problem: 'the dry run answered without structuredContent' };
  // A backend that ignored the argument may have acted for real; only one that says it did not is believed.
  if (structured[DRY_RUN_ARGUMENT] !== true) return { problem: 'the dry run\'s structuredContent does not confirm "dry_run": true' };
  const estimate = structured.estimate;
  if (!isObject(estimate)) return { problem: 'the dry run\'s structuredContent has no "estimate" object' };
  return { estimate };
}

/** `recipient_count 12, cost_usd 0.012`: the estimate as an approver and an agent read it. */
export function describeEstimate(estimate: Record<string, unknown>, limit = 300): string {
  const parts = Object.entries(estimate).map(([key, value]) => `${key} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return clip(parts.length === 0 ? 'empty' : parts.join(', '), limit);
}

/** Evaluates `when` with `estimate` beside the Exchange's activation; a missing field is a problem, not false. */
export function evaluateWithEstimate(when: CelCondition | undefined, exchange: Exchange, estimate: Record<string, unknown>): EstimatedVerdict {
  if (when === undefined) return { isKnown: true, matches: true, estimate };
  const verdict = when.evaluateWith({ ...activationOf(exchange), estimate });
  if (typeof verdict === 'boolean') return { isKnown: true, matches: verdict, estimate };
  return { isKnown: false, problem: `the condition could not be evaluated on the estimate (${verdict.error})`, estimate };
}

/**
 * Fetches estimates for the policies of one build. One dry run per Exchange
 * and tool, shared by every rule that asks; nothing is cached across calls,
 * since an estimate is only true when it is made.
 */
export class DryRunEstimates {
  readonly #call: DryRunCall | undefined;
  readonly #toolDefinitions: ToolDefinitions;
  readonly #fetched = new WeakMap<Exchange, Promise<EstimateOutcome>>();

  constructor(options: { call: DryRunCall | undefined; toolDefinitions: ToolDefinitions }) {
    this.#call = options.call;
    this.#toolDefinitions = options.toolDefinitions;
  }

  /** Whether the call is itself a dry run of a tool that offers one: it changes nothing, so a rule has nothing to hold. */
  isDryRun(exchange: Exchange): boolean {
    const target = exchange.target;
    if (target?.kind !== 'tool' || target.name === undefined) return false;
    return argumentsOf(exchange)[DRY_RUN_ARGUMENT] === true && declaresDryRun(this.#toolDefinitions(target.backend, target.name));
  }

  fetch(exchange: Exchange): Promise<EstimateOutcome> {
    let fetched = this.#fetched.get(exchange);
    if (fetched === undefined) {
      fetched = this.#fetch(exchange);
      this.#fetched.set(exchange, fetched);
    }
    return fetched;
  }

  async #fetch(exchange: Exchange): Promise<EstimateOutcome> {
    const startedAt = performance.now();
    const elapsed = () => Math.round(performance.now() - startedAt);
    const target = exchange.target;
    if (target?.kind !== 'tool' || target.name === undefined) return { isAvailable: false, problem: 'only a tools/call has a dry run', elapsedMs: 0 };
    if (this.#call === undefined) return { isAvailable: false, problem: 'this gateway was built without a way to call backends for dry runs', elapsedMs: 0 };
    // Never sent to a tool that does not declare it: a server that ignores unknown arguments would act for real.
    if (!declaresDryRun(this.#toolDefinitions(target.backend, target.name))) {
      return { isAvailable: false, problem: `tool "${target.name}" of backend "${target.backend}" does not declare a boolean "${DRY_RUN_ARGUMENT}" argument in its inputSchema, so the gateway cannot ask it for an estimate`, elapsedMs: 0 };
    }
    let result: Record<string, unknown>;
    try {
      result = await this.#call({ backend: target.backend, tool: target.name, arguments: { ...argumentsOf(exchange), [DRY_RUN_ARGUMENT]: true }, caller: exchange.caller, signal: exchange.signal, trace: exchange.trace });
    } catch (error) {
      return { isAvailable: false, problem: `the dry run failed: ${clip(error instanceof Error ? error.message : String(error))}`, elapsedMs: elapsed() };
    }
    const found = estimateOf(result);
    return 'problem' in found ? { isAvailable: false, problem: found.problem, elapsedMs: elapsed() } : { isAvailable: true, estimate: found.estimate, elapsedMs: elapsed() };
  }
}

/**
 * The gateway's side: a dry run is one tools/call on the backend itself, with
 * its configured timeout and breaker, not relayed to the client (no
 * capabilities declared, so a modern backend asks the client nothing) and not
 * an Exchange of its own (the caller's audit record keeps it in the decision).
 */
export function dryRunThroughBackends(backendOf: (name: string) => Backend | undefined): DryRunCall {
  return async ({ backend: name, tool, arguments: args, caller, signal, trace }) => {
    const backend = backendOf(name);
    if (backend === undefined) throw new Error(`backend "${name}" is not connected to this gateway`);
    const params: Record<string, unknown> = { name: tool, arguments: args };
    const span = trace?.startBackendCall(name, 'tools/call', tool, backend.kind);
    span?.injectMeta(params);
    const headers = span?.injectHeaders(undefined);
    let response;
    try {
      response = await backend.request({ method: 'tools/call', params, signal, clientCapabilities: {}, ...(caller === undefined ? {} : { caller }), ...(headers === undefined ? {} : { headers }) });
    } catch (error) {
      if (isBackendError(error)) {
        span?.end('error', error.code);
        throw new Error(`${error.message} (${error.code})`, { cause: error });
      }
      span?.end('error');
      throw error;
    }
    if ('error' in response) {
      span?.end(exchangeStatusOf(undefined, response.error.code), response.error.code);
      throw new Error(`backend "${name}" answered with JSON-RPC error ${response.error.code}: ${response.error.message}`);
    }
    span?.end(exchangeStatusOf(response.result, undefined));
    return response.result as Record<string, unknown>;
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textOf(result: Record<string, unknown>): string {
  const content = Array.isArray(result.content) ? result.content : [];
  return content.map((block) => (isObject(block) && block.type === 'text' && typeof block.text === 'string' ? block.text : '')).filter((text) => text !== '').join(' ');
}

function clip(text: string, limit = 300): string {
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}
