// The fail-open spool (spool.ts): durable lines, bounded, replayed in the
// order written, resumed after an interrupted replay without resending what
// the store already took.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isAuditError } from '../../src/audit/errors.ts';
import { buildAuditRecord, type AuditRecord } from '../../src/audit/record.ts';
import { AuditSpool } from '../../src/audit/spool.ts';
import { createTempDirectory, factsFor, type TempDirectory } from './fixtures/audit-fixtures.ts';

const records = (count: number, from = 0): AuditRecord[] => Array.from({ length: count }, (_, index) => buildAuditRecord(factsFor('tool_invocation', from + index)));

describe('the audit spool', () => {
  let directory: TempDirectory;
  before(async () => {
    directory = await createTempDirectory();
  });
  after(() => directory.remove());

  it('replays what it holds in the order written, then holds nothing', async () => {
    const spool = await AuditSpool.open(join(directory.path, 'a.jsonl'), 1_000_000);
    const written = records(700);
    await Promise.all(written.map((record) => spool.write(record)));
    assert.equal(spool.waiting, 700);
    const replayed: string[] = [];
    assert.equal(await spool.replay(async (record) => replayed.push(record.audit_id)), 700);
    assert.deepEqual(replayed, written.map((record) => record.audit_id));
    assert.equal(spool.waiting, 0);
    assert.equal(await spool.replay(async () => assert.fail('nothing is left')), 0);
    await spool.close();
  });

  it('refuses a record past spool_max_bytes rather than grow without bound', async () => {
    const spool = await AuditSpool.open(join(directory.path, 'b.jsonl'), 2_000);
    const outcomes = await Promise.allSettled(records(10).map((record) => spool.write(record)));
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    assert.ok(refused.length > 0 && refused.length < 10);
    assert.ok(isAuditError((refused[0] as PromiseRejectedResult).reason));
    assert.match(((refused[0] as PromiseRejectedResult).reason as Error).message, /spool_max_bytes/);
    await spool.close();
  });

  it('resumes an interrupted replay after the last round the store took, also after a restart', async () => {
    const path = join(directory.path, 'c.jsonl');
    const first = await AuditSpool.open(path, 10_000_000);
    const written = records(1_200);
    await Promise.all(written.map((record) => first.write(record)));
    const taken: string[] = [];
    // The store fails in the third round (records 1000 onwards).
    await assert.rejects(first.replay(async (record) => {
      if (taken.length >= 1_000) throw new Error('store down');
      taken.push(record.audit_id);
    }));
    await first.close();
    const reopened = await AuditSpool.open(path, 10_000_000);
    assert.equal(reopened.waiting, 200);
    const rest: string[] = [];
    await reopened.replay(async (record) => rest.push(record.audit_id));
    assert.deepEqual([...taken, ...rest], written.map((record) => record.audit_id));
    await reopened.close();
  });
});
