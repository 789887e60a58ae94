#!/usr/bin/env node
// The conformance fixture on SDK v2 (@modelcontextprotocol/server): every
// tool, resource and prompt the official suite's server scenarios call, in
// both protocol generations: 2026-07-28 per request (input_required rounds,
// subscriptions/listen) and 2025-11-25 in sessions, where the SDK's legacy
// shim turns each input_required into real requests on the call's stream.
// The texts and schemas are shared with the SDK v1 fixture
// (conformance-catalog.ts). Run it with `--stdio` (default) or
// `--http --port N [--host H]`, like every test backend.

import { setTimeout as sleep } from 'node:timers/promises';

import {
  acceptedContent,
  CLIENT_CAPABILITIES_META_KEY,
  completable,
  createRequestStateCodec,
  fromJsonSchema,
  inputRequired,
  type InputRequest,
  inputResponse,
  McpServer,
  ResourceTemplate,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod';

import * as fixture from './conformance-catalog.ts';
import { FixtureTaskStore, registerTaskTools } from './conformance-v2-tasks.ts';
import { MemoryEventStore } from './memory-event-store.ts';
import type { ListenOptions } from './node-http.ts';
import { announceListening, parseBackendOptions, runBackendMain } from './script-options.ts';
import { serveV2BothEras, type V2Endpoint } from './v2-sessions.ts';

export const conformanceV2ServerInfo = { name: 'gatehouse-conformance-v2-backend', version: '2.0.0' } as const;

/** What a round's `requestState` proves: which tool minted it, and for multi-round flows which round comes next. */
interface RoundState {
  tool: string;
  round: number;
}

/** One HMAC key per process: every round of a flow reaches this process (stdio, or one HTTP listener). */
const roundStates = createRequestStateCodec<RoundState>({ key: crypto.getRandomValues(new Uint8Array(32)), ttlSeconds: 600 });

/**
 * The tools and prompts test_trigger_*_change added, shared by every server
 * instance of the process; live instances (a 2025 session, a stdio
 * connection) are told so they can send list_changed themselves.
 */
class ListChanges {
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

const noArguments = z.object({});

function text(value: string) {
  return { content: [{ type: 'text' as const, text: value }] };
}

async function ask(tool: string, inputRequests: Record<string, InputRequest>, round = 1) {
  return inputRequired({ inputRequests, requestState: await roundStates.mint({ tool, round }) });
}

/** The state this tool minted for the round being answered, if the retry carries one (verified before the handler runs). */
function ownRound(ctx: ServerContext, tool: string): RoundState | undefined {
  const state = ctx.mcpReq.requestState<RoundState>();
  return state?.tool === tool ? state : undefined;
}

/** The capabilities a 2026 client declared on this request (`_meta`), or undefined on a 2025 connection. */
function declaredCapabilities(ctx: ServerContext): Record<string, unknown> | undefined {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  return envelope?.[CLIENT_CAPABILITIES_META_KEY] as Record<string, unknown> | undefined;
}

export interface ConformanceV2Options {
  changes: ListChanges;
  /** The process's tasks (the tasks extension), shared by every server instance. */
  tasks: FixtureTaskStore;
  era: 'legacy' | 'modern';
  /** Whether the instance serves a whole connection (stdio, a 2025 session) rather than one 2026 request. */
  isLive: boolean;
}

export function createConformanceV2Server(options: ConformanceV2Options): McpServer {
  const server = new McpServer(conformanceV2ServerInfo, {
    capabilities: {
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true },
      logging: {},
      completions: {},
    },
    requestState: { verify: roundStates.verify },
  });
  registerContentTools(server);
  registerLegacyInteractiveTools(server);
  registerInputRequiredTools(server);
  registerDiagnosticTools(server, options.changes);
  registerTaskTools(server, options.tasks, options.era);
  registerResources(server, options.era);
  registerPrompts(server);
  followListChanges(server, options);
  return server;
}

function registerContentTools(server: McpServer): void {
  server.registerTool('test_simple_text', { description: 'Returns one text block.', inputSchema: noArguments }, () =>
    text(fixture.simpleText),
  );
  server.registerTool('test_image_content', { description: 'Returns one PNG image block.', inputSchema: noArguments }, () => ({
    content: [{ type: 'image' as const, data: fixture.testImageBase64, mimeType: 'image/png' }],
  }));
  server.registerTool('test_audio_content', { description: 'Returns one WAV audio block.', inputSchema: noArguments }, () => ({
    content: [{ type: 'audio' as const, data: fixture.testAudioBase64, mimeType: 'audio/wav' }],
  }));
  server.registerTool('test_embedded_resource', { description: 'Returns one embedded text resource.', inputSchema: noArguments }, () => ({
    content: [{ type: 'resource' as const, resource: { ...fixture.embeddedResource } }],
  }));
  server.registerTool(
    'test_multiple_content_types',
    { description: 'Returns text, image and embedded resource blocks in one result.', inputSchema: noArguments },
    () => ({
      content: [
        { type: 'text' as const, text: 'Multiple content types test:' },
        { type: 'image' as const, data: fixture.testImageBase64, mimeType: 'image/png' },
        { type: 'resource' as const, resource: { ...fixture.mixedContentResource } },
      ],
    }),
  );
  server.registerTool('test_error_handling', { description: 'Always returns an isError result.', inputSchema: noArguments }, () => ({
    ...text(fixture.errorText),
    isError: true,
  }));
  server.registerTool(
    'test_tool_with_logging',
    { description: 'Sends three info log messages, 50 ms apart, while it runs.', inputSchema: noArguments },
    async (_args, ctx) => {
      for (const [index, data] of fixture.loggedMessages.entries()) {
        if (index > 0) await sleep(50, undefined, { signal: ctx.mcpReq.signal });
        // The SDK applies logging/setLevel (2025) or the request's logLevel _meta (2026).
        await ctx.mcpReq.log('info', data);
      }
      return text('Tool with logging executed successfully');
    },
  );
  server.registerTool(
    'test_tool_with_progress',
    { description: 'Reports progress 0, 50 and 100 of 100, 50 ms apart, when the request has a progressToken.', inputSchema: noArguments },
    async (_args, ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken;
      for (const progress of [0, 50, 100]) {
        if (progress > 0) await sleep(50, undefined, { signal: ctx.mcpReq.signal });
        if (progressToken !== undefined) {
          await ctx.mcpReq.notify({
            method: 'notifications/progress',
            params: { progressToken, progress, total: 100, message: `Completed step ${progress} of 100` },
          });
        }
      }
      return text(`Progress reported for token ${String(progressToken ?? '(none)')}`);
    },
  );
  server.registerTool(
    'test_reconnection',
    { description: 'Closes its SSE stream mid-call and answers after the client resumes (SEP-1699).', inputSchema: noArguments },
    async (_args, ctx) => {
      ctx.http?.closeSSE?.();
      await sleep(100, undefined, { signal: ctx.mcpReq.signal });
      return text(fixture.reconnectionText);
    },
  );
  server.registerTool(
    fixture.jsonSchema2020Tool.name,
    {
      description: fixture.jsonSchema2020Tool.description,
      // Declared as raw JSON Schema so every keyword reaches the client as written (SEP-1613, SEP-2106).
      inputSchema: fromJsonSchema(structuredClone(fixture.jsonSchema2020Tool.inputSchema) as never),
    },
    (args) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
  );
  server.registerTool(
    fixture.headerParamTool.name,
    { description: fixture.headerParamTool.description, inputSchema: fromJsonSchema(structuredClone(fixture.headerParamTool.inputSchema) as never) },
    (args) => text(`region: ${String((args as { region?: unknown }).region)}`),
  );
}

/** The 2025-11-25 suite's interactive tools, written as input_required rounds; the legacy shim asks 2025 clients directly. */
function registerLegacyInteractiveTools(server: McpServer): void {
  server.registerTool(
    'test_sampling',
    {
      description: "Asks the client's model to answer the prompt (sampling/createMessage).",
      inputSchema: z.object({ prompt: z.string().describe('The prompt to send to the LLM') }),
    },
    async ({ prompt }, ctx) => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'sampling');
      if (answer.kind === 'sampling' && ownRound(ctx, 'test_sampling')) return text(`LLM response: ${fixture.samplingText(answer.result.content)}`);
      return ask('test_sampling', {
        sampling: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 }),
      });
    },
  );
  // One form elicitation per tool; test_elicitation takes its message from the call.
  const elicitation = (name: string, description: string, request: (args: { message?: string }) => unknown, label: string) =>
    server.registerTool(
      name,
      { description, inputSchema: z.object({ message: z.string().describe('The message to show the user').optional() }) },
      async (args, ctx) => {
        const answer = inputResponse(ctx.mcpReq.inputResponses, 'elicitation');
        if (answer.kind === 'elicit' && ownRound(ctx, name)) {
          return text(`${label}: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`);
        }
        return ask(name, { elicitation: inputRequired.elicit(structuredClone(request(args)) as never) });
      },
    );
  elicitation('test_elicitation', 'Asks the user for a username and email (elicitation/create, form mode).', (args) => fixture.userElicitation(args.message ?? 'Please provide your details'), 'User response');
  elicitation('test_elicitation_sep1034_defaults', 'Elicitation whose schema gives a default for every primitive type (SEP-1034).', () => fixture.defaultsElicitation, 'Elicitation completed');
  elicitation('test_elicitation_sep1330_enums', 'Elicitation with all five enum schema forms (SEP-1330).', () => fixture.enumsElicitation, 'Elicitation completed');
}

