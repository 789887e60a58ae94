// The conformance suite's tools that ask the client for something during the
// call (sampling/createMessage, elicitation/create), as the suite's
// scenarios describe them. The gateway relays these requests; here they are
// plain SDK v1 server-to-client requests on the call's stream.

import {
  CreateMessageResultSchema,
  ElicitResultSchema,
  ListRootsResultSchema,
  type CallToolResult,
  type ClientCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';

import * as fixture from './conformance-catalog.ts';
import type { ConformanceTool, ToolExtra } from './conformance-tools.ts';

const noArguments: Tool['inputSchema'] = { type: 'object', properties: {} };

function oneStringArgument(name: string, description: string): Tool['inputSchema'] {
  return { type: 'object', properties: { [name]: { type: 'string', description } }, required: [name] };
}

function text(value: string): CallToolResult {
  return { content: [{ type: 'text', text: value }] };
}

/** Sends a form elicitation and reports its outcome as `<label>: action=..., content=...`. */
async function elicit(
  extra: ToolExtra,
  message: string,
  requestedSchema: Record<string, unknown>,
  label = 'Elicitation completed',
): Promise<CallToolResult> {
  const result = await extra.sendRequest({ method: 'elicitation/create', params: { message, requestedSchema } as never }, ElicitResultSchema);
  return text(`${label}: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`);
}

async function askName(extra: ToolExtra, params: { message: string; requestedSchema: unknown } = fixture.nameElicitation) {
  return extra.sendRequest({ method: 'elicitation/create', params: structuredClone(params) as never }, ElicitResultSchema);
}

async function sample(extra: ToolExtra, params: unknown): Promise<string> {
  const result = await extra.sendRequest({ method: 'sampling/createMessage', params: structuredClone(params) as never }, CreateMessageResultSchema);
  return fixture.samplingText(result.content);
}

async function listRoots(extra: ToolExtra): Promise<string[]> {
  const result = await extra.sendRequest({ method: 'roots/list' }, ListRootsResultSchema);
  return result.roots.map((root) => root.uri);
}

/**
 * The 2026-07-28 suite's input_required tools, as a 2025 server writes them:
 * plain requests during the call. A 2026 client meets them only through the
 * gateway, which turns each into an `input_required` round (the bridge).
 */
export function createConformanceInputTools(clientCapabilities: () => ClientCapabilities | undefined): ConformanceTool[] {
  const tool = (name: string, description: string, run: ConformanceTool['run']): ConformanceTool => ({
    definition: { name, description, inputSchema: noArguments },
    run,
  });
  const hello = async (_args: Record<string, unknown>, extra: ToolExtra) => {
    const answer = await askName(extra);
    return text(answer.action === 'accept' ? `Hello, ${String(answer.content?.['name'])}!` : `No name given (${answer.action})`);
  };
  return [
    tool('test_input_required_result_elicitation', 'Asks the user for their name.', hello),
    tool('test_streaming_elicitation', 'Asks the user for their name during the call.', hello),
    tool('test_input_required_result_sampling', "Asks the client's model a question.", async (_args, extra) =>
      text(`The model answered: ${await sample(extra, fixture.capitalSampling)}`),
    ),
    tool('test_input_required_result_list_roots', "Asks for the client's roots.", async (_args, extra) =>
      text(`Client roots: ${(await listRoots(extra)).join(', ') || '(none)'}`),
    ),
    tool('test_input_required_result_request_state', 'Asks for confirmation; the state of the round is the held call itself.', async (_args, extra) => {
      const answer = await askName(extra, fixture.confirmElicitation);
      return text(`state-ok: confirmation ${answer.action}`);
    }),
    tool('test_input_required_result_multiple_inputs', 'Asks for a name, a greeting and the roots at once.', async (_args, extra) => {
      const [name, greeting, roots] = await Promise.all([askName(extra), sample(extra, fixture.greetingSampling), listRoots(extra)]);
      return text(`All inputs received: name=${String(name.content?.['name'])}, greeting=${greeting}, roots=${roots.length}`);
    }),
    tool('test_input_required_result_multi_round', 'Asks for a name, then a colour.', async (_args, extra) => {
      const name = await askName(extra, fixture.stepOneElicitation);
      const color = await askName(extra, fixture.colorElicitation);
      return text(`Multi-round flow completed: ${String(name.content?.['name'])} likes ${String(color.content?.['color'])}`);
    }),
    tool('test_input_required_result_tampered_state', 'Asks for a name; the gateway seals the round.', hello),
    tool('test_input_required_result_capabilities', 'Asks only for what the client declared it supports.', async (_args, extra) => {
      const declared = clientCapabilities() ?? {};
      const asked: Promise<unknown>[] = [];
      if (declared.sampling !== undefined) asked.push(sample(extra, fixture.capitalSampling));
      if (declared.elicitation !== undefined) asked.push(askName(extra));
      if (declared.roots !== undefined) asked.push(listRoots(extra));
      await Promise.all(asked);
      return text(`Asked for ${asked.length} input(s), only what the client declared`);
    }),
    tool('test_missing_capability', 'Asks for sampling whatever the client declared.', async (_args, extra) =>
      text(`Sampling input received: ${await sample(extra, fixture.capitalSampling)}`),
    ),
  ];
}

export function createConformanceInteractiveTools(): ConformanceTool[] {
  return [
    {
      definition: {
        name: 'test_sampling',
        description: 'Asks the client\'s model to answer the prompt (sampling/createMessage).',
        inputSchema: oneStringArgument('prompt', 'The prompt to send to the LLM'),
      },
      async run(args, extra) {
        const result = await extra.sendRequest(
          { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: String(args.prompt) } }], maxTokens: 100 } },
          CreateMessageResultSchema,
        );
        const content = result.content as { type: string; text?: string };
        return text(`LLM response: ${content.type === 'text' ? content.text : JSON.stringify(content)}`);
      },
    },
    {
      definition: {
        name: 'test_elicitation',
        description: 'Asks the user for a username and email (elicitation/create, form mode).',
        inputSchema: oneStringArgument('message', 'The message to show the user'),
      },
      run: (args, extra) =>
        elicit(
          extra,
          String(args.message),
          {
            type: 'object',
            properties: { username: { type: 'string', description: "User's response" }, email: { type: 'string', description: "User's email address" } },
            required: ['username', 'email'],
          },
          'User response',
        ),
    },
    {
      definition: { name: 'test_elicitation_sep1034_defaults', description: 'Elicitation whose schema gives a default for every primitive type (SEP-1034).', inputSchema: noArguments },
      run: (_args, extra) =>
        elicit(extra, 'Please review your profile', {
          type: 'object',
          properties: {
            name: { type: 'string', default: 'John Doe' },
            age: { type: 'integer', default: 30 },
            score: { type: 'number', default: 95.5 },
            status: { type: 'string', enum: ['active', 'inactive', 'pending'], default: 'active' },
            verified: { type: 'boolean', default: true },
          },
        }),
    },
    {
      definition: { name: 'test_elicitation_sep1330_enums', description: 'Elicitation with all five enum schema forms (SEP-1330).', inputSchema: noArguments },
      run: (_args, extra) =>
        elicit(extra, 'Please choose your options', {
          type: 'object',
          properties: {
            untitledSingle: { type: 'string', enum: ['option1', 'option2', 'option3'] },
            titledSingle: { type: 'string', oneOf: [{ const: 'value1', title: 'First Option' }, { const: 'value2', title: 'Second Option' }, { const: 'value3', title: 'Third Option' }] },
            legacyEnum: { type: 'string', enum: ['opt1', 'opt2', 'opt3'], enumNames: ['Option One', 'Option Two', 'Option Three'] },
            untitledMulti: { type: 'array', items: { type: 'string', enum: ['option1', 'option2', 'option3'] } },
            titledMulti: { type: 'array', items: { anyOf: [{ const: 'value1', title: 'First Choice' }, { const: 'value2', title: 'Second Choice' }, { const: 'value3', title: 'Third Choice' }] } },
          },
        }),
    },
  ];
}
