import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isConfigError } from '../../src/config/errors.ts';
import { DEFAULT_CONFIG_PATH } from '../../src/config/default-config.ts';
import { GATEHOUSE_ROOT, loadConfig } from '../../src/config/load.ts';
import { DEFAULT_SQLITE_PATH, resolveAuditSettings, shouldStoreOutput } from '../../src/audit/settings.ts';

const withAudit = (raw: Record<string, unknown>) => ({ audit: { backend: undefined, retentionDays: undefined, raw } });

describe('audit settings', () => {
  it('defaults to the SQLite file under the checkout\'s .gatehouse, fail-open, with seven years for security events', () => {
    const settings = resolveAuditSettings(undefined);
    assert.equal(settings.store, 'sqlite');
    assert.equal(settings.sqlitePath, join(GATEHOUSE_ROOT, '.gatehouse', 'audit.db'));
    assert.equal(settings.signingKeyPath, join(GATEHOUSE_ROOT, '.gatehouse', 'audit-signing-key.pem'));
    assert.equal(settings.failMode, 'open');
    assert.deepEqual(settings.retentionDays, { security: 2555, routine: 365 });
    assert.equal(settings.isEnabled, true);
  });

  it('reads the embedded default config (what npm start runs) to the same store', async () => {
    const { config } = await loadConfig(DEFAULT_CONFIG_PATH, {});
    assert.equal(resolveAuditSettings(config, DEFAULT_CONFIG_PATH).sqlitePath, DEFAULT_SQLITE_PATH);
  });

  it('resolves relative paths against the config file\'s directory', () => {
    const settings = resolveAuditSettings(withAudit({ path: 'data/audit.db', trusted_keys: ['keys/auditor.pem'] }), '/etc/gatehouse/gatehouse.yaml');
    assert.equal(settings.sqlitePath, '/etc/gatehouse/data/audit.db');
    assert.equal(settings.signingKeyPath, '/etc/gatehouse/data/audit-signing-key.pem');
    assert.deepEqual(settings.trustedKeyPaths, ['/etc/gatehouse/keys/auditor.pem']);
  });

  it('takes PostgreSQL from postgres_url, and fail-closed from compliance: strict', () => {
    const settings = resolveAuditSettings(withAudit({ postgres_url: 'postgres://audit@db:5432/audit', postgres_schema: 'audit', compliance: 'strict' }));
    assert.equal(settings.store, 'postgres');
    assert.equal(settings.postgresSchema, 'audit');
    assert.equal(settings.failMode, 'closed');
    assert.equal(resolveAuditSettings(withAudit({ compliance: 'strict', fail_mode: 'open' })).failMode, 'open');
  });

  it('reads retention as one number for every category or per category', () => {
    assert.deepEqual(resolveAuditSettings(withAudit({ retention_days: 2555 })).retentionDays, { security: 2555, routine: 2555 });
    assert.deepEqual(resolveAuditSettings(withAudit({ retention_days: { routine: 90 } })).retentionDays, { security: 2555, routine: 90 });
  });

  it('stores outputs for all backends, a list, or a mapping', () => {
    assert.equal(shouldStoreOutput(resolveAuditSettings(withAudit({ store_outputs: true })), 'crm'), true);
    const listed = resolveAuditSettings(withAudit({ store_outputs: ['crm'] }));
    assert.deepEqual([shouldStoreOutput(listed, 'crm'), shouldStoreOutput(listed, 'github'), shouldStoreOutput(listed, undefined)], [true, false, false]);
    assert.equal(shouldStoreOutput(resolveAuditSettings(withAudit({ store_outputs: { crm: false } })), 'crm'), false);
    assert.equal(shouldStoreOutput(resolveAuditSettings(undefined), 'crm'), false);
  });

  it('leaves the group-commit hold to the store unless batch_busy_interval_ms sets it, within 0-1000 ms', () => {
    assert.equal(resolveAuditSettings(undefined).batchBusyIntervalMs, undefined);
    assert.equal(resolveAuditSettings(withAudit({ batch_busy_interval_ms: 0 })).batchBusyIntervalMs, 0);
    assert.equal(resolveAuditSettings(withAudit({ batch_busy_interval_ms: 12 })).batchBusyIntervalMs, 12);
    assert.throws(
      () => resolveAuditSettings(withAudit({ batch_busy_interval_ms: 5000 }), 'gatehouse.yaml'),
      (error) => isConfigError(error) && error.problems.length === 1 && error.problems[0]!.path === 'audit.batch_busy_interval_ms',
    );
  });

  it('reports every bad key at once, with its key path', () => {
    assert.throws(
      () => resolveAuditSettings(withAudit({ store: 'mongo', fail_mode: 'maybe', retention_days: { forever: 1 }, batch_max_records: 0, colour: 'red' }), 'gatehouse.yaml'),
      (error) => {
        if (!isConfigError(error)) return false;
        assert.deepEqual(error.problems.map((problem) => problem.path).sort(), ['audit.batch_max_records', 'audit.colour', 'audit.fail_mode', 'audit.retention_days', 'audit.store']);
        return true;
      },
    );
  });

  it('asks for a URL when the store is postgres without one', () => {
    assert.throws(() => resolveAuditSettings(withAudit({ store: 'postgres' })), (error) => isConfigError(error) && error.problems[0]!.path === 'audit.postgres_url');
  });
});

describe('audit keys in a config file', () => {
  it('accepts every group-commit setting docs/audit.md documents, and passes it on', async () => {
    const { parseConfig } = await import('../../src/config/load.ts');
    const yaml = 'audit:\n  batch_max_records: 500\n  batch_max_delay_ms: 2\n  batch_busy_interval_ms: 5\n  max_pending_records: 1000\n';
    const settings = resolveAuditSettings(parseConfig(yaml, 'gatehouse.yaml', {}).config, '/etc/gatehouse/gatehouse.yaml');
    assert.equal(settings.batchMaxRecords, 500);
    assert.equal(settings.batchMaxDelayMs, 2);
    assert.equal(settings.batchBusyIntervalMs, 5);
    assert.equal(settings.maxPendingRecords, 1000);
  });

  it('names the key and the range for a busy interval out of range', async () => {
    const { parseConfig } = await import('../../src/config/load.ts');
    const config = parseConfig('audit:\n  batch_busy_interval_ms: 5000\n', 'gatehouse.yaml', {}).config;
    assert.throws(() => resolveAuditSettings(config, '/etc/gatehouse/gatehouse.yaml'), (error: unknown) => isConfigError(error) && /audit\.batch_busy_interval_ms/.test((error as Error).message));
  });
});
