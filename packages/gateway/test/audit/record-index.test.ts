import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildAuditRecord } from '../../src/audit/record.ts';
import { indexColumns } from '../../src/audit/record-index.ts';

describe('indexColumns', () => {
  it('gives each record the milliseconds of its own timestamp, however records and timestamps alternate', () => {
    const times = [1_779_148_800_000, 1_779_148_800_000, 1_779_148_800_001, 0, 1_779_148_800_000];
    for (const startedAt of [...times, ...times.toReversed()]) {
      const record = buildAuditRecord({ type: 'list', startedAt, durationMs: 0, gatewayId: 'gw', status: 'success', auditId: 'a' });
      assert.equal(indexColumns(record).timestampMs, startedAt);
      // The same text as another string object, and one Date.parse cannot read.
      assert.equal(indexColumns({ ...record, timestamp: `${record.timestamp.slice(0, 10)}${record.timestamp.slice(10)}` }).timestampMs, startedAt);
      assert.ok(Number.isNaN(indexColumns({ ...record, timestamp: 'not a time' }).timestampMs));
    }
  });
});
