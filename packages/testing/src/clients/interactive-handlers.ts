// What a test client answers when a server asks something of it (2025
// server-to-client requests, or 2026 `input_required` embedded requests), in
// shapes common to both SDKs, and the capabilities that follow from them: a
// capability is declared only when its handler is given.

export interface FormElicitation {
  message: string;
  requestedSchema: Record<string, unknown>;
}

export interface UrlElicitation {
  message: string;
  url: string;
  /** Present on 2025-11-25 requests; the 2026-07-28 embedded shape has none. */
  elicitationId?: string;
}

export type ElicitationAnswer =
  | { action: 'accept'; content?: Record<string, string | number | boolean | string[]> }
  | { action: 'decline' }
  | { action: 'cancel' };

export interface SamplingRequest {
  messages: Array<{ role: 'user' | 'assistant'; content: unknown }>;
  maxTokens: number;
  systemPrompt?: string;
}

export interface SamplingAnswer {
  text: string;
  /** Defaults to "test-model". */
  model?: string;
}

export interface ClientRoot {
  uri: string;
  name?: string;
}

type MaybePromise<T> = T | Promise<T>;

export interface InteractiveHandlers {
  /** Declares `elicitation.form`. */
  elicitForm?(request: FormElicitation): MaybePromise<ElicitationAnswer>;
  /** Declares `elicitation.url`. */
  elicitUrl?(request: UrlElicitation): MaybePromise<ElicitationAnswer>;
  /** Declares `sampling`. */
  sampling?(request: SamplingRequest): MaybePromise<SamplingAnswer>;
  /** Declares `roots` (with listChanged). */
  roots?(): MaybePromise<ClientRoot[]>;
}

/** One request a server sent this client (or embedded in an input_required result), in arrival order. */
export interface ReceivedRequest {
  method: string;
  params: unknown;
  /** False when the client had no handler for it and refused it. */
  isAnswered: boolean;
}

export interface DeclaredCapabilities {
  elicitation?: { form?: Record<string, never>; url?: Record<string, never> };
  sampling?: Record<string, never>;
  roots?: { listChanged: true };
}

/**
 * The client capabilities a set of handlers earns (2025-11-25 and 2026-07-28
 * client/elicitation: form and url are declared separately; an empty
 * `elicitation` object would mean form only, so it is never sent empty).
 */
export function declaredCapabilities(handlers: InteractiveHandlers): DeclaredCapabilities {
  const capabilities: DeclaredCapabilities = {};
  if (handlers.elicitForm !== undefined || handlers.elicitUrl !== undefined) {
    capabilities.elicitation = {
      ...(handlers.elicitForm !== undefined && { form: {} }),
      ...(handlers.elicitUrl !== undefined && { url: {} }),
    };
  }
  if (handlers.sampling !== undefined) capabilities.sampling = {};
  if (handlers.roots !== undefined) capabilities.roots = { listChanged: true };
  return capabilities;
}

/** The `sampling/createMessage` result for an answer. */
export function samplingResult(answer: SamplingAnswer): {
  role: 'assistant';
  content: { type: 'text'; text: string };
  model: string;
  stopReason: 'endTurn';
} {
  return { role: 'assistant', content: { type: 'text', text: answer.text }, model: answer.model ?? 'test-model', stopReason: 'endTurn' };
}

/** Whether elicitation/create params ask for URL mode (form is the default when `mode` is absent). */
export function isUrlElicitation(params: { mode?: string }): boolean {
  return params.mode === 'url';
}
