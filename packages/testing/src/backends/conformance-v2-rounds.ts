// The input_required plumbing the SDK v2 conformance fixture's tools share
// (conformance-v2-server.ts): the HMAC-sealed requestState each multi-round
// tool mints and checks, the capabilities a 2026 request declared, and the
// one-text-block result.

import { CLIENT_CAPABILITIES_META_KEY, createRequestStateCodec, inputRequired, type InputRequest, type ServerContext } from '@modelcontextprotocol/server';
import * as z from 'zod';

/** What a round's `requestState` proves: which tool minted it, and for multi-round flows which round comes next. */
export interface RoundState {
  tool: string;
  round: number;
}

/** One HMAC key per process: every round of a flow reaches this process (stdio, or one HTTP listener). */
export const roundStates = createRequestStateCodec<RoundState>({ key: crypto.getRandomValues(new Uint8Array(32)), ttlSeconds: 600 });

export const noArguments = z.object({});

export function text(value: string) {
  return { content: [{ type: 'text' as const, text: value }] };
}

export async function ask(tool: string, inputRequests: Record<string, InputRequest>, round = 1) {
  return inputRequired({ inputRequests, requestState: await roundStates.mint({ tool, round }) });
}

/** The state this tool minted for the round being answered, if the retry carries one (verified before the handler runs). */
export function ownRound(ctx: ServerContext, tool: string): RoundState | undefined {
  const state = ctx.mcpReq.requestState<RoundState>();
  return state?.tool === tool ? state : undefined;
}

/** The capabilities a 2026 client declared on this request (`_meta`), or undefined on a 2025 connection. */
export function declaredCapabilities(ctx: ServerContext): Record<string, unknown> | undefined {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  return envelope?.[CLIENT_CAPABILITIES_META_KEY] as Record<string, unknown> | undefined;
}

export const nameAnswer = z.object({ name: z.string() });
export const colorAnswer = z.object({ color: z.string() });
export const contextAnswer = z.object({ context: z.string() });
