// The conformance suite's tools that ask the client for something during the
// call (sampling/createMessage, elicitation/create), as the suite's
// scenarios describe them. The gateway relays these requests; here they are
// plain SDK v1 server-to-client requests on the call's stream.

import { CreateMessageResultSchema, ElicitResultSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
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
