// The one path of targeted methods (router/targeted-call.ts), with the
// router's steps replaced by recorders: for every method in the table the
// steps run in the order resolve -> authorize -> policies -> forward, a
// refusal at any step stops the later ones, and policies see the target.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CatalogView, NamedEntry, ToolEntry } from '../../src/catalog/catalog.ts';
import type { Exchange } from '../../src/exchange/exchange.ts';
import { AuthError } from '../../src/identity/auth-error.ts';
import type { Backend } from '../../src/upstream/backend.ts';
import { TARGETED_METHODS, runTargetedCall, type TargetedPipeline } from '../../src/router/targeted-call.ts';
import { makeExchange } from '../policy/fixtures.ts';

const tool: ToolEntry = { backend: 'crm', name: 'get_customer', clientName: 'crm__get_customer', definition: { name: 'crm__get_customer' }, headerParameters: [] };
const prompt: NamedEntry = { backend: 'crm', name: 'draft_reply', clientName: 'crm__draft_reply', definition: { name: 'crm__draft_reply' } };
const view: CatalogView = {
  tools: [], prompts: [], resources: [], resourceTemplates: [],
  toolsByName: new Map([[tool.clientName, tool]]),
  promptsByName: new Map([[prompt.clientName, prompt]]),
  promptsByOriginalName: new Map([[prompt.name, [prompt]]]),
  resourceOwners: new Map([['doc://crm/readme', 'crm']]),
  upstreamUris: new Map(),
  templateMatchers: [{ backend: 'crm', pattern: /^doc:\/\/crm\/customers\/[^/]+$/ }],
  templateOwners: new Map([['doc://crm/customers/{id}', 'crm']]),
  backendNames: ['crm'],
  ttlMs: 60_000,
};

/** Params that resolve, per method (completion twice: a prompt and a resource template). */
const CALLS: Array<[string, Record<string, unknown>, string]> = [
  ['tools/call', { name: 'crm__get_customer', arguments: {} }, 'tool get_customer'],
  ['prompts/get', { name: 'crm__draft_reply' }, 'prompt draft_reply'],
  ['resources/read', { uri: 'doc://crm/customers/C-1' }, 'resource doc://crm/customers/C-1'],
  ['completion/complete', { ref: { type: 'ref/prompt', name: 'crm__draft_reply' }, argument: { name: 'a', value: '' } }, 'prompt draft_reply'],
  ['completion/complete', { ref: { type: 'ref/resource', uri: 'doc://crm/customers/{id}' }, argument: { name: 'id', value: '' } }, 'resource doc://crm/customers/{id}'],
  ['resources/subscribe', { uri: 'doc://crm/readme' }, 'resource doc://crm/readme'],
  ['resources/unsubscribe', { uri: 'doc://crm/readme' }, 'resource doc://crm/readme'],
];

function recordingPipeline(steps: string[], refuse?: 'authorize' | 'policies'): TargetedPipeline {
  const backend = { name: 'crm' } as Backend;
  return {
    context: {} as TargetedPipeline['context'],
    view: () => view,
    backend: () => backend,
    authorize: (exchange, access) => {
      steps.push(`authorize ${access.kind} ${access.name} (target ${exchange.target?.backend}/${exchange.target?.name})`);
      if (refuse === 'authorize') throw new AuthError('insufficient_scope', 'missing crm.read', { requiredScopes: ['crm.read'], missingScopes: ['crm.read'] });
    },
    policed: (exchange, _isToolCall, call) => {
      steps.push(`policies (target ${exchange.target?.backend}/${exchange.target?.name})`);
      if (refuse === 'policies') throw new Error('denied by policy');
      steps.push('forward');
      return { forwarded: true };
    },
  };
}

function exchangeFor(method: string, params: Record<string, unknown>): Exchange {
  const exchange = makeExchange({ method });
  (exchange.message as { params: Record<string, unknown> }).params = params;
  return exchange;
}

describe('runTargetedCall', () => {
  it('has a table entry for every method that names a target', () => {
    assert.deepEqual([...TARGETED_METHODS.keys()].sort(), ['completion/complete', 'prompts/get', 'resources/read', 'resources/subscribe', 'resources/unsubscribe', 'tools/call']);
  });

  for (const [method, params, access] of CALLS) {
    it(`${method} (${access}): resolves, then authorizes, then runs the policies, then forwards`, () => {
      const steps: string[] = [];
      const exchange = exchangeFor(method, params);
      assert.deepEqual(runTargetedCall(recordingPipeline(steps), exchange, TARGETED_METHODS.get(method)!, params), { forwarded: true });
      const target = `${exchange.target!.backend}/${exchange.target!.name}`;
      assert.deepEqual(steps, [`authorize ${access} (target ${target})`, `policies (target ${target})`, 'forward']);
    });

    it(`${method} (${access}): a caller refused by authorization reaches neither the policies nor the backend`, () => {
      const steps: string[] = [];
      assert.throws(() => runTargetedCall(recordingPipeline(steps, 'authorize'), exchangeFor(method, params), TARGETED_METHODS.get(method)!, params), { code: 'insufficient_scope' });
      assert.equal(steps.length, 1);
    });

    it(`${method} (${access}): a policy refusal stops the call before the backend`, () => {
      const steps: string[] = [];
      assert.throws(() => runTargetedCall(recordingPipeline(steps, 'policies'), exchangeFor(method, params), TARGETED_METHODS.get(method)!, params), /denied by policy/);
      assert.ok(!steps.includes('forward'));
    });
  }

  it('refuses an unknown target before any other step', () => {
    const steps: string[] = [];
    assert.throws(() => runTargetedCall(recordingPipeline(steps), exchangeFor('tools/call', { name: 'crm__nope' }), TARGETED_METHODS.get('tools/call')!, { name: 'crm__nope' }), /Unknown tool "crm__nope"/);
    assert.deepEqual(steps, []);
  });
});
