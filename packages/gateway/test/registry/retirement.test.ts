// Retirement candidates, pure: serving backends and their tools under the
// threshold (a tool never called counts 0), unserving entries left out,
// fewest calls first.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { retirementCandidates } from '../../src/registry/retirement.ts';
import { entryIn } from './fixtures.ts';

describe('retirement candidates', () => {
  const entries = [
    entryIn('active', { spec: { name: 'crm', team: 'sales' } }),
    entryIn('suspended', { spec: { name: 'wiki', owner: 'user:wendy' }, suspendedFrom: 'active' }),
    entryIn('proposed', { spec: { name: 'new' } }),
    entryIn('retired', { spec: { name: 'old' } }),
  ];
  const counts = [
    { backend: 'crm', tool: 'lookup', calls: 7 },
    { backend: 'crm', tool: 'export', calls: 1 },
    { backend: 'crm', tool: 'export', calls: 1 },
  ];
  const toolsOf = (backend: string) => (backend === 'crm' ? ['lookup', 'export', 'purge'] : []);

  it('lists serving backends and tools with fewer calls than the threshold, with owners, fewest first', () => {
    const found = retirementCandidates(entries, counts, toolsOf, 3);
    assert.deepEqual(found.backends, [{ name: 'wiki', owner: 'user:wendy', team: null, tenant: 'sales', state: 'suspended', calls: 0 }]);
    assert.deepEqual(found.tools.map((tool) => [tool.backend, tool.tool, tool.calls, tool.owner]), [['crm', 'purge', 0, 'group:crm'], ['crm', 'export', 2, 'group:crm']]);
  });

  it('takes the backend in once its total is under the threshold, and nothing under 0', () => {
    assert.deepEqual(retirementCandidates(entries, counts, toolsOf, 10).backends.map((backend) => [backend.name, backend.calls]), [['wiki', 0], ['crm', 9]]);
    assert.deepEqual(retirementCandidates(entries, counts, toolsOf, 0), { backends: [], tools: [] });
  });
});
