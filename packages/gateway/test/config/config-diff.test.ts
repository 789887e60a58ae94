import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diffBackends, diffConfig, summarizeDiff } from '../../src/config/config-diff.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { GatewayConfig } from '../../src/config/schema.ts';
import { gatewayConfig, httpBackend, stdioBackend } from '../fixtures/gateway-config.ts';

const crm = httpBackend('crm', 'http://crm.internal/mcp');
const docs = stdioBackend('docs', 'node', ['docs.js']);

function parsed(text: string): GatewayConfig {
  return parseConfig(text, 'gatehouse.yaml', {}, { hostname: 'host' }).config;
}

describe('diffBackends', () => {
  const table: Array<[title: string, before: Parameters<typeof diffBackends>[0], after: Parameters<typeof diffBackends>[1], expected: ReturnType<typeof diffBackends>]> = [
    ['finds nothing between equal lists', [crm, docs], [crm, docs], { added: [], removed: [], changed: [] }],
    ['ignores a change of order', [crm, docs], [docs, crm], { added: [], removed: [], changed: [] }],
    ['names an added backend', [crm], [crm, docs], { added: ['docs'], removed: [], changed: [] }],
    ['names a removed backend', [crm, docs], [docs], { added: [], removed: ['crm'], changed: [] }],
    ['names a backend whose url changed', [crm], [{ ...crm, url: 'http://crm2.internal/mcp' }], { added: [], removed: [], changed: ['crm'] }],
    ['names a backend whose headers changed', [crm], [{ ...crm, headers: { 'x-team': 'a' } }], { added: [], removed: [], changed: ['crm'] }],
    ['counts a disabled backend as removed', [crm, docs], [crm, { ...docs, enabled: false }], { added: [], removed: ['docs'], changed: [] }],
    ['counts an enabled one as added', [{ ...docs, enabled: false }], [docs], { added: ['docs'], removed: [], changed: [] }],
    ['treats a changed kind under one name as a change', [crm], [{ ...docs, name: 'crm' }], { added: [], removed: [], changed: ['crm'] }],
  ];
  for (const [title, before, after, expected] of table) {
    it(title, () => assert.deepEqual(diffBackends(before, after), expected));
  }
});

describe('diffConfig', () => {
  it('is empty for the same file read twice', () => {
    const text = 'backends:\n  - name: crm\n    url: http://crm.internal/mcp\npolicies:\n  - name: limit\n    type: rate_limit\n    requests_per_minute: 60\n';
    const diff = diffConfig(parsed(text), parsed(text));
    assert.equal(diff.isEmpty, true);
    assert.equal(summarizeDiff(diff), 'no changes');
  });

  it('notices a changed policy setting', () => {
    const before = parsed('policies:\n  - name: limit\n    type: rate_limit\n    requests_per_minute: 60\n');
    const after = parsed('policies:\n  - name: limit\n    type: rate_limit\n    requests_per_minute: 30\n');
    const diff = diffConfig(before, after);
    assert.equal(diff.isPolicyChanged, true);
    assert.deepEqual(diff.needsRestart, []);
  });

  it('notices a changed discovery section', () => {
    const before = parsed('discovery:\n  directory:\n    path: ./backends.d\n');
    const after = parsed('discovery:\n  directory:\n    path: ./other.d\n');
    assert.equal(diffConfig(before, after).isDiscoveryChanged, true);
  });

  it('applies changed usage teams live, without a restart', () => {
    const before = parsed('usage:\n  teams:\n    a: { agents: [bot] }\n');
    const after = parsed('usage:\n  teams:\n    b: { agents: [bot] }\n');
    const diff = diffConfig(before, after);
    assert.equal(diff.isUsageChanged, true);
    assert.equal(diff.isEmpty, false);
    assert.deepEqual(diff.needsRestart, []);
    assert.equal(summarizeDiff(diff), 'usage teams changed');
  });

  it('reports keys that cannot change live as needing a restart, by their file names', () => {
    const before = parsed('gateway:\n  port: 8080\nsession_ttl_seconds: 60\naudit:\n  store: sqlite\n');
    const after = parsed('gateway:\n  port: 9090\n  name_separator: "-"\nsession_ttl_seconds: 120\naudit:\n  store: postgres\nreload:\n  watch: true\n');
    const diff = diffConfig(before, after);
    assert.deepEqual(diff.needsRestart.sort(), ['audit', 'gateway.name_separator', 'gateway.port', 'reload', 'session_ttl_seconds']);
    assert.equal(diff.isEmpty, false);
    assert.match(summarizeDiff(diff), /needs restart \(ignored until then\): .*gateway\.port/);
  });

  it('applies a new backend but reports its required_scope as needing a restart', () => {
    const before = gatewayConfig([crm]);
    const after = gatewayConfig([crm, { ...docs, requiredScope: 'docs.read' }]);
    const diff = diffConfig(before, after);
    assert.deepEqual(diff.backends.added, ['docs']);
    assert.deepEqual(diff.needsRestart, ['backends[docs].required_scope']);
  });

  it('summarizes backend changes with +, - and ~', () => {
    const diff = diffConfig(gatewayConfig([crm, docs]), gatewayConfig([{ ...crm, timeoutMs: 5 }, httpBackend('wiki', 'http://wiki/mcp')]));
    assert.equal(summarizeDiff(diff), 'backends +wiki -docs ~crm');
  });
});

describe('diffConfig with tenants', () => {
  const base = 'backends:\n  - { name: crm, url: http://crm.internal/mcp }\n  - { name: docs, url: http://docs.internal/mcp }\n';
  const tenants = (grant: string, limit: number) => `tenants:\n  list:\n    - name: sales\n      backends: [crm]\n      shared: [${grant}]\n      policies:\n        - { name: slow, type: rate_limit, requests_per_minute: ${limit} }\n`;

  it('applies a tenant\'s policy change live, as any policy change', () => {
    const diff = diffConfig(parsed(base + tenants('docs', 5)), parsed(base + tenants('docs', 10)));
    assert.equal(diff.isPolicyChanged, true);
    assert.deepEqual(diff.needsRestart, []);
  });

  it('reports a change of what a tenant owns or is granted as needing a restart', () => {
    const diff = diffConfig(parsed(base + tenants('docs', 5)), parsed(base + tenants('', 5)));
    assert.deepEqual(diff.needsRestart, ['tenants']);
  });
});
