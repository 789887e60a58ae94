// The path of one tools/call through the kit: who calls (identity, trace),
// may they (declared scopes), has this call happened before (idempotency
// key), is it a rehearsal (dry_run), then the handler, then the output check
// before anything is sent, and last the audit record, metrics and log line.

import { acceptedContent, inputRequired, inputResponse, isInputRequiredResult, type CallToolResult, type InputRequiredResult, type McpServer, type ServerContext } from '@modelcontextprotocol/server';
import * as z from 'zod';

import { callerFromAuthInfo, missingScopes } from '../identity/caller.ts';
import { argumentsFingerprint, idempotencyStoreKey } from '../idempotency/fingerprint.ts';
import { DEFAULT_IDEMPOTENCY_TTL_MS, type IdempotencyClaim } from '../idempotency/store.ts';
import { buildAuditRecord, type AuditPolicyDecision, type AuditStatus } from '../operations/audit.ts';
import { continueTrace, traceparentOf } from '../operations/trace-context.ts';
import type { ConfirmationState, KitRuntime } from '../server/runtime.ts';
import type { DryRunPreview, ToolCall, ToolDefinition } from './define-tool.ts';
import { authorizationError, isToolError, permanentError, ToolError, toolErrorResult, transientError } from './tool-error.ts';
import { declinedError, urlConfirmationRound, type Era } from './url-confirmation.ts';

/** Marks a result that an idempotency key replayed rather than a new action. */
export const IDEMPOTENT_REPLAY_META_KEY = 'gatehouse.dev/idempotent-replay';

const dryRunPreviewSchema = z.object({
  would: z.string().min(1),
  estimate: z.record(z.string(), z.number()),
  changes: z.unknown().optional(),
  output: z.record(z.string(), z.unknown()).optional(),
  text: z.string().min(1).optional(),
});

/** The input schema the client sees: the tool's own plus the kit's arguments. */
export function advertisedInput(tool: ToolDefinition): z.ZodObject<z.ZodRawShape> {
  const extra: Record<string, z.ZodType> = {};
  const declared = tool.input.shape;
  if (tool.idempotency && !('idempotency_key' in declared)) {
    extra.idempotency_key = z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Any unique string (a UUID). Retrying with the same key returns the first result instead of acting twice.');
  }
  if (tool.dryRun !== undefined && !('dry_run' in declared)) {
    extra.dry_run = z
      .boolean()
      .default(false)
      .describe('When true, change nothing and return what the call would do plus an estimate. Default false.');
  }
  return tool.input.extend(extra);
}

/**
 * The output schema the client sees. A destructive tool answers either its
 * output or a dry-run preview, so its advertised fields are optional beside
 * `dry_run`; the kit itself checks each answer against the exact schema.
 */
export function advertisedOutput(tool: ToolDefinition): z.ZodObject<z.ZodRawShape> {
  if (tool.dryRun === undefined || declaresDryRun(tool)) return tool.output;
  return tool.output.partial().extend({
    dry_run: z.boolean().describe('true: nothing changed, this is a preview.'),
    would: z.string().optional().describe('A dry run: what the real call would do.'),
    estimate: z.record(z.string(), z.number()).optional().describe('A dry run: counted facts about the real call (docs/server-authors-dry-run.md).'),
    changes: z.unknown().optional(),
  });
}

/** Whether the tool's own output schema covers both answers, real and dry run. */
function declaresDryRun(tool: ToolDefinition): boolean {
  return 'dry_run' in tool.output.shape;
}

export function registerKitTool(server: McpServer, tool: ToolDefinition, runtime: KitRuntime, era: Era): void {
  server.registerTool(
    tool.name,
    {
      ...(tool.title !== undefined && { title: tool.title }),
      description: tool.description,
      inputSchema: advertisedInput(tool),
      outputSchema: advertisedOutput(tool),
      ...(tool.annotations !== undefined && { annotations: tool.annotations }),
    },
    (args, ctx) => runToolCall(tool, runtime, args as Record<string, unknown>, ctx, era),
  );
}

