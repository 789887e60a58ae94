// The interactive test tools that the SDK v1 and SDK v2 backends share,
// written once without either SDK: names, specs (description and zod input
// schema), what a tool asks the client and how it words the answer, and, for
// the tools that need nothing from the client, the whole handler over a
// neutral `ToolCall`. v1-interactive-tools.ts and v2-interactive-tools.ts
// register these with their SDK and keep what differs: how a tool asks the
// client (2025 requests on the call's stream vs 2026 input_required) and logging.

import { setTimeout as sleep } from 'node:timers/promises';

import * as z from 'zod';

import { addedToolNamePattern, type InteractiveState } from './interactive-state.ts';
import { type TextResult, textResult } from './test-catalog.ts';

export const interactiveToolNames = [
  'ask_name',
  'open_url',
  'summarize',
  'list_client_roots',
  'count',
  'log_messages',
  'wait_for_cancel',
  'cancellations',
  'touch_resource',
  'add_tool',
  'subscriptions',
] as const;

export interface ProgressNotification {
  method: 'notifications/progress';
  params: { progressToken: string | number; progress: number; total?: number; message?: string };
}

/** What a handler needs from the call it serves, whichever SDK runs it. */
export interface ToolCall {
  progressToken: string | number | undefined;
  /** Fires when the call is cancelled. */
  signal: AbortSignal;
  /** Sends a notification tied to this call (on its stream over HTTP). */
  notify(notification: ProgressNotification): Promise<void>;
}

/** A tool whose handler needs no SDK: registered by each backend as is. */
export interface NeutralTool {
  name: string;
  description: string;
  inputSchema: z.ZodObject;
  run(args: unknown, call: ToolCall): TextResult | Promise<TextResult>;
}

function neutralTool<Schema extends z.ZodObject>(tool: {
  name: string;
  description: string;
  inputSchema: Schema;
  run(args: z.output<Schema>, call: ToolCall): TextResult | Promise<TextResult>;
}): NeutralTool {
  // The SDK has validated the arguments already; parsing again types them here without a cast.
  return { ...tool, run: (args, call) => tool.run(tool.inputSchema.parse(args), call) };
}

const noArguments = z.object({});
const progressIntervalMs = 5;

export const askNameTool = {
  description: "Ask the user's name with a form elicitation and greet them. Use when testing form-mode elicitation.",
  inputSchema: noArguments,
};

/** The form ask_name sends; the answer's `name` field is the greeting's. */
export const nameElicitation = {
  message: 'What is your name?',
  requestedSchema: { type: 'object' as const, properties: { name: { type: 'string' as const, title: 'Name' } }, required: ['name'] },
};

export const openUrlTool = {
  description: 'Send the user to a URL with a URL-mode elicitation and report the action they took. Use when testing URL-mode elicitation.',
  inputSchema: z.object({ url: z.url().default('https://example.com/consent').describe('The page the user is sent to.') }),
};

export const urlElicitationMessage = 'Open this page to continue';

export const summarizeTool = {
  description: "Ask the client's model to summarize the text with sampling/createMessage and return its reply. Use when testing sampling.",
  inputSchema: z.object({ text: z.string().describe('The text to summarize.') }),
};

/** The sampling/createMessage params summarize sends. */
export function summaryRequest(text: string) {
  return { messages: [{ role: 'user' as const, content: { type: 'text' as const, text } }], maxTokens: 100 };
}

/** summarize's answer: the model's text, or the content as JSON when it is not text. */
export function summaryText(content: unknown): string {
  const first = (Array.isArray(content) ? content[0] : content) as { type?: string; text?: string } | undefined;
  return first?.type === 'text' ? String(first.text) : JSON.stringify(content);
}

export const listClientRootsTool = {
  description: "List the client's roots with roots/list, one URI per line. Use when testing roots.",
  inputSchema: noArguments,
};

export function rootsText(roots: ReadonlyArray<{ uri: string }>): string {
  return roots.map((root) => root.uri).join('\n');
}

/** log_messages sends these two, in order; a session's log level may hold either back. */
export const loggedMessages = [
  ['info', 'first message (info)'],
  ['warning', 'second message (warning)'],
] as const;

/** The counter resource: name, URI, metadata and read callback for registerResource. */
export function counterResource(state: InteractiveState) {
  return {
    name: 'counter',
    uri: state.counterUri,
    metadata: { title: 'Counter', description: 'A number touch_resource increments; subscribe to hear of it.', mimeType: 'text/plain' },
    read: (uri: URL) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: `count: ${state.counter}` }] }),
  };
}

