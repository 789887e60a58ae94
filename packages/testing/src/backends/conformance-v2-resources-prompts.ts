// The SDK v2 conformance fixture's resources and prompts
// (conformance-v2-server.ts): static text and binary resources, a template
// with completion, 2025 subscriptions, and the suite's prompts including one
// that asks for input (input_required on prompts/get).

import { acceptedContent, completable, inputRequired, type McpServer, ResourceTemplate } from '@modelcontextprotocol/server';
import * as z from 'zod';

import * as fixture from './conformance-catalog.ts';
import { contextAnswer } from './conformance-v2-rounds.ts';

export function registerResources(server: McpServer, era: 'legacy' | 'modern'): void {
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

export function registerPrompts(server: McpServer): void {
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