interface Outcome {
  result: CallToolResult | InputRequiredResult;
  status: AuditStatus;
  decisions: AuditPolicyDecision[];
}

export async function runToolCall(tool: ToolDefinition, runtime: KitRuntime, args: Record<string, unknown>, ctx: ServerContext, era: Era): Promise<CallToolResult | InputRequiredResult> {
  const startedAt = Date.now();
  const started = performance.now();
  const caller = callerFromAuthInfo(ctx.http?.authInfo);
  const trace = continueTrace(traceparentOf(ctx.mcpReq._meta, ctx.mcpReq.envelope as Record<string, unknown> | undefined));
  const log = runtime.logger.child({ tool: tool.name, subject: caller.subject, trace_id: trace.traceId });
  const signal = ctx.mcpReq.signal;
  const progressToken = ctx.mcpReq._meta?.progressToken;
  const call: ToolCall = {
    caller,
    signal,
    trace,
    log,
    context: ctx,
    throwIfCancelled: () => signal.throwIfAborted(),
    replayOf: () => replayOf(tool, runtime, args, caller.subject),
    async progress(progress, total, message) {
      if (progressToken === undefined) return;
      await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken, progress, ...(total !== undefined && { total }), ...(message !== undefined && { message }) },
      });
    },
  };

  const outcome = await decide(tool, runtime, args, call, era).catch((error: unknown): Outcome => {
    if (signal.aborted) return { result: toolErrorResult(new ToolError('permanent', 'cancelled', 'The call was cancelled', { instead: 'call again if it is still wanted' })), status: 'cancelled', decisions: [] };
    if (isToolError(error)) return { result: toolErrorResult(error), status: error.kind === 'authorization' ? 'denied' : 'error', decisions: [] };
    log.error({ err: error }, 'tool handler failed');
    const internal = permanentError('The tool failed unexpectedly', {
      code: 'internal_error',
      instead: `report it to the server's owners with trace id ${trace.traceId}`,
    });
    return { result: toolErrorResult(internal), status: 'error', decisions: [] };
  });

  const durationMs = performance.now() - started;
  if (isInputRequiredResult(outcome.result)) {
    // A question to the user, not an outcome: the retry that carries the answer is the call that gets audited.
    log.info({ status: 'input_required' }, 'tools/call');
    return outcome.result;
  }
  const result = outcome.result as CallToolResult;
  const errorFacts = result.isError === true ? (result._meta?.['gatehouse.dev/error'] as { code: string } | undefined) : undefined;
  const errorText = result.isError === true ? (result.content[0] as { text?: string } | undefined)?.text : undefined;
  runtime.metrics.toolCalled(tool.name, outcome.status, durationMs / 1000);
  await runtime.audit.write(
    buildAuditRecord({
      type: 'tool_invocation',
      startedAt,
      durationMs,
      instanceId: runtime.instanceId,
      status: outcome.status,
      identity: caller.subject,
      agent: caller.actor,
      sessionId: ctx.sessionId,
      traceId: trace.traceId,
      server: runtime.serverName,
      name: tool.name,
      arguments: args,
      scopeUsed: tool.scopes !== undefined && tool.scopes.length > 0 ? tool.scopes.join(' ') : undefined,
      outputSizeBytes: Buffer.byteLength(JSON.stringify(outcome.result)),
      error: errorFacts === undefined ? undefined : { code: errorFacts.code, message: errorText ?? '' },
      decisions: outcome.decisions,
    }),
  );
  log.info({ status: outcome.status, duration_ms: Math.round(durationMs) }, 'tools/call');
  return outcome.result;
}