/**
 * The tools that need nothing from the client: progress, cancellation and
 * the shared state. `reservedToolNames` are the names add_tool refuses
 * besides the interactive ones.
 */
export function neutralInteractiveTools(state: InteractiveState, reservedToolNames: readonly string[]): NeutralTool[] {
  const refusedNames = [...reservedToolNames, ...interactiveToolNames];
  return [
    neutralTool({
      name: 'count',
      description: 'Count from 1 to n, sending a progress notification for each step when the call has a progressToken.',
      inputSchema: z.object({ n: z.number().int().min(1).max(1000).describe('How far to count.') }),
      async run({ n }, call) {
        for (let progress = 1; progress <= n; progress += 1) {
          if (call.progressToken !== undefined) {
            await call.notify({
              method: 'notifications/progress',
              params: { progressToken: call.progressToken, progress, total: n, message: `counted ${progress} of ${n}` },
            });
          }
          if (progress < n) await sleep(progressIntervalMs, undefined, { signal: call.signal });
        }
        return textResult(`counted to ${n}`);
      },
    }),
    neutralTool({
      name: 'wait_for_cancel',
      description:
        'Wait up to ms milliseconds; answers "cancelled" and counts it when the call is cancelled first. Sends progress 0 once waiting, so a caller knows when to cancel.',
      inputSchema: z.object({ ms: z.number().int().min(0).max(600_000).default(30_000).describe('The longest wait, in milliseconds.') }),
      async run({ ms }, call) {
        if (call.progressToken !== undefined) {
          await call.notify({ method: 'notifications/progress', params: { progressToken: call.progressToken, progress: 0, message: 'waiting' } });
        }
        try {
          await sleep(ms, undefined, { signal: call.signal });
          return textResult('not cancelled');
        } catch {
          state.recordCancellation();
          return textResult('cancelled');
        }
      },
    }),
    neutralTool({
      name: 'cancellations',
      description: 'How many wait_for_cancel calls saw a cancellation, across all sessions.',
      inputSchema: noArguments,
      run: () => textResult(String(state.cancellations)),
    }),
    neutralTool({
      name: 'touch_resource',
      description: `Increment ${state.counterUri} and notify its subscribers with notifications/resources/updated.`,
      inputSchema: noArguments,
      run: () => textResult(`count is now ${state.touchCounter()}`),
    }),
    neutralTool({
      name: 'add_tool',
      description: 'Register a new tool on every session, which makes the server send notifications/tools/list_changed.',
      inputSchema: z.object({ name: z.string().regex(addedToolNamePattern).describe('The new tool name.') }),
      run({ name }) {
        try {
          state.addTool(name, refusedNames);
        } catch (error) {
          return textResult(error instanceof Error ? error.message : String(error), true);
        }
        return textResult(`added ${name}`);
      },
    }),
    neutralTool({
      name: 'subscriptions',
      description: 'Report resource subscriptions held by sessions of this backend, as JSON.',
      inputSchema: noArguments,
      run: () => textResult(JSON.stringify(state.subscriptionReport())),
    }),
  ];
}

/** A tool add_tool registered at runtime: it returns its own name. */
export function addedTool(name: string): NeutralTool {
  return neutralTool({
    name,
    description: 'Added at runtime by add_tool; returns its own name.',
    inputSchema: noArguments,
    run: () => textResult(name),
  });
}

/** The part of an McpServer both SDKs share that a live session needs. */
interface LiveServer {
  isConnected(): boolean;
  readonly server: { sendResourceUpdated(params: { uri: string }): Promise<void>; onclose?: (() => void) | undefined };
}

/**
 * Keeps a connection-long server instance in step with the shared state:
 * tools added before it began are registered now, later ones as they come
 * (registerTool on a connected McpServer sends notifications/tools/list_changed
 * itself), and updated resources it `wantsUpdate` for are sent to it. Closing
 * the server stops this and forgets its subscriptions.
 */
export function followSharedState(
  server: LiveServer,
  state: InteractiveState,
  hooks: { registerAddedTool(name: string): void; wantsUpdate(uri: string): boolean },
): void {
  for (const name of state.addedTools) hooks.registerAddedTool(name);
  const unwatch = state.watch({
    toolAdded: (name) => hooks.registerAddedTool(name),
    resourceUpdated: (uri) => {
      if (!server.isConnected() || !hooks.wantsUpdate(uri)) return;
      // A session that closes while the update is on its way has nothing left to tell.
      server.server.sendResourceUpdated({ uri }).catch(() => undefined);
    },
  });
  const previousOnClose = server.server.onclose;
  server.server.onclose = () => {
    previousOnClose?.();
    unwatch();
    state.forgetSession(server);
  };
}
