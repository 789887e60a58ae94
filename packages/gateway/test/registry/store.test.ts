// Both registry stores against real databases: SQLite in a temp file and
// PostgreSQL at 127.0.0.1:5432 in a schema of this run's own, dropped after
// (skipped when PostgreSQL is absent, unless CI=true). Compare-and-set on
// resourceVersion is proved with two store connections racing.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { applySpecRevision, applyTransition, proposeEntry } from '../../src/registry/entry-commands.ts';
import { isRegistryError, type RegistryErrorCode } from '../../src/registry/errors.ts';
import { PostgresRegistryStore } from '../../src/registry/postgres-store.ts';
import { SqliteRegistryStore } from '../../src/registry/sqlite-store.ts';
import type { RegistryStore } from '../../src/registry/store.ts';
import { buildSnapshot } from '../../src/schema-diff/schema-snapshot.ts';
import { snapshotDigest } from '../../src/registry/definition-snapshot.ts';
import { createTempDirectory, dropSchema, POSTGRES_URL, postgresSkip, type TempDirectory } from '../audit/fixtures/audit-fixtures.ts';
import { entryIn, LATER, NOW, owner, platformAdmin, proposer, reviewer, secondReviewer, specFor } from './fixtures.ts';

const pgSkip = await postgresSkip();

