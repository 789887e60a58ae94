// Drift between the config file and the registry store: the pure comparison
// (every kind, only declared fields, tenants, discovered and ended entries
// left out), and `gatehouse registry diff --config` reading a real config
// file and the store it names, SQLite and PostgreSQL, with its exit codes.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import type { BackendConfig } from '../../src/config/backend-schema.ts';
import { registryDrift } from '../../src/registry/drift.ts';
import { proposeEntry, applyTransition } from '../../src/registry/entry-commands.ts';
import { PostgresRegistryStore } from '../../src/registry/postgres-store.ts';
import { SqliteRegistryStore } from '../../src/registry/sqlite-store.ts';
import type { RegistryStore } from '../../src/registry/store.ts';
import { registerRegistryLifecycleCommands } from '../../src/cli/commands/registry-lifecycle.ts';
import { createTempDirectory, dropSchema, POSTGRES_URL, postgresSkip, type TempDirectory } from '../audit/fixtures/audit-fixtures.ts';
import { entryIn, NOW, platformAdmin, reviewer } from './fixtures.ts';

const pgSkip = await postgresSkip();

function backend(name: string, registry: BackendConfig['registry'] = undefined, enabled = true): BackendConfig {
  return { kind: 'http', name, url: `http://127.0.0.1:9/${name}`, headers: {}, timeoutMs: 1000, auth: { type: 'none' }, requiredScope: undefined, enabled, ...(registry === undefined ? {} : { registry }) };
}

