// How an interactive test client answers what a server asks of it, for
// either SDK: each request is recorded in arrival order, answered through the
// given handlers, or refused with the JSON-RPC error the SDK would send for
// an undeclared capability. interactive-v1.ts and interactive-v2.ts only
// register these answers with their SDK's setRequestHandler.

import {
  type ElicitationAnswer,
  type InteractiveHandlers,
  isUrlElicitation,
  type ReceivedRequest,
  type SamplingRequest,
  samplingResult,
} from './interactive-handlers.ts';

/** JSON-RPC 2.0 error codes (section 5.1), the same in both SDKs. */
export const invalidParamsCode = -32602;
export const methodNotFoundCode = -32601;

/** Builds the SDK's own error class, so the SDK sends it as a JSON-RPC error with this code. */
export type RefusalFactory = (code: number, message: string) => Error;

interface ElicitationParams {
  mode?: string | undefined;
  message: string;
  url?: string;
  elicitationId?: unknown;
  requestedSchema?: unknown;
}

export interface ServerRequestAnswers {
  /** Present when a form or URL elicitation handler is given (the capability is declared). */
  elicitation?: (request: { method: string; params: ElicitationParams }) => Promise<ElicitationAnswer>;
  sampling?: (request: { method: string; params: SamplingRequest }) => Promise<ReturnType<typeof samplingResult>>;
  roots?: (request: { method: string; params?: unknown }) => Promise<{ roots: Array<{ uri: string; name?: string }> }>;
  /** For any other request: a capability this client did not declare is refused the way the SDK refuses an unknown method. */
  refuseUnknown: (request: { method: string; params?: unknown }) => Promise<never>;
}

export function serverRequestAnswers(
  handlers: InteractiveHandlers,
  requests: ReceivedRequest[],
  refuse: RefusalFactory,
): ServerRequestAnswers {
  const { elicitForm, elicitUrl, sampling, roots } = handlers;
  const answers: ServerRequestAnswers = {
    async refuseUnknown(request) {
      requests.push({ method: request.method, params: request.params, isAnswered: false });
      throw refuse(methodNotFoundCode, 'Method not found');
    },
  };
  if (elicitForm !== undefined || elicitUrl !== undefined) {
    answers.elicitation = async (request) => {
      const params = request.params;
      if (isUrlElicitation(params) && elicitUrl !== undefined && params.url !== undefined) {
        requests.push({ method: request.method, params, isAnswered: true });
        // 2026-07-28 embedded URL requests carry no elicitationId.
        const elicitationId = typeof params.elicitationId === 'string' ? params.elicitationId : undefined;
        return elicitUrl({ message: params.message, url: params.url, ...(elicitationId !== undefined && { elicitationId }) });
      }
      if (!isUrlElicitation(params) && elicitForm !== undefined && params.requestedSchema !== undefined) {
        requests.push({ method: request.method, params, isAnswered: true });
        return elicitForm({ message: params.message, requestedSchema: params.requestedSchema as Record<string, unknown> });
      }
      requests.push({ method: request.method, params, isAnswered: false });
      throw refuse(invalidParamsCode, `This client did not declare elicitation mode "${params.mode ?? 'form'}"`);
    };
  }
  if (sampling !== undefined) {
    answers.sampling = async (request) => {
      requests.push({ method: request.method, params: request.params, isAnswered: true });
      const { messages, maxTokens, systemPrompt } = request.params;
      return samplingResult(await sampling({ messages, maxTokens, ...(systemPrompt !== undefined && { systemPrompt }) }));
    };
  }
  if (roots !== undefined) {
    answers.roots = async (request) => {
      requests.push({ method: request.method, params: request.params, isAnswered: true });
      return { roots: await roots() };
    };
  }
  return answers;
}
