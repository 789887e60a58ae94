// A confirmation asked in URL mode (client/elicitation, "URL Mode Elicitation
// Requests"): the client is only told to open a page this server serves
// (server/confirmation-pages.ts); the user answers there. Both revisions:
// - 2025-11-25 session: an `elicitation/create` request with `mode: "url"`
//   and an `elicitationId`; once the user has answered on the page the kit
//   sends `notifications/elicitation/complete` with that id, then acts or
//   refuses.
// - 2026-07-28: an `input_required` result carrying the URL elicitation, the
//   confirmation's id sealed in `requestState` (the revision has no
//   elicitationId); the retry finds the answer, waiting a little for it
//   (basic/patterns/mrtr: "It may need to block until the request is
//   fulfilled"), and asks again while there is none.

import { inputRequired, inputResponse, type InputRequiredResult, type ServerContext } from '@modelcontextprotocol/server';

import { argumentsFingerprint } from '../idempotency/fingerprint.ts';
import { CONFIRMATION_PATH_PREFIX } from '../server/confirmation-pages.ts';
import type { ConfirmationState, KitRuntime } from '../server/runtime.ts';
import type { ToolDefinition } from './define-tool.ts';
import { permanentError, type ToolError } from './tool-error.ts';

/** What a tool's `confirm` returns to ask on a page instead of in the client's form. */
export interface UrlConfirmation {
  mode: 'url';
  /** The question, shown on the page; the client shows it beside the link too. */
  message: string;
}

export type Era = 'legacy' | 'modern';

export function declinedError(): ToolError {
  return permanentError('The user did not confirm the call', { code: 'declined', instead: 'do not retry unless the user asks for it again' });
}

/** The page's URL: the configured public URL, else the origin this request came to. */
function pageUrl(runtime: KitRuntime, ctx: ServerContext, id: string): string {
  const base = runtime.publicUrl ?? (ctx.http?.req === undefined ? undefined : new URL(ctx.http.req.url).origin);
  if (base === undefined) {
    throw permanentError('This server cannot ask for confirmation on a page: it has no public URL (it runs over stdio)', {
      code: 'confirmation_unavailable',
      instead: "ask the server's owners to set publicUrl, or use the tool over HTTP",
    });
  }
  return new URL(`${CONFIRMATION_PATH_PREFIX}${id}`, base).href;
}

/** Undefined when the user confirmed on the page; the input_required round (2026-07-28) while they have not answered yet. */
export async function urlConfirmationRound(
  tool: ToolDefinition,
  runtime: KitRuntime,
  args: Record<string, unknown>,
  ctx: ServerContext,
  subject: string,
  confirmation: UrlConfirmation,
  era: Era,
): Promise<InputRequiredResult | undefined> {
  const call = { tool: tool.name, subject, fingerprint: argumentsFingerprint(args) };
  const pages = runtime.confirmationPages;
  if (era === 'legacy') {
    const id = pages.open({ ...call, question: confirmation.message });
    const opened = await ctx.mcpReq.elicitInput({ mode: 'url', message: confirmation.message, url: pageUrl(runtime, ctx, id), elicitationId: id });
    if (opened.action !== 'accept') throw declinedError();
    const decision = await pages.wait(id, runtime.confirmationWaitMs.legacy, ctx.mcpReq.signal);
    ctx.mcpReq.signal.throwIfAborted();
    if (decision === 'pending') {
      throw permanentError('The user did not answer on the confirmation page in time', { code: 'confirmation_timeout', instead: 'call again to ask once more, if the user still wants it' });
    }
    // Only to the client that got the elicitation: the notification rides this request's own stream.
    await ctx.mcpReq.notify({ method: 'notifications/elicitation/complete', params: { elicitationId: id } });
    if (decision === 'declined') throw declinedError();
    return undefined;
  }

  const state = ctx.mcpReq.requestState<ConfirmationState>();
  const id = state?.tool === call.tool && state.fingerprint === call.fingerprint ? state.confirmationId : undefined;
  if (id !== undefined) {
    const view = inputResponse(ctx.mcpReq.inputResponses, 'confirm');
    if (view.kind === 'elicit' && view.action !== 'accept') throw declinedError();
    let decision = pages.decisionFor(id, call);
    if (decision === 'pending') decision = await pages.wait(id, runtime.confirmationWaitMs.modern, ctx.mcpReq.signal);
    if (decision === 'confirmed') return undefined;
    if (decision === 'declined') throw declinedError();
    if (decision === 'pending') return askOnPage(runtime, ctx, id, call, confirmation);
  }
  return askOnPage(runtime, ctx, pages.open({ ...call, question: confirmation.message }), call, confirmation);
}

async function askOnPage(runtime: KitRuntime, ctx: ServerContext, id: string, call: { tool: string; fingerprint: string }, confirmation: UrlConfirmation): Promise<InputRequiredResult> {
  return inputRequired({
    inputRequests: { confirm: inputRequired.elicitUrl({ message: confirmation.message, url: pageUrl(runtime, ctx, id) }) },
    requestState: await runtime.confirmations.mint({ tool: call.tool, fingerprint: call.fingerprint, confirmationId: id }, ctx),
  });
}