async function codeOf(promise: Promise<unknown>): Promise<RegistryErrorCode> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isRegistryError(error), `expected a RegistryError, got ${String(error)}`);
    return error.code;
  }
  assert.fail('expected the operation to be refused');
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`the ${kind} registry store`, { skip: kind === 'postgres' ? pgSkip : false }, () => {
    let directory: TempDirectory;
    const schema = `registry_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const opened: RegistryStore[] = [];
    let counter = 0;
    /** A fresh database per test; `again` opens a second connection to the last one (another admin, another replica). */
    let current = '';
    const open = async (again = false): Promise<RegistryStore> => {
      if (!again) current = `${schema}_${(counter += 1)}`;
      const store = kind === 'sqlite' ? new SqliteRegistryStore(join(directory.path, `${current}.db`)) : await PostgresRegistryStore.open({ url: POSTGRES_URL, schema: current });
      opened.push(store);
      return store;
    };
    before(async () => {
      directory = await createTempDirectory('gatehouse-registry-');
    });
    after(async () => {
      for (const store of opened) await store.close();
      await directory.remove();
      if (kind === 'postgres') for (let index = 1; index <= counter; index += 1) await dropSchema(`${schema}_${index}`);
    });

    it('keeps a created entry whole, at resourceVersion 1, and refuses a second of the same name', async () => {
      const store = await open();
      const { entry, event } = await proposeEntry(store, specFor(), proposer, NOW, 'new CRM server');
      assert.equal(entry.metadata.resourceVersion, '1');
      assert.deepEqual(await store.get('crm'), entry);
      assert.deepEqual([event.type, event.to, event.by, event.resourceVersion], ['registry_entry_created', 'proposed', 'user:alice', '1']);
      assert.equal(await codeOf(proposeEntry(store, specFor(), owner, NOW, 'again')), 'already_exists');
      assert.equal(await store.get('nothing'), undefined);
    });

    it('lists entries by name, filtered by tenant and by state', async () => {
      const store = await open();
      for (const [name, tenant] of [['zeta', 'sales'], ['alpha', 'sales'], ['mid', 'finance']] as const) {
        await proposeEntry(store, specFor({ name, tenant }), proposer, NOW, 'new');
      }
      await proposeEntry(store, specFor({ name: 'ledger', tenant: 'finance', preApproved: true }), platformAdmin, NOW, 'from gatehouse.yaml');
      assert.deepEqual((await store.list()).map((entry) => entry.spec.name), ['alpha', 'ledger', 'mid', 'zeta']);
      assert.deepEqual((await store.list({ tenant: 'sales' })).map((entry) => entry.spec.name), ['alpha', 'zeta']);
      assert.deepEqual((await store.list({ states: ['active'] })).map((entry) => entry.spec.name), ['ledger']);
      assert.deepEqual((await store.list({ tenant: 'finance', states: ['proposed', 'in_review'] })).map((entry) => entry.spec.name), ['mid']);
    });

    it('moves an entry through review into service, each write a new version with its event', async () => {
      const store = await open();
      await proposeEntry(store, specFor(), proposer, NOW, 'new');
      const submitted = await applyTransition(store, 'crm', { to: 'in_review', reason: 'ready' }, proposer, NOW);
      const approved = await applyTransition(store, 'crm', { to: 'approved', reason: 'vetted', review: { decision: 'approve', checks: [{ name: 'tool-vetting', outcome: 'passed' }] } }, reviewer, LATER, { ifMatch: submitted.entry.metadata.resourceVersion });
      const active = await applyTransition(store, 'crm', { to: 'active', reason: 'launch' }, owner, LATER);
      assert.deepEqual([submitted.event.resourceVersion, approved.event.resourceVersion, active.event.resourceVersion], ['2', '3', '4']);
      assert.deepEqual(approved.event.review, { id: 'crm/1/1', decision: 'approve' });
      const stored = await store.get('crm');
      assert.deepEqual(stored, active.entry);
      assert.equal(stored?.status.reviews[0]?.checks[0]?.name, 'tool-vetting');
    });

    it('refuses a write with a stale If-Match as conflict and keeps the entry as it was', async () => {
      const store = await open();
      await proposeEntry(store, specFor(), proposer, NOW, 'new');
      await applyTransition(store, 'crm', { to: 'in_review', reason: 'ready' }, proposer, NOW, { ifMatch: '1' });
      assert.equal(await codeOf(applySpecRevision(store, 'crm', { ...specFor(), description: 'edited from an old page' }, owner, NOW, 'edit', { ifMatch: '1' })), 'conflict');
      assert.equal(await codeOf(applyTransition(store, 'crm', { to: 'proposed', reason: 'x', review: { decision: 'request_changes' } }, reviewer, NOW, { ifMatch: 'not-a-version' })), 'conflict');
      const stored = await store.get('crm');
      assert.deepEqual([stored?.metadata.resourceVersion, stored?.spec.description, stored?.status.state], ['2', 'Customer records for the sales agents', 'in_review']);
    });

    it('refuses a compare-and-set against an old version or a missing entry', async () => {
      const store = await open();
      const { entry } = await proposeEntry(store, specFor(), proposer, NOW, 'new');
      const moved = await store.replace({ ...entry, status: { ...entry.status, state: 'in_review' } }, '1');
      assert.equal(moved.metadata.resourceVersion, '2');
      assert.equal(await codeOf(store.replace(entry, '1')), 'conflict');
      assert.equal(await codeOf(store.replace(entryIn('active', { spec: { name: 'ghost' } }), '1')), 'not_found');
      assert.equal(await codeOf(applyTransition(store, 'ghost', { to: 'active', reason: 'x' }, owner, NOW)), 'not_found');
    });

    it('lets exactly one of two admins writing the same resourceVersion at once win; the other gets conflict', async () => {
      const first = await open();
      const second = await open(true);
      await proposeEntry(first, specFor({ riskTier: 'high' }), proposer, NOW, 'new');
      await applyTransition(first, 'crm', { to: 'in_review', reason: 'ready' }, proposer, NOW);
      const approve = { to: 'in_review' as const, reason: 'vetted', review: { decision: 'approve' as const } };
      for (let round = 0; round < 5; round += 1) {
        const version = (await first.get('crm'))!.metadata.resourceVersion;
        const results = await Promise.allSettled([
          applyTransition(first, 'crm', approve, reviewer, LATER, { ifMatch: version }),
          applyTransition(second, 'crm', approve, secondReviewer, LATER, { ifMatch: version }),
        ]);
        const won = results.filter((result) => result.status === 'fulfilled');
        const lost = results.filter((result) => result.status === 'rejected');
        assert.equal(won.length, 1, `round ${round}: exactly one write wins`);
        assert.ok(isRegistryError(lost[0]?.reason) && lost[0].reason.code === 'conflict', `round ${round}: the other gets conflict, got ${String(lost[0]?.reason)}`);
        const stored = (await second.get('crm'))!;
        assert.equal(stored.metadata.resourceVersion, String(Number(version) + 1));
        assert.equal(stored.status.reviews.length, 1, 'the losing review was not written over the winner');
        // Back to a clean round for the next race.
        await first.replace({ ...stored, status: { ...stored.status, reviews: [] } }, stored.metadata.resourceVersion);
      }
    });

    it('keeps schema snapshots per backend, numbered from 1 in order, each with its verdict and canonical snapshot', async () => {
      const store = await open();
      const snapshot = buildSnapshot({ serverInfo: { name: 'crm', version: '1.0.0' }, tools: [{ name: 'lookup', inputSchema: { type: 'object', required: ['b', 'a'] } }] });
      const record = { backend: 'crm', kind: 'approved' as const, reviewRound: 1, state: 'active' as const, serverVersion: '1.0.0', digest: snapshotDigest(snapshot), takenAt: NOW.toISOString(), snapshot };
      assert.equal((await store.addSnapshot(record)).sequence, 1);
      assert.equal((await store.addSnapshot({ ...record, backend: 'wiki' })).sequence, 1, 'numbered per backend');
      const verdict = { kind: 'additive' as const, baseSequence: 1, breaking: 0, changes: [], version: { before: '1.0.0', after: '1.1.0', isMajorBump: false, reason: 'minor' }, breakingTools: [] };
      assert.equal((await store.addSnapshot({ ...record, kind: 'changed', serverVersion: '1.1.0', verdict })).sequence, 2);
      const listed = await store.listSnapshots('crm');
      assert.deepEqual(listed.map((each) => [each.backend, each.sequence, each.kind, each.serverVersion]), [['crm', 1, 'approved', '1.0.0'], ['crm', 2, 'changed', '1.1.0']]);
      assert.deepEqual(listed[0]!.snapshot, snapshot);
      assert.deepEqual(listed[1]!.verdict, verdict);
      assert.deepEqual(await store.listSnapshots('none'), []);
    });

    it('migrates once: a reopened store keeps its entries and records schema versions 1 and 2', async () => {
      const store = await open();
      await proposeEntry(store, specFor(), proposer, NOW, 'new');
      const reopened = await open(true);
      assert.equal((await reopened.get('crm'))?.spec.name, 'crm');
      assert.deepEqual(await schemaVersions(kind, directory, current), [1, 2]);
    });

    it('refuses a database whose registry schema is newer than this gatehouse knows', async () => {
      await open();
      await recordVersion(kind, directory, current, 99);
      await assert.rejects(open(true), (error: unknown) => isRegistryError(error) && error.code === 'registry_store_invalid' && /version 99/.test(error.message));
    });
  });
}

async function schemaVersions(kind: 'sqlite' | 'postgres', directory: TempDirectory, name: string): Promise<number[]> {
  if (kind === 'sqlite') {
    const db = new DatabaseSync(join(directory.path, `${name}.db`));
    try {
      return db.prepare('SELECT version FROM registry_schema_versions ORDER BY version').all().map((row) => Number(row.version));
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query(`SELECT version FROM "${name}".registry_schema_versions ORDER BY version`)).rows.map((row) => Number(row.version));
  } finally {
    await client.end();
  }
}

async function recordVersion(kind: 'sqlite' | 'postgres', directory: TempDirectory, name: string, version: number): Promise<void> {
  if (kind === 'sqlite') {
    const db = new DatabaseSync(join(directory.path, `${name}.db`));
    db.prepare('INSERT INTO registry_schema_versions (version, applied_at) VALUES (?, ?)').run(version, new Date().toISOString());
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`INSERT INTO "${name}".registry_schema_versions (version) VALUES ($1)`, [version]);
  } finally {
    await client.end();
  }
}

describe('opening the PostgreSQL registry store', () => {
  it('reports an unreachable database as registry_unavailable, a transient error naming the URL without its password', async () => {
    await assert.rejects(PostgresRegistryStore.open({ url: 'postgres://gatehouse:secret@127.0.0.1:1/test' }), (error: unknown) =>
      isRegistryError(error) && error.code === 'registry_unavailable' && error.isTransient && error.message.includes('***') && !error.message.includes('secret'));
  });

  it('refuses a schema name that is not a plain SQL identifier', async () => {
    assert.equal(await codeOf(PostgresRegistryStore.open({ url: POSTGRES_URL, schema: 'registry"; DROP TABLE x; --' })), 'registry_store_invalid');
  });
});
