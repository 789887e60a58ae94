// The routing gate and the registry config keys, table-driven: what entry a
// backend is enrolled with, what the gate routes per lifecycle state, that a
// change of its answer is heard, and field-precise errors for the section.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.ts';
import { isConfigError } from '../../src/config/errors.ts';
import { SqliteRegistryStore } from '../../src/registry/sqlite-store.ts';
import { RoutingGate, seedSpec } from '../../src/registry/routing-gate.ts';
import { applyTransition } from '../../src/registry/entry-commands.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { httpBackend } from '../fixtures/gateway-config.ts';

const admin = { principal: 'agent:admin', roles: ['reviewer', 'platform_admin'] as const };

describe('seedSpec', () => {
  const cases = [
    { label: 'a config backend without keys is pre-approved', origin: 'config', registry: undefined, preApproved: true, owner: 'team:unassigned' },
    { label: 'a config backend marked proposed is not', origin: 'config', registry: { lifecycle: 'proposed' }, preApproved: false, owner: 'team:unassigned' },
    { label: 'a discovered backend is never pre-approved, whatever it declares', origin: 'discovery:directory', registry: { lifecycle: 'pre_approved', owner: 'user:alice' }, preApproved: false, owner: 'user:alice' },
  ] as const;
  for (const { label, origin, registry, preApproved, owner } of cases) {
    it(label, () => {
      const spec = seedSpec(httpBackend('crm', 'http://127.0.0.1:1/mcp', registry === undefined ? {} : { registry }), origin);
      assert.equal(spec.preApproved, preApproved);
      assert.equal(spec.owner, owner);
    });
  }
});

describe('the routing gate', () => {
  it('routes active and deprecated entries only, tells listeners when that changes, and routes everything when not enforced', async () => {
    const store = new SqliteRegistryStore(':memory:');
    const gate = new RoutingGate({ store, enforce: true, logger: silentLogger });
    await gate.enrol([httpBackend('kept', 'http://127.0.0.1:1/mcp'), httpBackend('held', 'http://127.0.0.1:1/mcp', { registry: { lifecycle: 'proposed' } })], 'config');
    assert.equal(gate.allows('kept'), true);
    assert.equal(gate.allows('held'), false);
    assert.equal(gate.allows('unknown'), false);
    const heard: string[][] = [];
    gate.onChange((names) => {
      heard.push([...names]);
    });
    const { entry } = await applyTransition(store, 'kept', { to: 'suspended', reason: 'incident' }, admin, new Date());
    await gate.observe(entry);
    assert.equal(gate.allows('kept'), false);
    assert.deepEqual(heard, [['kept']]);
    const lifted = await applyTransition(store, 'kept', { to: 'active', reason: 'fixed' }, admin, new Date());
    await gate.observe(lifted.entry);
    const deprecated = await applyTransition(store, 'kept', { to: 'deprecated', reason: 'replaced' }, admin, new Date());
    await gate.observe(deprecated.entry);
    assert.equal(gate.allows('kept'), true);
    assert.match(gate.notice('kept')?.header ?? '', /^@\d+$/);
    assert.equal(heard.length, 3);
    const open = new RoutingGate({ store, enforce: false, logger: silentLogger });
    await open.refresh();
    assert.equal(open.allows('held'), true);
    await gate.close();
  });
});

describe('the routing gate across writers', () => {
  it('follows a transition another writer made once it refreshes, and a stale read never undoes its own newer write', async () => {
    const store = new SqliteRegistryStore(':memory:');
    const here = new RoutingGate({ store, enforce: true, logger: silentLogger });
    await here.enrol([httpBackend('crm', 'http://127.0.0.1:1/mcp')], 'config');
    // Another replica suspends it: this gate sees it on its next refresh.
    await applyTransition(store, 'crm', { to: 'suspended', reason: 'incident' }, admin, new Date());
    const staleList = await store.list();
    assert.equal(here.allows('crm'), true);
    await here.refresh();
    assert.equal(here.allows('crm'), false);
    // This gate lifts it, while a read from before both writes is still in flight.
    const lifted = await applyTransition(store, 'crm', { to: 'active', reason: 'fixed' }, admin, new Date());
    await here.observe(lifted.entry);
    const slow = new RoutingGate({ store: { ...store, kind: 'sqlite', location: 'slow', list: async () => staleList, close: async () => {} } as typeof store, enforce: true, logger: silentLogger });
    await slow.observe(lifted.entry);
    await slow.refresh();
    assert.equal(slow.allows('crm'), true);
    await here.close();
  });
});

describe('the registry config keys', () => {
  const refusals = [
    ['registry:\n  store: mysql://x\n', 'registry.store: expected "sqlite" or a postgres:// URL'],
    ['registry:\n  enforce: yes\n', 'registry.enforce: expected true or false'],
    ['registry:\n  review_tiers: { high: 0 }\n', 'registry.review_tiers.high: expected a whole number from 1 to 10'],
    ['registry:\n  review_tiers: { huge: 2 }\n', 'registry.review_tiers.huge: unknown key'],
    ['backends:\n  - name: a\n    url: http://x/mcp\n    lifecycle: approved\n', 'backends[0].lifecycle: expected "pre_approved"'],
    ['backends:\n  - name: a\n    url: http://x/mcp\n    owner: alice\n', 'backends[0].owner: expected an owner such as user:alice'],
  ] as const;
  for (const [yaml, expected] of refusals) {
    it(`refuses ${JSON.stringify(yaml.trim().split('\n').at(-1)!.trim())} naming the key`, () => {
      try {
        parseConfig(yaml, 'gatehouse.yaml', {});
        assert.fail('accepted');
      } catch (error) {
        assert.ok(isConfigError(error), String(error));
        assert.ok(error.message.includes(expected), error.message);
      }
    });
  }

  it('reads a registry section and a backend\'s registry keys, and leaves both out when absent', () => {
    const { config } = parseConfig('registry:\n  store: postgres://db/gatehouse\n  review_tiers: { critical: 3 }\nbackends:\n  - name: a\n    url: http://x/mcp\n    lifecycle: proposed\n    risk_tier: high\n', 'gatehouse.yaml', {});
    assert.deepEqual(config.registry, { store: { kind: 'postgres', url: 'postgres://db/gatehouse' }, enforce: true, requiredReviewers: { critical: 3 } });
    assert.deepEqual(config.backends[0]!.registry, { lifecycle: 'proposed', riskTier: 'high' });
    const plain = parseConfig('backends:\n  - name: a\n    url: http://x/mcp\n', 'gatehouse.yaml', {}).config;
    assert.equal(plain.registry, undefined);
    assert.equal(plain.backends[0]!.registry, undefined);
  });
});
