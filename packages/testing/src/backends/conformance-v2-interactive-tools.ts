// The SDK v2 conformance fixture's interactive tools (conformance-v2-server.ts),
// all written as input_required rounds (SEP-2322): the 2025-11-25 suite's
// sampling and elicitation tools, which the SDK's legacy shim turns into real
// requests for 2025 clients, and the 2026-07-28 input_required scenarios.

import { acceptedContent, inputRequired, type InputRequest, inputResponse, type McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';

import * as fixture from './conformance-catalog.ts';
import { ask, colorAnswer, declaredCapabilities, nameAnswer, noArguments, ownRound, text } from './conformance-v2-rounds.ts';

/** The 2025-11-25 suite's interactive tools, written as input_required rounds; the legacy shim asks 2025 clients directly. */
export function registerLegacyInteractiveTools(server: McpServer): void {
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

/** The 2026-07-28 input_required scenarios (SEP-2322), keys as the suite expects them. */
export function registerInputRequiredTools(server: McpServer): void {
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
