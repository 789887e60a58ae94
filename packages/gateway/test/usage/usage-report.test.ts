// The usage aggregate in each store's SQL against records the sink wrote:
// which records count as calls, what each is charged, and that the SQL and
// the pure charge rule (call-cost.ts) agree, record by record, also on
// records PostgreSQL's jsonb cannot parse.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildAuditRecord, type AuditFacts, type AuditRecord } from '../../src/audit/record.ts';
import { chargedMicroOf, costFactsOfRecord } from '../../src/usage/call-cost.ts';
import { buildUsageReport, readUsageRows } from '../../src/usage/usage-report.ts';
import { createTempDirectory, dropSchema, factsFor, openPostgres, openSqlite, postgresSkip, uniqueSchema, type OpenedStore, type TempDirectory } from '../audit/fixtures/audit-fixtures.ts';

const DAY_ONE = Date.UTC(2026, 10, 3, 23, 59, 0);
const charged = (policy: string, cost: number) => ({ policy, decision: 'allow', details: { cost_usd: cost, spent_usd: cost, remaining_usd: 1, run: 'session' } });

/** [what the record is, its facts, whether it is a counted call]. */
const RECORDS: [string, Partial<AuditFacts>, boolean][] = [
  ['a charged call', { policyDecisions: [charged('cost_ceiling', 0.02)] }, true],
  ['a charged call with an output charge', { policyDecisions: [charged('cost_ceiling', 0.02), { policy: 'cost_ceiling', decision: 'allow', details: { output_cost_usd: 0.0035, spent_usd: 0.0235 } }] }, true],
  ['a call charged by two ceilings', { policyDecisions: [charged('per_session', 0.01), charged('per_day', 0.05)] }, true],
  ['a failed call keeps its charge', { status: 'error', policyDecisions: [charged('cost_ceiling', 0.02)] }, true],
  ['a call no cost policy charged', { name: 'echo', policyDecisions: [] }, true],
  ['a charged call on the next day', { startedAt: DAY_ONE + 120_000, policyDecisions: [charged('cost_ceiling', 0.04)] }, true],
  ['a charged call whose arguments jsonb refuses', { arguments: { note: 'nul \u0000 and lone \ud800' }, policyDecisions: [charged('cost_ceiling', 0.02)] }, true],
  ['the write-ahead record of a call', { status: 'attempted', policyDecisions: [charged('cost_ceiling', 0.02)] }, false],
  ['a refused call', { type: 'policy_denial', status: 'denied', policyDecisions: [{ policy: 'cost_ceiling', decision: 'deny', details: { code: 'cost_exhausted', cost_usd: 0.4, spent_usd: 10 } }] }, false],
  ['a resource read', { type: 'resource_read', policyDecisions: [charged('cost_ceiling', 0.02)] }, false],
];

const pgSkip = await postgresSkip();

for (const kind of ['sqlite', 'postgres'] as const) describe(`the usage aggregate in ${kind}`, { skip: kind === 'postgres' ? pgSkip : false }, () => {
  const schema = uniqueSchema('usage_sql');
  let directory: TempDirectory;
  let opened: OpenedStore;
  let records: AuditRecord[];

  before(async () => {
    directory = await createTempDirectory('gatehouse-usage-sql-');
    opened = kind === 'sqlite' ? await openSqlite(directory.path) : await openPostgres(schema);
    records = RECORDS.map(([, overrides], index) => buildAuditRecord(factsFor('tool_invocation', 0, { startedAt: DAY_ONE + index, ...overrides })));
    for (const record of records) await opened.sink.append(record);
  });
  after(async () => {
    await opened?.close();
    await directory?.remove();
    if (kind === 'postgres') await dropSchema(schema);
  });

  const range = { since: new Date(DAY_ONE - 3_600_000), until: new Date(DAY_ONE + 86_400_000) };

  it('counts tool calls only, once each: not write-ahead records, refusals or reads', async () => {
    const rows = await readUsageRows(opened.store, range, false);
    const calls = rows.reduce((sum, row) => sum + row.calls, 0);
    assert.equal(calls, RECORDS.filter(([, , isCall]) => isCall).length);
    assert.equal(rows.reduce((sum, row) => sum + row.failed, 0), 1);
  });

  it('charges each record what the pure rule reads from it; a record jsonb refuses is priced from the config', async () => {
    const counted = records.filter((_, index) => RECORDS[index]![2]);
    const isRefusedByJsonb = (record: AuditRecord) => JSON.stringify(record).includes('\\u0000');
    const expectedMicro = counted.filter((record) => kind === 'sqlite' || !isRefusedByJsonb(record)).reduce((sum, record) => sum + (chargedMicroOf(costFactsOfRecord(record.context.policy_decisions)) ?? 0), 0);
    const expectedUnpriced = counted.filter((record) => chargedMicroOf(costFactsOfRecord(record.context.policy_decisions)) === undefined || (kind === 'postgres' && isRefusedByJsonb(record))).length;
    const rows = await readUsageRows(opened.store, range, false);
    assert.equal(rows.reduce((sum, row) => sum + row.chargedMicro, 0), expectedMicro);
    assert.equal(rows.reduce((sum, row) => sum + row.unpriced, 0), expectedUnpriced);
    // 0.02 + 0.0235 + 0.05 + 0.02 + 0.04, and the refused-by-jsonb call's 0.02 where it is parsed.
    assert.equal(expectedMicro, kind === 'sqlite' ? 173_500 : 153_500);
  });

  it('reports the same figures when the range is read one day at a time, priced calls from the config where unpriced', async () => {
    const config = { policies: [{ name: 'cost_ceiling', type: 'cost_per_session', settings: { max_usd: 10, tool_costs: { get_customer: 0.02, echo: 0.001 } } }], usage: { teams: {} } };
    const days: number[] = [];
    const report = await buildUsageReport(opened.store, config, { by: 'backend', range }, (done, total) => days.push(done, total));
    assert.deepEqual(days, [1, 2, 2, 2]);
    assert.deepEqual(report.lines.map((line) => [line.key, line.calls, line.costUsd]), [['salesforce-mcp', 7, 0.1745]]);
    assert.equal(report.totals.pricedFromConfig, kind === 'sqlite' ? 1 : 2);
  });
});