const nameAnswer = z.object({ name: z.string() });
const colorAnswer = z.object({ color: z.string() });
const contextAnswer = z.object({ context: z.string() });

/** The 2026-07-28 input_required scenarios (SEP-2322), keys as the suite expects them. */
function registerInputRequiredTools(server: McpServer): void {
  const elicitName = () => inputRequired.elicit(structuredClone(fixture.nameElicitation) as never);

  server.registerTool(
    'test_input_required_result_elicitation',
    { description: 'Asks the user for their name in one input_required round.', inputSchema: noArguments },
    (_args, ctx) => {
      // Missing, wrong or malformed answers get the question again, never an error (SEP-2322).
      const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_name', nameAnswer);
      if (answer !== undefined) return text(`Hello, ${answer.name}!`);
      return inputRequired({ inputRequests: { user_name: elicitName() } });
    },
  );
  server.registerTool(
    'test_input_required_result_sampling',
    { description: "Asks the client's model a question in one input_required round.", inputSchema: noArguments },
    (_args, ctx) => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'capital_question');
      if (answer.kind === 'sampling') return text(`The model answered: ${fixture.samplingText(answer.result.content)}`);
      return inputRequired({ inputRequests: { capital_question: inputRequired.createMessage(structuredClone(fixture.capitalSampling) as never) } });
    },
  );
  server.registerTool(
    'test_input_required_result_list_roots',
    { description: "Asks for the client's roots in one input_required round.", inputSchema: noArguments },
    (_args, ctx) => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'client_roots');
      if (answer.kind === 'roots') return text(`Client roots: ${answer.roots.map((root) => root.uri).join(', ') || '(none)'}`);
      return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
    },
  );
  server.registerTool(
    'test_input_required_result_request_state',
    { description: 'Asks for confirmation and checks its own requestState on the retry.', inputSchema: noArguments },
    async (_args, ctx) => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'confirm');
      if (answer.kind === 'elicit' && ownRound(ctx, 'test_input_required_result_request_state')) return text('state-ok: the requestState came back intact');
      return ask('test_input_required_result_request_state', { confirm: inputRequired.elicit(structuredClone(fixture.confirmElicitation) as never) });
    },
  );
  server.registerTool(
    'test_input_required_result_multiple_inputs',
    { description: 'Asks for an elicitation, a sampling and the roots in one round.', inputSchema: noArguments },
    async (_args, ctx) => {
      const responses = ctx.mcpReq.inputResponses;
      const name = acceptedContent(responses, 'user_name', nameAnswer);
      const greeting = inputResponse(responses, 'greeting');
      const roots = inputResponse(responses, 'client_roots');
      if (name !== undefined && greeting.kind === 'sampling' && roots.kind === 'roots' && ownRound(ctx, 'test_input_required_result_multiple_inputs')) {
        return text(`All inputs received: name=${name.name}, greeting=${fixture.samplingText(greeting.result.content)}, roots=${roots.roots.length}`);
      }
      return ask('test_input_required_result_multiple_inputs', {
        user_name: elicitName(),
        greeting: inputRequired.createMessage(structuredClone(fixture.greetingSampling) as never),
        client_roots: inputRequired.listRoots(),
      });
    },
  );
  server.registerTool(
    'test_input_required_result_multi_round',
    { description: 'Asks for a name, then a colour, carrying the progress in requestState.', inputSchema: noArguments },
    async (_args, ctx) => {
      const tool = 'test_input_required_result_multi_round';
      const round = ownRound(ctx, tool)?.round;
      if (round === 2) {
        const color = acceptedContent(ctx.mcpReq.inputResponses, 'step2', colorAnswer);
        if (color !== undefined) return text(`Multi-round flow completed: favourite colour ${color.color}`);
      }
      if (round === 1 && acceptedContent(ctx.mcpReq.inputResponses, 'step1', nameAnswer) !== undefined) {
        return ask(tool, { step2: inputRequired.elicit(structuredClone(fixture.colorElicitation) as never) }, 2);
      }
      return ask(tool, { step1: inputRequired.elicit(structuredClone(fixture.stepOneElicitation) as never) }, 1);
    },
  );
  server.registerTool(
    'test_input_required_result_tampered_state',
    { description: 'Mints an HMAC-sealed requestState; a tampered one is refused before this handler runs.', inputSchema: noArguments },
    async (_args, ctx) => {
      if (ownRound(ctx, 'test_input_required_result_tampered_state')) return text('requestState verified');
      return ask('test_input_required_result_tampered_state', { user_name: elicitName() });
    },
  );
  server.registerTool(
    'test_input_required_result_capabilities',
    { description: 'Asks only for what the client declared it supports.', inputSchema: noArguments },
    (_args, ctx) => {
      const declared = declaredCapabilities(ctx) ?? {};
      const requests: Record<string, InputRequest> = {};
      if (declared['sampling'] !== undefined) requests['capital_question'] = inputRequired.createMessage(structuredClone(fixture.capitalSampling) as never);
      if (declared['elicitation'] !== undefined) requests['user_name'] = elicitName();
      if (declared['roots'] !== undefined) requests['client_roots'] = inputRequired.listRoots();
      if (Object.keys(requests).length === 0 || Object.keys(ctx.mcpReq.inputResponses ?? {}).length > 0) {
        return text(`Asked only for: ${Object.keys(requests).join(', ') || '(nothing declared)'}`);
      }
      return inputRequired({ inputRequests: requests });
    },
  );
}

