// A tool as a team writes it: zod schemas for input and output, the scopes
// it needs, whether it takes idempotency keys, how it previews a destructive
// change, and the handler that holds only business logic. Everything else
// (scope checks, replays, dry runs, output checks, audit, metrics) is the
// kit's, in run-tool.ts.

import type { ServerContext, ToolAnnotations } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type * as z from 'zod';

import type { Caller } from '../identity/caller.ts';
import type { TraceContext } from '../operations/trace-context.ts';
import type { ToolError } from './tool-error.ts';
import type { UrlConfirmation } from './url-confirmation.ts';

/** What a handler gets besides its arguments. */
export interface ToolCall {
  readonly caller: Caller;
  /** Aborted when the client cancels the call (notifications/cancelled) or goes away. */
  readonly signal: AbortSignal;
  /** Throws a cancellation the kit reports as `cancelled`, if the call was cancelled; call it between steps of long work. */
  throwIfCancelled(): void;
  /** Reports progress to a client that asked for it (`_meta.progressToken`); a no-op otherwise. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  readonly trace: TraceContext;
  /** A child logger carrying the tool, caller and trace id. */
  readonly log: Logger;
  /** The SDK's context, for what the kit does not wrap. */
  readonly context: ServerContext;
  /**
   * For an idempotent tool: the structured output this call's idempotency
   * key already produced for these very arguments, so a dry run can say the
   * real call would be a replay; undefined when the key is new (or absent).
   * Throws the key-reused error when the key was used with other arguments.
   */
  replayOf(): Promise<Record<string, unknown> | undefined>;
}

/** What a destructive tool answers to `dry_run: true` (docs/server-authors-dry-run.md). */
export interface DryRunPreview {
  /** What the real call would do, in one sentence. */
  would: string;
  /** Facts the server counted itself, snake_case keys, plain numbers; a gateway approval rule reads them as `estimate.*`. */
  estimate: Record<string, number>;
  /** Optional detail: the diff, the rows, the recipients. */
  changes?: unknown;
  /**
   * Fields of the tool's own output that describe the preview too (the
   * record's id, a "not_sent" status); the kit checks the whole answer
   * against the advertised output schema.
   */
  output?: Record<string, unknown>;
  /** The sentence the model reads; "Dry run, nothing changed. The real call would <would>." by default. */
  text?: string;
}

/** How an idempotent tool's keys behave beyond the kit's defaults. */
export interface ToolIdempotency<Output extends ToolOutput = ToolOutput> {
  /** How long a key is remembered; a day by default. */
  ttlMs?: number;
  /** How a replay reads, from the first call's output: the first result unchanged (marked as a replay in `_meta`) by default. */
  replay?: (first: z.output<Output>, key: string) => { output: z.input<Output>; text: string };
  /** The refusal of a key reused with other arguments; `first` is the first call's output when it has completed. */
  reused?: (key: string, first: z.output<Output> | undefined) => ToolError;
}

export type ToolInput = z.ZodObject<z.ZodRawShape>;
export type ToolOutput = z.ZodObject<z.ZodRawShape>;

export interface ToolDefinition<Input extends ToolInput = ToolInput, Output extends ToolOutput = ToolOutput> {
  name: string;
  title?: string;
  /** When to use the tool and what it returns: the model reads this to choose it. */
  description: string;
  input: Input;
  /**
   * The result's structured content. A destructive tool whose output declares
   * `dry_run` itself (one schema for both answers) is advertised as
   * declared; otherwise the kit advertises the output's fields as optional
   * beside the preview's `dry_run`, `would`, `estimate` and `changes`.
   */
  output: Output;
  /** OAuth scopes the caller's token must carry, every one of them. */
  scopes?: readonly string[];
  annotations?: ToolAnnotations;
  /**
   * Accept an `idempotency_key` argument: a retried call with the same key
   * (and caller) returns the first call's result without acting again. An
   * `input` that declares `idempotency_key` itself (to require it, or word
   * it) is advertised as declared; so is a declared `dry_run`.
   */
  idempotency?: boolean | ToolIdempotency<Output>;
  /**
   * Makes the tool destructive: it accepts `dry_run: true` and answers with
   * this preview instead of acting. Must not change anything.
   */
  dryRun?: (args: z.output<Input>, call: ToolCall) => DryRunPreview | Promise<DryRunPreview>;
  /**
   * Asks the user before acting: return the question to confirm (or
   * undefined to act without asking). A string is asked in the client's
   * form (form mode); `{ mode: 'url', message }` on a page this server
   * serves (URL mode, url-confirmation.ts), for a question that must not
   * pass through the client. Served as an `input_required` elicitation on
   * 2026-07-28 and as an elicitation request inside a 2025-11-25 session;
   * a declined answer is a permanent `declined` error. Dry runs never ask.
   */
  confirm?: (args: z.output<Input>, call: ToolCall) => string | UrlConfirmation | undefined | Promise<string | UrlConfirmation | undefined>;
  /** The text the model reads for a result, from the output and the arguments; JSON of the output by default. */
  describe?: (output: z.output<Output>, args: z.output<Input>) => string;
  handler: (args: z.output<Input>, call: ToolCall) => z.input<Output> | Promise<z.input<Output>>;
}

/** Declares a tool; the identity function that keeps the schemas' types flowing into the handler. */
export function defineTool<Input extends ToolInput, Output extends ToolOutput>(
  definition: ToolDefinition<Input, Output>,
): ToolDefinition<Input, Output> {
  return definition;
}