async function decide(tool: ToolDefinition, runtime: KitRuntime, args: Record<string, unknown>, call: ToolCall, era: Era): Promise<Outcome> {
  const decisions: AuditPolicyDecision[] = [];
  const required = tool.scopes ?? [];
  const missing = missingScopes(call.caller, required);
  if (missing.length > 0) {
    for (const scope of missing) runtime.metrics.scopeCheckFailed(scope);
    decisions.push({ policy: 'scope', decision: 'deny', missing });
    return { result: toolErrorResult(authorizationError(missing[0]!)), status: 'denied', decisions };
  }
  if (required.length > 0) decisions.push({ policy: 'scope', decision: 'allow' });

  const { idempotency_key: idempotencyKey, dry_run: isDryRun } = args;
  const businessArgs = withoutKitArguments(tool, args);
  if (tool.dryRun !== undefined && isDryRun === true) {
    const preview = dryRunPreviewSchema.parse(await tool.dryRun(businessArgs, call)) as DryRunPreview;
    decisions.push({ policy: 'dry_run', decision: 'preview' });
    return { result: dryRunResult(tool, preview, call), status: 'success', decisions };
  }

  const question = tool.confirm === undefined ? undefined : await tool.confirm(businessArgs, call);
  if (question !== undefined) {
    const asked =
      typeof question === 'string'
        ? await confirmation(tool, runtime, args, call.context, question)
        : await urlConfirmationRound(tool, runtime, args, call.context, call.caller.subject, question, era);
    if (asked !== undefined) return { result: asked, status: 'success', decisions };
    decisions.push({ policy: 'confirmation', decision: 'confirmed' });
  }

  if (!tool.idempotency || typeof idempotencyKey !== 'string') {
    return { result: await act(tool, businessArgs, call), status: 'success', decisions };
  }
  const options = typeof tool.idempotency === 'object' ? tool.idempotency : {};
  const ttlMs = options.ttlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
  const key = idempotencyStoreKey(tool.name, call.caller.subject, idempotencyKey);
  const fingerprint = argumentsFingerprint(args);
  const claim = await runtime.idempotency.claim(key, fingerprint, ttlMs);
  if (claim.state !== 'claimed' && claim.fingerprint !== fingerprint) {
    decisions.push({ policy: 'idempotency', decision: 'deny', reason: 'key_reused' });
    throw keyReused(tool, idempotencyKey, claim);
  }
  if (claim.state === 'pending') {
    throw transientError(`A call with idempotency_key "${idempotencyKey}" is still running`, { retryAfterMs: 1000, code: 'idempotency_key_in_flight' });
  }
  if (claim.state === 'completed') {
    decisions.push({ policy: 'idempotency', decision: 'replay' });
    return { result: replayResult(tool, claim.result, idempotencyKey, call), status: 'success', decisions };
  }
  try {
    const result = await act(tool, businessArgs, call);
    await runtime.idempotency.complete(key, fingerprint, result, ttlMs);
    decisions.push({ policy: 'idempotency', decision: 'first' });
    return { result, status: 'success', decisions };
  } catch (error) {
    await runtime.idempotency.release(key);
    throw error;
  }
}

/** The arguments the handler sees: the kit's own (idempotency_key, dry_run) only where the tool's input declares them. */
function withoutKitArguments(tool: ToolDefinition, args: Record<string, unknown>): Record<string, unknown> {
  const business = { ...args };
  for (const name of ['idempotency_key', 'dry_run']) if (!(name in tool.input.shape)) delete business[name];
  return business;
}

/** The first call's output as stored, or undefined when it does not parse (a store shared with an older schema). */
function firstOutput(tool: ToolDefinition, stored: CallToolResult): Record<string, unknown> | undefined {
  const parsed = tool.output.safeParse(stored.structuredContent);
  return parsed.success ? parsed.data : undefined;
}

function keyReused(tool: ToolDefinition, key: string, held: IdempotencyClaim): ToolError {
  const reused = typeof tool.idempotency === 'object' ? tool.idempotency.reused : undefined;
  if (reused !== undefined) return reused(key, held.state === 'completed' ? firstOutput(tool, held.result) : undefined);
  return permanentError(`The idempotency_key "${key}" was already used for a call with other arguments`, {
    code: 'idempotency_key_reused',
    instead: 'use a new idempotency_key for a new action, or repeat the first call exactly to get its result',
  });
}

