// The AuditTrail the gateway holds: durable records, fail-closed versus
// fail-open when the store cannot keep a record, and audit turned off.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isAuditError } from '../../src/audit/errors.ts';
import { resolveAuditSettings, type AuditSettings } from '../../src/audit/settings.ts';
import { AuditTrail } from '../../src/audit/trail.ts';
import { verifyStore } from '../../src/audit/verify.ts';
import { createTempDirectory, dropSchema, factsFor, POSTGRES_URL, postgresSkip, uniqueSchema, type TempDirectory } from './fixtures/audit-fixtures.ts';
import { createLogger } from '../../src/telemetry/logger.ts';

const pgSkip = await postgresSkip();

function settingsIn(directory: string, raw: Record<string, unknown> = {}): AuditSettings {
  return resolveAuditSettings({ audit: { backend: undefined, retentionDays: undefined, raw: { path: join(directory, 'audit.db'), retention_interval_hours: 0, ...raw } } });
}

describe('the audit trail', () => {
  let directory: TempDirectory;
  before(async () => {
    directory = await createTempDirectory();
  });
  after(() => directory.remove());

  it('makes a record durable before record() resolves, and counts it', async () => {
    const trail = await AuditTrail.open({ settings: settingsIn(join(directory.path, 'a')), gatewayId: 'gw-a' });
    try {
      const receipt = await trail.record(factsFor('tool_invocation', 1));
      assert.deepEqual([receipt?.logId, receipt?.seq], ['gw-a/routine', 0]);
      const page = await trail.store!.query({ target: 'C-1' }, { limit: 10 });
      assert.equal(page.items.length, 1);
      assert.deepEqual(trail.counts, { recorded: 1, lost: 0, spooled: 0 });
    } finally {
      await trail.close();
    }
    assert.ok(existsSync(join(directory.path, 'a', 'audit-signing-key.pem')), 'the signing key is generated beside the store');
  });

  it('fails the call with audit_unavailable when fail-closed and the record cannot be kept', async () => {
    const trail = await AuditTrail.open({ settings: settingsIn(join(directory.path, 'b'), { fail_mode: 'closed', max_pending_records: 1 }), gatewayId: 'gw-b' });
    try {
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, index) => trail.record(factsFor('tool_invocation', index))));
      const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
      assert.ok(refused.length > 0);
      for (const outcome of refused) {
        const reason = (outcome as PromiseRejectedResult).reason as unknown;
        assert.ok(isAuditError(reason) && reason.code === 'audit_unavailable' && reason.isTransient);
        assert.match((reason as Error).message, /fail-closed/);
      }
      assert.equal(trail.counts.lost, refused.length);
    } finally {
      await trail.close();
    }
  });

  it('answers anyway when fail-open, the backlog full and no spool, counting and logging every record it lost', async () => {
    const lines: string[] = [];
    const { pino } = await import('pino');
    const logger = pino({ level: 'error' }, { write: (line: string) => lines.push(line) });
    const trail = await AuditTrail.open({ settings: settingsIn(join(directory.path, 'c'), { fail_mode: 'open', max_pending_records: 1, spool_max_bytes: 0 }), gatewayId: 'gw-c', logger });
    try {
      const outcomes = await Promise.all(Array.from({ length: 20 }, (_, index) => trail.record(factsFor('tool_invocation', index))));
      const lost = outcomes.filter((receipt) => receipt === undefined).length;
      assert.ok(lost > 0);
      assert.deepEqual(trail.counts, { recorded: 20 - lost, lost, spooled: 0 });
      assert.equal(lines.length, lost);
      assert.match(lines[0]!, /audit record not kept/);
    } finally {
      await trail.close();
    }
  });

  it('spools what a full backlog refuses when fail-open, and replays it into the store, so no record is lost', async () => {
    const trail = await AuditTrail.open({ settings: settingsIn(join(directory.path, 'f'), { fail_mode: 'open', max_pending_records: 1 }), gatewayId: 'gw-f' });
    try {
      const facts = Array.from({ length: 20 }, (_, index) => factsFor('tool_invocation', index));
      await Promise.all(facts.map((fact) => trail.record(fact)));
      assert.ok(trail.counts.spooled > 0);
      assert.equal(trail.counts.lost, 0);
      const deadline = Date.now() + 30_000;
      while (trail.availability.spooled > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      await trail.drainSpool();
      const page = await trail.store!.query({}, { limit: 100 });
      assert.equal(page.items.length, 20);
      assert.equal((await verifyStore(trail.store!)).failure, undefined);
    } finally {
      await trail.close();
    }
  });

  it('records nothing and creates no store when audit is turned off', async () => {
    const trail = await AuditTrail.open({ settings: settingsIn(join(directory.path, 'd'), { enabled: false }), gatewayId: 'gw-d' });
    assert.equal(await trail.record(factsFor('tool_invocation', 0)), undefined);
    assert.equal(trail.isEnabled, false);
    await trail.close();
    assert.equal(existsSync(join(directory.path, 'd')), false);
  });

  it('applies retention on open and leaves the store verifiable', async () => {
    const settings = settingsIn(join(directory.path, 'e'), { retention_days: { routine: 1, security: 1 } });
    const old = Date.now() - 10 * 86_400_000;
    const first = await AuditTrail.open({ settings, gatewayId: 'gw-e' });
    for (let index = 0; index < 5; index += 1) await first.record(factsFor('tool_invocation', index, { startedAt: old + index }));
    await first.record(factsFor('tool_invocation', 9, { startedAt: Date.now() }));
    const reports = await first.applyRetention();
    assert.equal(reports.find((report) => report.category === 'routine')?.deletedRecords, 5);
    await first.close();
    const reopened = await AuditTrail.open({ settings, gatewayId: 'gw-e' });
    try {
      const report = await verifyStore(reopened.store!);
      assert.equal(report.failure, undefined);
    } finally {
      await reopened.close();
    }
  });
});

describe('the audit trail on PostgreSQL', { skip: pgSkip }, () => {
  const schema = uniqueSchema('trail');
  let directory: TempDirectory;
  before(async () => {
    directory = await createTempDirectory();
  });
  after(async () => {
    for (const failMode of ['closed', 'open']) await dropSchema(`${schema}_${failMode}`);
    await directory.remove();
  });

  it('refuses calls fail-closed when the database loses its tables, and keeps answering fail-open with the record spooled', async () => {
    for (const failMode of ['closed', 'open'] as const) {
      const settings = resolveAuditSettings({ audit: { backend: undefined, retentionDays: undefined, raw: { postgres_url: POSTGRES_URL, postgres_schema: `${schema}_${failMode}`, fail_mode: failMode, retention_interval_hours: 0, signing_key: join(directory.path, 'key.pem') } } });
      const trail = await AuditTrail.open({ settings, gatewayId: 'gw-pg', logger: createLogger({ level: 'silent' }) });
      try {
        await trail.record(factsFor('tool_invocation', 0));
        await dropSchema(`${schema}_${failMode}`);
        const outcome = trail.record(factsFor('tool_invocation', 1));
        if (failMode === 'closed') await assert.rejects(outcome, (error) => isAuditError(error) && error.code === 'audit_unavailable');
        else assert.equal(await outcome, undefined);
        assert.deepEqual([trail.counts.lost, trail.counts.spooled], failMode === 'closed' ? [1, 0] : [0, 1]);
      } finally {
        await trail.close();
      }
    }
  });
});
