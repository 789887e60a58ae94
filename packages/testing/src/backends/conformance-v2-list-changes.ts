// The SDK v2 conformance fixture's list changes and diagnostics
// (conformance-v2-server.ts): the tools and prompts test_trigger_*_change add,
// shared by every server instance of the process and registered on the live
// ones, and the server-stateless scenario's hooks (SEP-2575).

import { acceptedContent, inputRequired, inputResponse, type McpServer } from '@modelcontextprotocol/server';

import * as fixture from './conformance-catalog.ts';
import { nameAnswer, noArguments, text } from './conformance-v2-rounds.ts';

/**
 * The tools and prompts test_trigger_*_change added, shared by every server
 * instance of the process; live instances (a 2025 session, a stdio
 * connection) are told so they can send list_changed themselves.
 */
export class ListChanges {
  readonly tools: string[] = [];
  readonly prompts: string[] = [];
  readonly #watchers = new Set<(kind: 'tools' | 'prompts', name: string) => void>();
  /** Set by the HTTP entry: tells open 2026 listen streams. */
  notifyModern: ((kind: 'tools' | 'prompts') => void) | undefined;

  add(kind: 'tools' | 'prompts', name: string): void {
    this[kind].push(name);
    for (const watcher of this.#watchers) watcher(kind, name);
    this.notifyModern?.(kind);
  }

  watch(watcher: (kind: 'tools' | 'prompts', name: string) => void): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }
}

/** The server-stateless scenario's hooks (SEP-2575). */
export function registerDiagnosticTools(server: McpServer, changes: ListChanges): void {
  server.registerTool(
    'test_missing_capability',
    { description: 'Asks for sampling whatever the client declared; the SDK refuses with -32021 when it did not.', inputSchema: noArguments },
    (_args, ctx) => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'sample');
      if (answer.kind === 'sampling') return text('Sampling input received.');
      return inputRequired({ inputRequests: { sample: inputRequired.createMessage(structuredClone(fixture.capitalSampling) as never) } });
    },
  );
  server.registerTool(
    'test_streaming_elicitation',
    { description: 'Asks for a name; the request stream must carry only the input_required result, no request of its own.', inputSchema: noArguments },
    (_args, ctx) => {
      const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_name', nameAnswer);
      if (answer !== undefined) return text(`Hello, ${answer.name}!`);
      return inputRequired({ inputRequests: { user_name: inputRequired.elicit(structuredClone(fixture.nameElicitation) as never) } });
    },
  );
  server.registerTool(
    'test_logging_tool',
    { description: 'Logs one info message; a 2026 request without a logLevel gets none.', inputSchema: noArguments },
    async (_args, ctx) => {
      await ctx.mcpReq.log('info', 'test_logging_tool ran');
      return text('Logging tool executed.');
    },
  );
  server.registerTool(
    'test_trigger_tool_change',
    { description: 'Adds a tool, so the tool list changes and listeners are told.', inputSchema: noArguments },
    () => {
      const name = `${fixture.triggeredToolPrefix}${changes.tools.length + 1}`;
      changes.add('tools', name);
      return text(`Added tool ${name}`);
    },
  );
  server.registerTool(
    'test_trigger_prompt_change',
    { description: 'Adds a prompt, so the prompt list changes and listeners are told.', inputSchema: noArguments },
    () => {
      const name = `${fixture.triggeredPromptPrefix}${changes.prompts.length + 1}`;
      changes.add('prompts', name);
      return text(`Added prompt ${name}`);
    },
  );
  for (const name of changes.tools) registerTriggeredTool(server, name);
  for (const name of changes.prompts) registerTriggeredPrompt(server, name);
}

function registerTriggeredTool(server: McpServer, name: string): void {
  server.registerTool(name, { description: 'Added by test_trigger_tool_change.', inputSchema: noArguments }, () => text(name));
}

function registerTriggeredPrompt(server: McpServer, name: string): void {
  server.registerPrompt(name, { description: 'Added by test_trigger_prompt_change.' }, () => ({
    messages: [{ role: 'user' as const, content: { type: 'text' as const, text: name } }],
  }));
}

/** A live instance registers what later triggers add; registering sends its own list_changed to a connected client. */
export function followListChanges(server: McpServer, changes: ListChanges, isLive: boolean): void {
  if (!isLive) return;
  const unwatch = changes.watch((kind, name) => {
    if (!server.isConnected()) return;
    if (kind === 'tools') registerTriggeredTool(server, name);
    else registerTriggeredPrompt(server, name);
  });
  const previousOnClose = server.server.onclose;
  server.server.onclose = () => {
    previousOnClose?.();
    unwatch();
  };
}