/** The server-stateless scenario's hooks (SEP-2575). */
function registerDiagnosticTools(server: McpServer, changes: ListChanges): void {
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
function followListChanges(server: McpServer, options: ConformanceV2Options): void {
  if (!options.isLive) return;
  const unwatch = options.changes.watch((kind, name) => {
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

function registerResources(server: McpServer, era: 'legacy' | 'modern'): void {
  const plain = (resource: { name: string; uri: string; metadata: { mimeType: string }; text: string }) =>
    server.registerResource(resource.name, resource.uri, resource.metadata, (uri) => ({
      contents: [{ uri: uri.href, mimeType: resource.metadata.mimeType, text: resource.text }],
    }));
  plain(fixture.staticTextResource);
  plain(fixture.watchedResource);
  server.registerResource(fixture.staticBinaryResource.name, fixture.staticBinaryResource.uri, fixture.staticBinaryResource.metadata, (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'image/png', blob: fixture.testImageBase64 }],
  }));
  server.registerResource(
    fixture.templateResource.name,
    new ResourceTemplate(fixture.templateResource.uriTemplate, { list: undefined, complete: { id: fixture.templateResource.completeId } }),
    fixture.templateResource.metadata,
    (uri, { id }) => ({ contents: [{ uri: uri.href, mimeType: 'application/json', text: fixture.templateResource.text(String(id)) }] }),
  );
  // 2026-07-28 has no resources/subscribe (subscriptions/listen replaces it). Nothing here changes, so tracking is all.
  if (era !== 'legacy') return;
  const subscriptions = new Set<string>();
  server.server.setRequestHandler('resources/subscribe', (request) => {
    subscriptions.add(request.params.uri);
    return {};
  });
  server.server.setRequestHandler('resources/unsubscribe', (request) => {
    subscriptions.delete(request.params.uri);
    return {};
  });
}

function registerPrompts(server: McpServer): void {
  server.registerPrompt('test_simple_prompt', { title: 'Simple test prompt', description: 'A simple prompt without arguments.' }, () => ({
    messages: [{ role: 'user' as const, content: { type: 'text' as const, text: fixture.simplePromptText } }],
  }));
  server.registerPrompt(
    'test_prompt_with_arguments',
    {
      title: 'Prompt with arguments',
      description: 'A prompt with two required arguments.',
      argsSchema: z.object({
        arg1: completable(z.string().describe('First test argument'), fixture.promptArgumentCompletions),
        arg2: z.string().describe('Second test argument'),
      }),
    },
    ({ arg1, arg2 }) => ({
      messages: [{ role: 'user' as const, content: { type: 'text' as const, text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }],
    }),
  );
  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    {
      title: 'Prompt with embedded resource',
      description: 'A prompt that embeds the resource named by resourceUri.',
      argsSchema: z.object({ resourceUri: z.string().describe('URI of the resource to embed') }),
    },
    ({ resourceUri }) => ({
      messages: [
        { role: 'user' as const, content: { type: 'resource' as const, resource: { uri: resourceUri, mimeType: 'text/plain', text: fixture.embeddedPromptText } } },
        { role: 'user' as const, content: { type: 'text' as const, text: 'Please process the embedded resource above.' } },
      ],
    }),
  );
  server.registerPrompt('test_prompt_with_image', { title: 'Prompt with image', description: 'A prompt that includes an image.' }, () => ({
    messages: [
      { role: 'user' as const, content: { type: 'image' as const, data: fixture.testImageBase64, mimeType: 'image/png' } },
      { role: 'user' as const, content: { type: 'text' as const, text: 'Please analyze the image above.' } },
    ],
  }));
  server.registerPrompt(
    'test_input_required_result_prompt',
    { title: 'Prompt needing input', description: 'Asks the user for context before it is rendered (input_required on prompts/get).' },
    (ctx) => {
      const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_context', contextAnswer);
      if (answer !== undefined) {
        return { messages: [{ role: 'user' as const, content: { type: 'text' as const, text: `Use this context: ${answer.context}` } }] };
      }
      return inputRequired({ inputRequests: { user_context: inputRequired.elicit(structuredClone(fixture.promptContextElicitation) as never) } });
    },
  );
}

/** Serves the fixture over Streamable HTTP: 2026 per request, 2025 in resumable sessions. */
export async function startConformanceV2Http(options: ListenOptions): Promise<V2Endpoint> {
  const changes = new ListChanges();
  const tasks = new FixtureTaskStore();
  const endpoint = await serveV2BothEras(({ era, isLive }) => createConformanceV2Server({ changes, tasks, era, isLive }), {
    ...options,
    legacyTransportOptions: () => ({ eventStore: new MemoryEventStore() as never, retryInterval: 500 }),
  });
  changes.notifyModern = (kind) => (kind === 'tools' ? endpoint.modern.notify.toolsChanged() : endpoint.modern.notify.promptsChanged());
  return endpoint;
}

/** Serves the fixture over stdio; the connection's first message picks the era. */
export function startConformanceV2Stdio(): void {
  const changes = new ListChanges();
  const tasks = new FixtureTaskStore();
  serveStdio(({ era }) => createConformanceV2Server({ changes, tasks, era, isLive: true }));
}

if (import.meta.main) {
  runBackendMain(conformanceV2ServerInfo.name, async () => {
    const options = parseBackendOptions();
    if (options.transport === 'stdio') {
      startConformanceV2Stdio();
      return undefined;
    }
    const running = await startConformanceV2Http(options);
    announceListening(running.url);
    return running;
  });
}
