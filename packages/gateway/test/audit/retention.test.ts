// Retention against real stores: routine days go sooner than security days,
// whole days at a time (PostgreSQL: their partitions are dropped), and what
// remains still verifies from its anchor, also after more appends.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { applyRetention, retentionCutoffs } from '../../src/audit/retention.ts';
import { verifyStore } from '../../src/audit/verify.ts';
import {
  createTempDirectory, DAY_MS, dropSchema, openPostgres, openSqlite, postgresSkip, recordsFor, trusted, uniqueSchema, type OpenedStore, type TempDirectory,
} from './fixtures/audit-fixtures.ts';

const pgSkip = await postgresSkip();
const NOW = new Date(Date.UTC(2026, 4, 20, 12));
const DAYS = { security: 7, routine: 3 };

/** Four records a day for the last 12 days, routine and security alternating, oldest first. */
function timeline() {
  const start = NOW.getTime() - 12 * DAY_MS;
  return recordsFor(48, 'tool_invocation', (index) => ({
    startedAt: start + Math.floor(index / 4) * DAY_MS + (index % 4) * 3_600_000,
    type: index % 2 === 0 ? 'tool_invocation' : 'admin_action',
    status: 'success',
  }));
}

describe('retention cutoffs', () => {
  it('keeps today and the configured number of days before it', () => {
    assert.deepEqual(retentionCutoffs(DAYS, NOW), { security: '2026-05-13', routine: '2026-05-17' });
  });
});

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`retention in ${kind}`, { skip: kind === 'postgres' ? pgSkip : false }, () => {
    let directory: TempDirectory;
    const schemas: string[] = [];
    let counter = 0;
    const open = async (): Promise<OpenedStore> => {
      counter += 1;
      if (kind === 'sqlite') return openSqlite(join(directory.path, `r${counter}`));
      const schema = uniqueSchema(`retention${counter}`);
      schemas.push(schema);
      return openPostgres(schema);
    };
    const days = async (opened: OpenedStore, category: string) => {
      const page = await opened.store.query({ category: category as 'routine' }, { limit: 1000 });
      return [...new Set(page.items.map((item) => item.record.timestamp.slice(0, 10)))].sort();
    };

    before(async () => {
      directory = await createTempDirectory();
    });
    after(async () => {
      await directory.remove();
      for (const schema of schemas) await dropSchema(schema);
    });

    it('deletes routine days sooner than security days, whole days at a time', async () => {
      const opened = await open();
      try {
        for (const record of timeline()) await opened.sink.append(record);
        await opened.sink.flush();
        const reports = await applyRetention(opened.store, DAYS, opened.key, NOW);
        assert.deepEqual(reports.map((report) => [report.category, report.beforeDay, report.deletedRecords]), [['security', '2026-05-13', 10], ['routine', '2026-05-17', 18]]);
        assert.deepEqual(await days(opened, 'routine'), ['2026-05-17', '2026-05-18', '2026-05-19']);
        assert.deepEqual(await days(opened, 'security'), ['2026-05-13', '2026-05-14', '2026-05-15', '2026-05-16', '2026-05-17', '2026-05-18', '2026-05-19']);
      } finally {
        await opened.close();
      }
    });

    it('leaves what remains verifiable from the anchor, before and after further appends', async () => {
      const opened = await open();
      try {
        for (const record of timeline()) await opened.sink.append(record);
        await opened.sink.close();
        await applyRetention(opened.store, DAYS, opened.key, NOW);
        const report = await verifyStore(opened.store, { trustedKeys: trusted(opened.key) });
        assert.equal(report.failure, undefined);
        assert.deepEqual(report.logs.map((log) => [log.logId, log.firstSeq, log.recordsChecked]), [['gw-test/routine', 18, 6], ['gw-test/security', 10, 14]]);
      } finally {
        await opened.store.close();
      }
      const reopened = kind === 'sqlite' ? await openSqlite(join(directory.path, `r${counter}`), { key: opened.key }) : await openPostgres(schemas.at(-1)!, { key: opened.key });
      try {
        for (const record of recordsFor(5, 'tool_invocation', () => ({ startedAt: NOW.getTime() }))) await reopened.sink.append(record);
        await reopened.sink.checkpoint();
        const report = await verifyStore(reopened.store, { trustedKeys: trusted(opened.key) });
        assert.equal(report.failure, undefined);
      } finally {
        await reopened.close();
      }
    });

    it('does nothing when no day has expired, and again when run twice', async () => {
      const opened = await open();
      try {
        for (const record of timeline()) await opened.sink.append(record);
        await opened.sink.flush();
        const long = await applyRetention(opened.store, { security: 100, routine: 100 }, opened.key, NOW);
        assert.deepEqual(long.map((report) => report.deletedRecords), [0, 0]);
        await applyRetention(opened.store, DAYS, opened.key, NOW);
        const again = await applyRetention(opened.store, DAYS, opened.key, NOW);
        assert.deepEqual(again.map((report) => report.deletedRecords), [0, 0]);
      } finally {
        await opened.close();
      }
    });

    it('detects an anchor altered after retention', async () => {
      const opened = await open();
      try {
        for (const record of timeline()) await opened.sink.append(record);
        await opened.sink.close();
        await applyRetention(opened.store, DAYS, opened.key, NOW);
        const table = kind === 'sqlite' ? 'audit_logs' : '{schema}.audit_logs';
        const placeholder = kind === 'sqlite' ? '?' : '$1';
        await opened.execute(`UPDATE ${table} SET anchor_hash = ${placeholder} WHERE log_id = 'gw-test/routine'`, [Buffer.alloc(32, 9)]);
        const report = await verifyStore(opened.store, { trustedKeys: trusted(opened.key) });
        assert.equal(report.failure?.code, 'chain_broken');
        assert.equal(report.failure?.seq, 18);
      } finally {
        await opened.store.close();
      }
    });

    if (kind === 'postgres') {
      it('drops the expired category partitions, and a day\'s partition once both are gone', async () => {
        const opened = await open();
        try {
          for (const record of timeline()) await opened.sink.append(record);
          await opened.sink.flush();
          await applyRetention(opened.store, DAYS, opened.key, NOW);
          const rows = await opened.execute(`SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'audit_2026%' ORDER BY tablename`, [schemas.at(-1)]);
          const tables = rows.map((row) => String(row.tablename));
          assert.equal(tables.includes('audit_2026_05_10'), false);
          assert.equal(tables.includes('audit_2026_05_14_routine'), false);
          assert.equal(tables.includes('audit_2026_05_14_security'), true);
          assert.equal(tables.includes('audit_2026_05_18_routine'), true);
        } finally {
          await opened.close();
        }
      });
    }
  });
}
