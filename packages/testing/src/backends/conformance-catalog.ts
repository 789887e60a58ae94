// What both conformance fixtures (SDK v1 conformance-server.ts, SDK v2
// conformance-v2-server.ts) offer, written once without either SDK: the exact
// texts, media and schemas the official suite's scenarios compare against,
// and the client requests its interactive tools make. Each fixture only
// registers these with its own SDK. The names come from the suite's scenario
// descriptions (`conformance list --server`, 0.1.16 and 0.2.0-alpha.12).

// A 1x1 red PNG and a minimal WAV: the suite checks type, data and mimeType, not the pixels.
export const testImageBase64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
export const testAudioBase64 = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

export const simpleText = 'This is a simple text response for testing.';
export const errorText = 'This tool intentionally returns an error for testing';
export const embeddedResource = {
  uri: 'test://embedded-resource',
  mimeType: 'text/plain',
  text: 'This is an embedded resource content.',
} as const;
export const mixedContentResource = {
  uri: 'test://mixed-content-resource',
  mimeType: 'application/json',
  text: JSON.stringify({ test: 'data', value: 123 }),
} as const;
export const reconnectionText =
  'Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.';
export const loggedMessages = ['Tool execution started', 'Tool processing data', 'Tool execution completed'] as const;

export const staticTextResource = {
  name: 'static-text',
  uri: 'test://static-text',
  metadata: { title: 'Static text resource', description: 'A static text resource for testing.', mimeType: 'text/plain' },
  text: 'This is the content of the static text resource.',
} as const;
export const staticBinaryResource = {
  name: 'static-binary',
  uri: 'test://static-binary',
  metadata: { title: 'Static binary resource', description: 'A static PNG image for testing.', mimeType: 'image/png' },
} as const;
export const watchedResource = {
  name: 'watched-resource',
  uri: 'test://watched-resource',
  metadata: { title: 'Watched resource', description: 'A resource clients may subscribe to.', mimeType: 'text/plain' },
  text: 'Watched resource content',
} as const;
export const templateResource = {
  name: 'template',
  uriTemplate: 'test://template/{id}/data',
  metadata: { title: 'Resource template', description: 'A resource template with parameter substitution.', mimeType: 'application/json' },
  completeId: (typed: string) => ['123', '456', '789'].filter((id) => id.startsWith(typed)),
  text: (id: string) => JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
} as const;

export const promptArgumentCompletions = (typed: string) => ['paris', 'park', 'party'].filter((value) => value.startsWith(typed));
export const simplePromptText = 'This is a simple prompt for testing.';
export const embeddedPromptText = 'Embedded resource content for testing.';

/**
 * json_schema_2020_12_tool's input schema: the SEP-1613 keywords (`$schema`,
 * `$defs`, `additionalProperties`) and the SEP-2106 vocabulary (`$anchor`,
 * `allOf`/`anyOf`, `if`/`then`/`else`), which every hop must pass on untouched.
 */
export const jsonSchema2020Tool = {
  name: 'json_schema_2020_12_tool',
  description: 'Tool with JSON Schema 2020-12 features',
  inputSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    $defs: {
      address: {
        $anchor: 'addressDef',
        type: 'object',
        properties: { street: { type: 'string' }, city: { type: 'string' } },
      },
    },
    properties: {
      name: { type: 'string' },
      address: { $ref: '#/$defs/address' },
      contactMethod: { type: 'string', enum: ['phone', 'email'] },
      phone: { type: 'string' },
      email: { type: 'string' },
    },
    allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
    if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
    then: { required: ['phone'] },
    else: { required: ['email'] },
    additionalProperties: false,
  },
} as const;

// The client requests the interactive tools make (2025: a request during the
// call; 2026: an entry of `inputRequests`, under the key the scenario expects).

export const nameElicitation = {
  message: 'What is your name?',
  requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
} as const;
export const confirmElicitation = {
  message: 'Please confirm',
  requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
} as const;
export const colorElicitation = {
  message: 'Step 2: What is your favorite color?',
  requestedSchema: { type: 'object', properties: { color: { type: 'string' } }, required: ['color'] },
} as const;
export const stepOneElicitation = { ...nameElicitation, message: 'Step 1: What is your name?' } as const;
export const promptContextElicitation = {
  message: 'What context should the prompt use?',
  requestedSchema: { type: 'object', properties: { context: { type: 'string' } }, required: ['context'] },
} as const;
export const capitalSampling = {
  messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }],
  maxTokens: 100,
} as const;
export const greetingSampling = {
  messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }],
  maxTokens: 50,
} as const;

export const userElicitation = (message: string) =>
  ({
    message,
    requestedSchema: {
      type: 'object',
      properties: { username: { type: 'string', description: "User's response" }, email: { type: 'string', description: "User's email address" } },
      required: ['username', 'email'],
    },
  }) as const;
export const defaultsElicitation = {
  message: 'Please review your profile',
  requestedSchema: {
    type: 'object',
    properties: {
      name: { type: 'string', default: 'John Doe' },
      age: { type: 'integer', default: 30 },
      score: { type: 'number', default: 95.5 },
      status: { type: 'string', enum: ['active', 'inactive', 'pending'], default: 'active' },
      verified: { type: 'boolean', default: true },
    },
  },
} as const;
export const enumsElicitation = {
  message: 'Please choose your options',
  requestedSchema: {
    type: 'object',
    properties: {
      untitledSingle: { type: 'string', enum: ['option1', 'option2', 'option3'] },
      titledSingle: {
        type: 'string',
        oneOf: [
          { const: 'value1', title: 'First Option' },
          { const: 'value2', title: 'Second Option' },
          { const: 'value3', title: 'Third Option' },
        ],
      },
      legacyEnum: { type: 'string', enum: ['opt1', 'opt2', 'opt3'], enumNames: ['Option One', 'Option Two', 'Option Three'] },
      untitledMulti: { type: 'array', items: { type: 'string', enum: ['option1', 'option2', 'option3'] } },
      titledMulti: {
        type: 'array',
        items: {
          anyOf: [
            { const: 'value1', title: 'First Choice' },
            { const: 'value2', title: 'Second Choice' },
            { const: 'value3', title: 'Third Choice' },
          ],
        },
      },
    },
  },
} as const;

/** Tools registered by test_trigger_tool_change / prompts by test_trigger_prompt_change get these names plus a count. */
export const triggeredToolPrefix = 'test_triggered_tool_';
export const triggeredPromptPrefix = 'test_triggered_prompt_';

/** The text of the first text block of a sampling answer, or its JSON when it is not text. */
export function samplingText(content: unknown): string {
  const blocks = Array.isArray(content) ? content : [content];
  const text = blocks.find((block): block is { type: 'text'; text: string } => (block as { type?: unknown } | undefined)?.type === 'text');
  return text?.text ?? JSON.stringify(content);
}

/**
 * A tool whose argument is mirrored into an `Mcp-Param-Region` header
 * (SEP-2243 `x-mcp-header`), for the custom-header validation scenario.
 */
export const headerParamTool = {
  name: 'test_header_param',
  description: 'Echoes its region argument; clients send it as the Mcp-Param-Region header too (SEP-2243).',
  inputSchema: {
    type: 'object',
    properties: { region: { type: 'string', description: 'Any region name.', 'x-mcp-header': 'Region' } },
    required: ['region'],
  },
} as const;