describe('registry drift', () => {
  it('finds nothing when the store holds what the file declares', () => {
    const entry = entryIn('active', { spec: { tenant: 'default' } });
    const report = registryDrift({ configured: [backend('crm', { owner: 'group:crm', riskTier: 'low', scopes: ['crm.read'], links: { repo: 'https://git.example.com/crm-mcp' }, version: '1.4.0' })], entries: [entry] });
    assert.deepEqual(report, { isDrifted: false, items: [] });
  });

  it('names each kind: missing in the store, no longer configured, a differing field, an enabled backend held unrouted', () => {
    const entries = [
      entryIn('active', { spec: { name: 'crm', tenant: 'default', owner: 'group:sales' } }),
      entryIn('in_review', { spec: { name: 'wiki', tenant: 'default' } }),
      entryIn('active', { spec: { name: 'legacy', tenant: 'default' } }),
    ];
    const report = registryDrift({
      configured: [backend('crm', { owner: 'group:crm', scopes: ['crm.write', 'crm.read'], links: { runbook: 'https://wiki.example.com/other' } }), backend('wiki', { lifecycle: 'proposed' }), backend('new')],
      entries,
    });
    assert.equal(report.isDrifted, true);
    assert.deepEqual(report.items.map((item) => [item.backend, item.kind, item.field ?? '', item.configured ?? null, item.stored ?? null]), [
      ['crm', 'field_differs', 'links.runbook', 'https://wiki.example.com/other', 'https://wiki.example.com/crm-mcp'],
      ['crm', 'field_differs', 'owner', 'group:crm', 'group:sales'],
      ['crm', 'field_differs', 'scopes', ['crm.read', 'crm.write'], ['crm.read']],
      ['legacy', 'not_configured', '', null, 'active'],
      ['new', 'missing_in_store', '', null, null],
      ['wiki', 'unrouted', '', 'proposed', 'in_review'],
    ]);
    assert.match(report.items[0]!.message, /PATCH \/admin\/registry\/crm/);
  });

  it('compares only declared fields, and leaves out disabled, discovered, retired and rejected backends where they are expected', () => {
    const report = registryDrift({
      configured: [backend('crm'), backend('off', undefined, false)],
      entries: [
        entryIn('active', { spec: { name: 'crm', tenant: 'default', owner: 'user:someone-else' } }),
        entryIn('suspended', { spec: { name: 'off', tenant: 'default' }, suspendedFrom: 'active' }),
        entryIn('proposed', { spec: { name: 'found', tenant: 'default' } }),
        entryIn('retired', { spec: { name: 'gone', tenant: 'default' } }),
        entryIn('rejected', { spec: { name: 'refused', tenant: 'default' } }),
      ],
      discovered: new Set(['found']),
    });
    assert.deepEqual(report.items, []);
  });

  it('compares the tenant the file gives a backend with the entry\'s', () => {
    const report = registryDrift({ configured: [backend('crm')], entries: [entryIn('active', { spec: { tenant: 'sales' } })], tenantOf: () => 'support' });
    assert.deepEqual(report.items.map((item) => [item.field, item.configured, item.stored]), [['tenant', 'support', 'sales']]);
    assert.deepEqual(registryDrift({ configured: [backend('crm')], entries: [entryIn('active', { spec: { tenant: 'sales' } })] }).items.map((item) => item.stored), ['sales'], 'no tenants section: default');
  });
});

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`gatehouse registry diff --config against a ${kind} store`, { skip: kind === 'postgres' ? pgSkip : false }, () => {
    let directory: TempDirectory;
    let store: RegistryStore;
    const schema = `registry_diff_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    let configPath: string;

    before(async () => {
      directory = await createTempDirectory('gatehouse-registry-diff-');
      const storeLine = kind === 'sqlite' ? 'store: sqlite\n  path: registry.db' : `store: ${POSTGRES_URL}\n  postgres_schema: ${schema}`;
      configPath = join(directory.path, 'gatehouse.yaml');
      await writeFile(configPath, [
        'registry:', `  ${storeLine}`,
        'backends:',
        '  - name: crm', '    url: http://127.0.0.1:9/mcp', '    owner: group:crm', '    risk_tier: high',
        '  - name: wiki', '    url: http://127.0.0.1:9/mcp', '    lifecycle: proposed',
        '',
      ].join('\n'));
      store = kind === 'sqlite' ? new SqliteRegistryStore(join(directory.path, 'registry.db')) : await PostgresRegistryStore.open({ url: POSTGRES_URL, schema });
      await proposeEntry(store, { name: 'crm', description: 'crm', owner: 'group:crm', riskTier: 'high', dataClassification: 'internal', preApproved: true }, platformAdmin, NOW, 'seed');
      await proposeEntry(store, { name: 'wiki', description: 'wiki', owner: 'team:docs', riskTier: 'low', dataClassification: 'internal' }, platformAdmin, NOW, 'seed');
    });
    after(async () => {
      await store?.close();
      if (kind === 'postgres') await dropSchema(schema);
      await directory?.remove();
    });

    async function diff(...args: string[]): Promise<{ out: string[]; err: string[]; exitCode: number }> {
      const result = { out: [] as string[], err: [] as string[], exitCode: 0 };
      const io = { out: (line: string) => result.out.push(line), err: (line: string) => result.err.push(line), fail: (code: number) => { result.exitCode = code; }, env: {} };
      const program = new Command('gatehouse').exitOverride();
      registerRegistryLifecycleCommands(program.command('registry'), io);
      await program.parseAsync(['node', 'gatehouse', 'registry', 'diff', ...args]);
      return result;
    }

    it('prints the drift as a table and exits 1, then 0 once the store catches up', async () => {
      const drifted = await diff('--config', configPath);
      assert.equal(drifted.exitCode, 1, drifted.err.join('\n'));
      assert.match(drifted.out.join('\n'), /^wiki\s+unrouted\s+-\s+proposed\s+proposed$/m);
      const json = await diff('--config', configPath, '--json');
      assert.deepEqual(JSON.parse(json.out.join('\n')).items.map((item: any) => [item.backend, item.kind]), [['wiki', 'unrouted']]);

      // The store moves on: reviewed and activated, wiki is routed and nothing differs.
      await applyTransition(store, 'wiki', { to: 'in_review', reason: 'ready' }, platformAdmin, NOW);
      await applyTransition(store, 'wiki', { to: 'approved', reason: 'fine', review: { decision: 'approve' } }, reviewer, NOW);
      await applyTransition(store, 'wiki', { to: 'active', reason: 'go' }, platformAdmin, NOW);
      const inStep = await diff('--config', configPath);
      assert.deepEqual([inStep.exitCode, inStep.out], [0, ['no drift: the registry store matches the config file']]);
    });

    it('exits 2 when it cannot compare (a config without a registry section)', async () => {
      const bare = join(directory.path, 'bare.yaml');
      await writeFile(bare, 'backends:\n  - name: crm\n    url: http://127.0.0.1:9/mcp\n');
      const result = await diff('--config', bare);
      assert.equal(result.exitCode, 2);
      assert.match(result.err[0]!, /no registry: section/);
    });
  });
}