/** The retry's answer: the first result marked as a replay, or as the tool's `replay` words it. */
function replayResult(tool: ToolDefinition, stored: CallToolResult, key: string, call: ToolCall): CallToolResult {
  const marked = { ...stored._meta, [IDEMPOTENT_REPLAY_META_KEY]: true };
  const replay = typeof tool.idempotency === 'object' ? tool.idempotency.replay : undefined;
  const first = replay === undefined ? undefined : firstOutput(tool, stored);
  if (replay === undefined || first === undefined) return { ...stored, _meta: marked };
  const { output, text } = replay(first, key);
  return { content: [{ type: 'text', text }], structuredContent: checkedOutput(tool, tool.output, output, call), _meta: marked };
}

/** ToolCall.replayOf: what this call's key already produced, without claiming it. */
async function replayOf(tool: ToolDefinition, runtime: KitRuntime, args: Record<string, unknown>, subject: string): Promise<Record<string, unknown> | undefined> {
  const key = args.idempotency_key;
  if (!tool.idempotency || typeof key !== 'string' || runtime.idempotency.peek === undefined) return undefined;
  const held = await runtime.idempotency.peek(idempotencyStoreKey(tool.name, subject, key));
  if (held === undefined) return undefined;
  if (held.fingerprint !== argumentsFingerprint(args)) throw keyReused(tool, key, held);
  return held.state === 'completed' ? firstOutput(tool, held.result) : undefined;
}

const confirmationSchema = z.object({ confirm: z.boolean() });

/**
 * The confirmation round: undefined when the user has confirmed these very
 * arguments (the sealed state says so), the question when not yet asked,
 * and a permanent `declined` error when the user said no.
 */
async function confirmation(tool: ToolDefinition, runtime: KitRuntime, args: Record<string, unknown>, ctx: ServerContext, question: string): Promise<InputRequiredResult | undefined> {
  const fingerprint = argumentsFingerprint(args);
  const state = ctx.mcpReq.requestState<ConfirmationState>();
  const isOwnRound = state?.tool === tool.name && state.fingerprint === fingerprint;
  if (isOwnRound) {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, 'confirm', confirmationSchema);
    if (answer?.confirm === true) return undefined;
    const view = inputResponse(ctx.mcpReq.inputResponses, 'confirm');
    if (view.kind === 'elicit') throw declinedError();
  }
  return inputRequired({
    inputRequests: {
      confirm: inputRequired.elicit({
        message: question,
        requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean', title: 'Confirm', description: question } }, required: ['confirm'] },
      }),
    },
    requestState: await runtime.confirmations.mint({ tool: tool.name, fingerprint }, ctx),
  });
}

/** Runs the handler and checks its output against the declared schema before anything is sent. */
async function act(tool: ToolDefinition, args: Record<string, unknown>, call: ToolCall): Promise<CallToolResult> {
  const output = checkedOutput(tool, tool.output, await tool.handler(args, call), call);
  const structured = tool.dryRun === undefined || declaresDryRun(tool) ? output : { ...output, dry_run: false };
  const text = tool.describe === undefined ? JSON.stringify(output) : tool.describe(output, args);
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

/** `output` parsed by `schema`, or the invalid_output error: nothing unchecked is sent. */
function checkedOutput(tool: ToolDefinition, schema: z.ZodObject<z.ZodRawShape>, output: unknown, call: ToolCall): Record<string, unknown> {
  const checked = schema.safeParse(output);
  if (checked.success) return checked.data;
  call.log.error({ tool: tool.name, issues: checked.error.issues }, 'tool output does not match its output schema; not sent');
  throw permanentError('The server produced a result that does not match the tool\'s declared output schema, so it was not sent', {
    code: 'invalid_output',
    instead: `report it to the server's owners with trace id ${call.trace.traceId}`,
  });
}

function dryRunResult(tool: ToolDefinition, preview: DryRunPreview, call: ToolCall): CallToolResult {
  const { output, text, ...facts } = preview;
  const structured = checkedOutput(tool, advertisedOutput(tool), { ...output, ...facts, dry_run: true }, call);
  return {
    content: [{ type: 'text', text: text ?? `Dry run, nothing changed. The real call would ${preview.would}.` }],
    structuredContent: structured,
  };
}
