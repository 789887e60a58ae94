// interactive-handlers.ts: a client declares exactly the capabilities it has
// handlers for, so tests can prove an undeclared one is never asked of it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { declaredCapabilities, isUrlElicitation, samplingResult } from '../../src/clients/interactive-handlers.ts';

const answer = () => ({ action: 'decline' as const });

describe('declaredCapabilities', () => {
  const cases = [
    { name: 'declares nothing without handlers', handlers: {}, expected: {} },
    { name: 'declares form elicitation alone', handlers: { elicitForm: answer }, expected: { elicitation: { form: {} } } },
    { name: 'declares URL elicitation without form', handlers: { elicitUrl: answer }, expected: { elicitation: { url: {} } } },
    {
      name: 'declares every capability when every handler is given',
      handlers: { elicitForm: answer, elicitUrl: answer, sampling: () => ({ text: 'x' }), roots: () => [] },
      expected: { elicitation: { form: {}, url: {} }, sampling: {}, roots: { listChanged: true } },
    },
  ];
  for (const { name, handlers, expected } of cases) {
    it(name, () => {
      assert.deepEqual(declaredCapabilities(handlers), expected);
    });
  }
});

describe('samplingResult', () => {
  it('wraps the answer as an assistant text message from the named model', () => {
    assert.deepEqual(samplingResult({ text: 'short', model: 'm' }), {
      role: 'assistant',
      content: { type: 'text', text: 'short' },
      model: 'm',
      stopReason: 'endTurn',
    });
  });

  it('names test-model when the answer names none', () => {
    assert.equal(samplingResult({ text: 'short' }).model, 'test-model');
  });
});

describe('isUrlElicitation', () => {
  it('treats a request without mode as form mode', () => {
    assert.equal(isUrlElicitation({}), false);
    assert.equal(isUrlElicitation({ mode: 'form' }), false);
    assert.equal(isUrlElicitation({ mode: 'url' }), true);
  });
});
