// The write side against real stores: SQLite in a temp dir, PostgreSQL in a
// schema of this file's own (skipped when PostgreSQL is absent, unless CI=true).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isAuditError } from '../../src/audit/errors.ts';
import { buildAuditRecord, OPERATION_TYPES } from '../../src/audit/record.ts';
import { verifyStore } from '../../src/audit/verify.ts';
import {
  createTempDirectory, dropSchema, factsFor, openPostgres, openSqlite, postgresSkip, recordsFor, trusted, uniqueSchema, type OpenedStore, type OpenOptions, type TempDirectory,
} from './fixtures/audit-fixtures.ts';

const pgSkip = await postgresSkip();

// `sqlite` is the default durability (FULL: the WAL synced beside the event loop), `sqlite-normal` commits without syncing.
for (const kind of ['sqlite', 'sqlite-normal', 'postgres'] as const) {
  describe(`the ${kind} audit sink`, { skip: kind === 'postgres' ? pgSkip : false }, () => {
    let directory: TempDirectory;
    const schemas = new Map<string, string>();
    let counter = 0;
    const open = async (options: OpenOptions = {}, name = `s${(counter += 1)}`): Promise<OpenedStore> => {
      if (kind === 'sqlite') return openSqlite(join(directory.path, name), options);
      if (kind === 'sqlite-normal') return openSqlite(join(directory.path, name), { ...options, synchronous: 'normal' });
      if (!schemas.has(name)) schemas.set(name, uniqueSchema(`sink_${name}`));
      return openPostgres(schemas.get(name)!, options);
    };
    before(async () => {
      directory = await createTempDirectory();
    });
    after(async () => {
      await directory.remove();
      for (const schema of schemas.values()) await dropSchema(schema);
    });

    it('keeps exactly one record per operation, of every type, with the fields it was given', async () => {
      const opened = await open();
      try {
        const records = OPERATION_TYPES.map((type, index) => buildAuditRecord(factsFor(type, index)));
        await Promise.all(records.map((record) => opened.sink.append(record)));
        for (const record of records) {
          const page = await opened.store.query({ types: [record.operation.type] }, { limit: 10 });
          assert.equal(page.items.length, 1, record.operation.type);
          assert.deepEqual(page.items[0]!.record, record);
        }
      } finally {
        await opened.close();
      }
    });

    it('has each record committed by the time append resolves, readable from another connection', async () => {
      const opened = await open();
      try {
        const [record] = recordsFor(1);
        const receipt = await opened.sink.append(record!);
        const rows = await opened.execute(`SELECT audit_id FROM ${opened.entriesTable} WHERE log_id = ${kind === 'postgres' ? '$1' : '?'}`, [receipt.logId]);
        assert.deepEqual(rows.map((row) => row.audit_id), [record!.audit_id]);
      } finally {
        await opened.close();
      }
    });

    it('numbers each category\'s log from 0 and keeps security events in their own log', async () => {
      const opened = await open({ gatewayId: 'replica-a' });
      try {
        const receipts = await Promise.all([
          ...recordsFor(3).map((record) => opened.sink.append(record)),
          ...recordsFor(2, 'auth_failure').map((record) => opened.sink.append(record)),
        ]);
        assert.deepEqual(receipts.map((receipt) => `${receipt.logId}#${receipt.seq}`), [
          'replica-a/routine#0', 'replica-a/routine#1', 'replica-a/routine#2', 'replica-a/security#0', 'replica-a/security#1',
        ]);
        assert.match(receipts[0]!.hash, /^[0-9a-f]{64}$/);
      } finally {
        await opened.close();
      }
    });

    it('continues the chain after a restart, and the whole log verifies', async () => {
      const first = await open({}, 'restart');
      await Promise.all(recordsFor(20).map((record) => first.sink.append(record)));
      await first.close();
      const second = await open({ key: first.key }, 'restart');
      try {
        const receipt = await second.sink.append(recordsFor(1)[0]!);
        assert.equal(receipt.seq, 20);
        await second.sink.flush();
        await second.sink.checkpoint();
        const report = await verifyStore(second.store, { trustedKeys: trusted(first.key) });
        assert.equal(report.failure, undefined);
        assert.equal(report.logs.find((log) => log.logId === 'gw-test/routine')?.size, 21);
      } finally {
        await second.close();
      }
    });

    it('signs a checkpoint over everything on close', async () => {
      const opened = await open();
      await Promise.all(recordsFor(7).map((record) => opened.sink.append(record)));
      await opened.sink.close();
      try {
        const checkpoints = await opened.store.readCheckpoints('gw-test/routine');
        assert.equal(checkpoints.at(-1)?.treeSize, 7);
      } finally {
        await opened.store.close();
      }
    });

    it('chains after another writer that shares its gateway id instead of forking the log', async () => {
      const first = await open({}, 'shared');
      const second = await open({ key: first.key }, 'shared');
      try {
        await first.sink.append(recordsFor(1)[0]!);
        const receipt = await second.sink.append(recordsFor(1)[0]!);
        assert.equal(receipt.seq, 1);
        await first.sink.append(recordsFor(1)[0]!);
        await first.sink.checkpoint();
        const report = await verifyStore(first.store, { trustedKeys: trusted(first.key) });
        assert.equal(report.failure, undefined);
      } finally {
        await second.close();
        await first.close();
      }
    });

    if (kind === 'postgres') {
      it('refuses only the failed batch when batches overlap, and keeps the log whole', async () => {
        const opened = await open({ batch: { maxBatch: 1, maxInFlight: 2 } }, 'pipeline');
        try {
          // The second routine batch fails once inside its transaction; the batch prepared after it must not land on top.
          await opened.execute(`CREATE SEQUENCE {schema}.fail_once`);
          await opened.execute(`CREATE FUNCTION {schema}.fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.size = 2 AND NEW.category = 'routine' AND nextval('${schemas.get('pipeline')}.fail_once') = 1 THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$`);
          await opened.execute(`CREATE TRIGGER fail_once BEFORE UPDATE ON {schema}.audit_logs FOR EACH ROW EXECUTE FUNCTION {schema}.fail_once()`);
          const records = recordsFor(4);
          const outcomes = await Promise.allSettled(records.map((record) => opened.sink.append(record)));
          assert.deepEqual(outcomes.map((outcome) => outcome.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
          // The batch refused behind the failed one is chained again, possibly after a later one: no gap, no repeat.
          assert.deepEqual(outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.seq] : [])).sort(), [0, 1, 2]);
          await opened.sink.checkpoint();
          const report = await verifyStore(opened.store, { trustedKeys: trusted(opened.key) });
          assert.equal(report.failure, undefined);
        } finally {
          await opened.close();
        }
      });
    }

    // The SQLite sink serializes each record before batching it; PostgreSQL serializes the batch, so one bad record fails it whole there.
    it('keeps a record whose arguments hold a number JSON cannot carry (1e400), with the others of its batch, and the log verifies', async () => {
      const opened = await open();
      try {
        const good = buildAuditRecord(factsFor('tool_invocation', 1));
        const huge = buildAuditRecord(factsFor('tool_invocation', 2, { arguments: JSON.parse('{"amount":1e400,"debt":-1e400}') as Record<string, unknown> }));
        await Promise.all([opened.sink.append(good), opened.sink.append(huge)]);
        await opened.sink.flush();
        const page = await opened.store.query({}, { limit: 10 });
        assert.deepEqual(page.items.map((item) => item.record.audit_id).sort(), [good.audit_id, huge.audit_id].sort());
        const stored = page.items.find((item) => item.record.audit_id === huge.audit_id)!.record;
        assert.deepEqual(stored.operation.arguments, { amount: { $number: 'Infinity' }, debt: { $number: '-Infinity' } });
        assert.equal((await verifyStore(opened.store)).failure, undefined);
      } finally {
        await opened.close();
      }
    });

    it('refuses alone a record the store cannot take, and keeps the good records batched with it', { skip: kind !== 'postgres' }, async () => {
      const opened = await open();
      try {
        // An incompressible identity past PostgreSQL's btree row limit (2704 bytes) fails the COPY of its whole batch (SQLSTATE 54000).
        const records = [1, 2, 3].map((index) => buildAuditRecord(factsFor('tool_invocation', index)));
        const bad = buildAuditRecord(factsFor('tool_invocation', 4, { caller: { identity: `user:${randomBytes(15_000).toString('base64')}` } }));
        const outcomes = await Promise.allSettled([opened.sink.append(records[0]!), opened.sink.append(bad), opened.sink.append(records[1]!), opened.sink.append(records[2]!)]);
        assert.deepEqual(outcomes.map((outcome) => outcome.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
        const refused = outcomes[1] as PromiseRejectedResult;
        assert.ok(isAuditError(refused.reason) && refused.reason.code === 'audit_unavailable' && !refused.reason.isTransient);
        const page = await opened.store.query({}, { limit: 10 });
        assert.deepEqual(page.items.map((item) => item.record.audit_id).sort(), records.map((record) => record.audit_id).sort());
        assert.equal((await verifyStore(opened.store)).failure, undefined);
      } finally {
        await opened.close();
      }
    });

    it('rejects appends after close with audit_closed', async () => {
      const opened = await open();
      await opened.close();
      await assert.rejects(opened.sink.append(recordsFor(1)[0]!), (error) => isAuditError(error) && error.code === 'audit_closed');
    });
  });
}
