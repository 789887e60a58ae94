// Which tool calls are recorded before they run (write-ahead.ts), and the
// fail modes the shipped default and compliance: strict give them.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveAuditSettings } from '../../src/audit/settings.ts';
import { toolChangesData } from '../../src/audit/write-ahead.ts';
import { isConfigError } from '../../src/config/errors.ts';

const settingsOf = (raw: Record<string, unknown>) => resolveAuditSettings({ audit: { backend: undefined, retentionDays: undefined, raw } });

describe('whether a tool call changes data', () => {
  const readOnly = { name: 'get', annotations: { readOnlyHint: true } };
  const cases: [string, Parameters<typeof toolChangesData>, boolean][] = [
    ['a tool that says nothing changes data (MCP: readOnlyHint defaults to false)', [{}, 'crm', 'update', { name: 'update' }], true],
    ['a tool with readOnlyHint: false changes data', [{}, 'crm', 'update', { name: 'update', annotations: { readOnlyHint: false, destructiveHint: false } }], true],
    ['a tool with readOnlyHint: true does not', [{}, 'crm', 'get', readOnly], false],
    ['a readOnlyHint that is not true (a string) counts as not read-only', [{}, 'crm', 'get', { name: 'get', annotations: { readOnlyHint: 'true' } }], true],
    ['an unknown tool (no definition) changes data', [{}, 'crm', 'gone', undefined], true],
    ['the operator overrules a read-only claim per tool', [{ crm: { get: 'changes_data' } }, 'crm', 'get', readOnly], true],
    ['the operator marks a whole backend read-only', [{ search: 'read_only' }, 'search', 'query', { name: 'query' }], false],
    ['a per-tool entry leaves the backend\'s other tools to their annotations', [{ crm: { get: 'changes_data' } }, 'crm', 'list', readOnly], false],
  ];
  for (const [behaviour, args, expected] of cases) it(behaviour, () => assert.equal(toolChangesData(...args), expected));
});

describe('the fail modes of audit settings', () => {
  it('fails closed for calls that change data in the shipped default, while reads stay fail-open', () => {
    const settings = settingsOf({});
    assert.deepEqual([settings.failMode, settings.failModeForChanges], ['open', 'closed']);
  });

  it('fails closed for everything under compliance: strict', () => {
    const settings = settingsOf({ compliance: 'strict' });
    assert.deepEqual([settings.failMode, settings.failModeForChanges], ['closed', 'closed']);
  });

  it('takes compliance: strict from the top of the config too', () => {
    const settings = resolveAuditSettings({ compliance: 'strict', audit: { backend: undefined, retentionDays: undefined, raw: {} } });
    assert.deepEqual([settings.failMode, settings.failModeForChanges], ['closed', 'closed']);
  });

  it('fails open for changes only when the operator says so', () => {
    assert.equal(settingsOf({ fail_mode_for_changes: 'open' }).failModeForChanges, 'open');
  });

  it('refuses a tool_effects entry that is neither changes_data nor read_only, naming the key', () => {
    assert.throws(() => settingsOf({ tool_effects: { crm: { get: 'maybe' } } }), (error) => isConfigError(error) && /audit\.tool_effects/.test(error.message));
  });
});
