// The entry spec's validation: defaults filled in, every bad field named by
// its path, and the ETag / If-Match pair.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { etagOf, resourceVersionOfIfMatch, validateSpec } from '../../src/registry/entry.ts';
import { isRegistryError } from '../../src/registry/errors.ts';
import { proposedEntry } from './fixtures.ts';

function problemsOf(input: unknown): Record<string, string> {
  try {
    validateSpec(input);
  } catch (error) {
    assert.ok(isRegistryError(error) && error.code === 'invalid_spec');
    return Object.fromEntries(error.problems.map((problem) => [problem.path, problem.message]));
  }
  assert.fail('expected the spec to be refused');
}

const minimal = { name: 'crm', description: 'Customer records', owner: 'group:crm', riskTier: 'low', dataClassification: 'internal' };

describe('the entry spec', () => {
  it('fills in the defaults: tenant default, no scopes, no links, not pre-approved', () => {
    assert.deepEqual(validateSpec(minimal), { ...minimal, tenant: 'default', scopes: [], links: {}, preApproved: false });
  });

  it('names every bad field by its path, with what was expected', () => {
    const problems = problemsOf({
      ...minimal,
      name: 'crm_v2',
      owner: 'alice',
      riskTier: 'extreme',
      scopes: ['crm.read', 'crm write'],
      links: { repo: 'ftp://git.example.com/crm' },
      colour: 'blue',
    });
    assert.deepEqual(Object.keys(problems).sort(), ['spec.colour', 'spec.links.repo', 'spec.name', 'spec.owner', 'spec.riskTier', 'spec.scopes[1]']);
    assert.match(problems['spec.riskTier']!, /expected one of low, medium, high, critical/);
    assert.match(problems['spec.scopes[1]']!, /RFC 6749/);
    assert.match(problems['spec.owner']!, /user:alice, group:payments or team:crm/);
  });

  it('says which required fields are missing', () => {
    assert.deepEqual(Object.keys(problemsOf({ name: 'crm' })).sort(), ['spec.dataClassification', 'spec.description', 'spec.owner', 'spec.riskTier']);
  });

  it('refuses a spec that is not a mapping', () => {
    assert.deepEqual(Object.keys(problemsOf('crm')), ['spec']);
  });

  it('gives an entry a strong ETag that If-Match names back, with or without quotes', () => {
    const entry = { ...proposedEntry(), metadata: { ...proposedEntry().metadata, resourceVersion: '7' } };
    assert.equal(etagOf(entry), '"7"');
    assert.equal(resourceVersionOfIfMatch(etagOf(entry)), '7');
    assert.equal(resourceVersionOfIfMatch('W/"7"'), '7');
    assert.equal(resourceVersionOfIfMatch('*'), undefined);
    assert.equal(resourceVersionOfIfMatch(undefined), undefined);
  });
});
