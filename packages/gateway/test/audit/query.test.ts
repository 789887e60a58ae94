// Queries: the pure parts (SQL, periods, times, globs), then the seed's three
// compliance questions and pagination against real SQLite and PostgreSQL.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isAuditError } from '../../src/audit/errors.ts';
import { formatCsv, formatJson, formatTable } from '../../src/audit/query-format.ts';
import { buildQuerySql, decodeCursor, encodeCursor, globToLike, parseTimeBound, periodRange, type AuditQuery } from '../../src/audit/query.ts';
import { buildAuditRecord, type AuditRecord } from '../../src/audit/record.ts';
import {
  createTempDirectory, dropSchema, factsFor, openPostgres, openSqlite, postgresSkip, uniqueSchema, type OpenedStore, type TempDirectory,
} from './fixtures/audit-fixtures.ts';

const pgSkip = await postgresSkip();
const NOW = new Date(Date.UTC(2026, 4, 20, 15, 0, 0));

describe('query building', () => {
  it('names calendar periods in UTC, quarters and ISO weeks included', () => {
    const iso = (period: Parameters<typeof periodRange>[0]) => {
      const range = periodRange(period, NOW);
      return [range.since.toISOString().slice(0, 10), range.until.toISOString().slice(0, 10)];
    };
    assert.deepEqual(iso('today'), ['2026-05-20', '2026-05-21']);
    assert.deepEqual(iso('yesterday'), ['2026-05-19', '2026-05-20']);
    assert.deepEqual(iso('this-week'), ['2026-05-18', '2026-05-25']);
    assert.deepEqual(iso('last-month'), ['2026-04-01', '2026-05-01']);
    assert.deepEqual(iso('this-quarter'), ['2026-04-01', '2026-07-01']);
    assert.deepEqual(iso('last-quarter'), ['2026-01-01', '2026-04-01']);
    assert.deepEqual(periodRange('last-quarter', new Date(Date.UTC(2026, 1, 3))).since.toISOString(), '2025-10-01T00:00:00.000Z');
  });

  it('reads ISO dates as UTC, ages relative to now, and refuses anything else with a code', () => {
    assert.equal(parseTimeBound('2026-05-19', NOW).toISOString(), '2026-05-19T00:00:00.000Z');
    assert.equal(parseTimeBound('2026-05-19T14:32:01', NOW).toISOString(), '2026-05-19T14:32:01.000Z');
    assert.equal(parseTimeBound('2026-05-19T14:32:01+02:00', NOW).toISOString(), '2026-05-19T12:32:01.000Z');
    assert.equal(parseTimeBound('24h', NOW).toISOString(), '2026-05-19T15:00:00.000Z');
    assert.equal(parseTimeBound('today', NOW).toISOString(), '2026-05-20T00:00:00.000Z');
    assert.throws(() => parseTimeBound('last tuesday', NOW), (error) => isAuditError(error) && error.code === 'audit_query_invalid');
  });

  it('turns a glob into a LIKE pattern with LIKE\'s own characters escaped', () => {
    assert.equal(globToLike('crm__get_*'), 'crm\\_\\_get\\_%');
    assert.equal(globToLike('a?c%'), 'a_c\\%');
  });

  it('round-trips a cursor and refuses one it did not make', () => {
    assert.deepEqual(decodeCursor(encodeCursor({ timestampMs: 5, logId: 'gw/routine', seq: 9 })), { timestampMs: 5, logId: 'gw/routine', seq: 9 });
    assert.throws(() => decodeCursor('bogus'), (error) => isAuditError(error) && error.code === 'audit_query_invalid');
  });

  it('binds every filter as a parameter, never as SQL text', () => {
    const query: AuditQuery = { identity: "x' OR 1=1 --", target: 'C-42', tool: 'get_*', since: NOW, types: ['admin_action'] };
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const sql = buildQuerySql(dialect, query, { entries: 'audit_entries', targets: 'audit_targets' }, 10, undefined);
      assert.equal(sql.text.includes('OR 1=1'), false);
      assert.ok(sql.values.includes("x' OR 1=1 --"));
    }
  });

  it('prunes PostgreSQL partitions by day for a time range', () => {
    const sql = buildQuerySql('postgres', { since: new Date(Date.UTC(2026, 0, 1)), until: new Date(Date.UTC(2026, 3, 1)) }, { entries: 'audit_records' }, 10, undefined);
    assert.match(sql.text, /e\.day >= \$\d+::date/);
    assert.ok(sql.values.includes('2026-01-01'));
  });

  it('narrows a query for security-only types to the security category, and no other', () => {
    const security = buildQuerySql('postgres', { types: ['admin_action', 'auth_failure'], target: 'ACCT-7' }, { entries: 'audit_records' }, 10, undefined);
    assert.match(security.text, /e\.category = \$\d+/);
    assert.ok(security.values.includes('security'));
    const mixed = buildQuerySql('postgres', { types: ['admin_action', 'tool_invocation'] }, { entries: 'audit_records' }, 10, undefined);
    assert.doesNotMatch(mixed.text, /e\.category/);
  });
});

describe('query formats', () => {
  const record = buildAuditRecord({ ...factsFor('tool_invocation', 0), auditId: 'audit_x', arguments: { note: 'a, "quoted"\nline' } });

  it('prints JSON as one array of records in the seed\'s key order', () => {
    const parsed = JSON.parse(formatJson([record])) as AuditRecord[];
    assert.deepEqual(parsed, [record]);
    assert.deepEqual(Object.keys(parsed[0]!), ['audit_id', 'timestamp', 'version', 'caller', 'operation', 'result', 'context']);
  });

  it('quotes CSV fields as RFC 4180 says', () => {
    const [header, row] = formatCsv([record]).split('\r\n');
    assert.ok(header!.startsWith('audit_id,timestamp,identity,agent,'));
    assert.ok(row!.includes('"{""note"":""a, \\""quoted\\""\\nline""}"'));
  });

  it('prints a table with one line per record under a header', () => {
    const lines = formatTable([record, record]).split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /^TIME \(UTC\)\s+IDENTITY\s+AGENT\s+TYPE\s+OPERATION/);
    assert.match(lines[1]!, /user:user0@company\.com\s+agent-0\s+tool_invocation\s+salesforce-mcp\/get_customer\s+success/);
  });
});

/**
 * The seed's questions, with records that should and should not match:
 * who accessed C-42 last quarter (Q1 2026), admin actions on ACCT-7, and
 * every denial for claude-support today (2026-05-20).
 */
function complianceRecords(): AuditRecord[] {
  const at = (iso: string) => Date.parse(iso);
  const facts = [
    factsFor('tool_invocation', 0, { startedAt: at('2026-02-10T09:00:00Z'), caller: { identity: 'user:alice@company.com', agent: 'claude-support' }, arguments: { customer_id: 'C-42' } }),
    factsFor('resource_read', 1, { startedAt: at('2026-03-05T09:00:00Z'), caller: { identity: 'user:bob@company.com', agent: 'claude-support' }, name: 'crm://customers/C-42', arguments: undefined }),
    factsFor('tool_invocation', 2, { startedAt: at('2026-02-11T09:00:00Z'), caller: { identity: 'user:carol@company.com', agent: 'claude-support' }, arguments: { customer_id: 'C-43' } }),
    factsFor('tool_invocation', 3, { startedAt: at('2026-04-02T09:00:00Z'), caller: { identity: 'user:dave@company.com', agent: 'claude-support' }, arguments: { customer_id: 'C-42' } }),
    factsFor('tool_invocation', 4, { startedAt: at('2025-12-31T23:59:59Z'), caller: { identity: 'user:erin@company.com', agent: 'claude-support' }, arguments: { customer_id: 'C-42' } }),
    factsFor('admin_action', 5, { startedAt: at('2026-05-01T10:00:00Z'), caller: { identity: 'user:ops@company.com', agent: 'ops-agent' }, server: undefined, name: 'backend.disable', arguments: { account: 'ACCT-7' } }),
    factsFor('admin_action', 6, { startedAt: at('2026-05-02T10:00:00Z'), caller: { identity: 'user:ops@company.com', agent: 'ops-agent' }, server: undefined, name: 'backend.disable', arguments: { account: 'ACCT-8' } }),
    factsFor('tool_invocation', 7, { startedAt: at('2026-05-03T10:00:00Z'), caller: { identity: 'user:ops@company.com', agent: 'ops-agent' }, arguments: { account: 'ACCT-7' } }),
    factsFor('policy_denial', 8, { startedAt: at('2026-05-20T08:00:00Z'), caller: { identity: 'user:alice@company.com', agent: 'claude-support' } }),
    factsFor('policy_denial', 9, { startedAt: at('2026-05-20T09:00:00Z'), caller: { identity: 'user:bob@company.com', agent: 'claude-support' } }),
    factsFor('policy_denial', 10, { startedAt: at('2026-05-19T09:00:00Z'), caller: { identity: 'user:bob@company.com', agent: 'claude-support' } }),
    factsFor('policy_denial', 11, { startedAt: at('2026-05-20T09:30:00Z'), caller: { identity: 'user:bob@company.com', agent: 'other-agent' } }),
    factsFor('tool_invocation', 12, { startedAt: at('2026-05-20T10:00:00Z'), caller: { identity: 'user:bob@company.com', agent: 'claude-support' } }),
  ];
  return facts.map((fact) => buildAuditRecord(fact));
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`queries over ${kind}`, { skip: kind === 'postgres' ? pgSkip : false }, () => {
    let directory: TempDirectory;
    let opened: OpenedStore;
    const schema = uniqueSchema('query');

    before(async () => {
      directory = await createTempDirectory();
      opened = kind === 'sqlite' ? await openSqlite(join(directory.path, 'q')) : await openPostgres(schema);
      for (const record of complianceRecords()) await opened.sink.append(record);
      const start = Date.parse('2026-05-10T00:00:00Z');
      for (let index = 0; index < 25; index += 1) {
        await opened.sink.append(buildAuditRecord(factsFor('tool_invocation', index, { startedAt: start + index * 60_000, caller: { identity: 'user:pager@company.com', agent: 'pager' }, name: index % 2 === 0 ? 'get_invoice' : 'delete_invoice' })));
      }
      // Tenants (docs/tenants.md): the tenant is read from the record itself; an argument named tenant must not count.
      const tenanted = [['alpha', { customer_id: 'T-1' }], ['beta', { tenant: 'alpha' }], ['alpha', { customer_id: 'T-2' }], ['beta', { note: 'nul \u0000 inside' }]] as const;
      for (const [index, [tenant, args]] of tenanted.entries()) {
        await opened.sink.append(buildAuditRecord(factsFor('tool_invocation', index, { startedAt: start + (100 + index) * 60_000, caller: { identity: 'agent:tenanted', agent: 'tenanted', tenant }, arguments: { ...args } })));
      }
      await opened.sink.flush();
    });
    after(async () => {
      await opened.close();
      await directory.remove();
      if (kind === 'postgres') await dropSchema(schema);
    });

    it('filters by the tenant the record ran for, never by an argument of that name', async () => {
      const alpha = await opened.store.query({ agent: 'tenanted', tenant: 'alpha' }, { limit: 100 });
      assert.deepEqual(alpha.items.map((item) => item.record.operation.arguments), [{ customer_id: 'T-2' }, { customer_id: 'T-1' }]);
      const beta = await opened.store.query({ agent: 'tenanted', tenant: 'beta' }, { limit: 100 });
      assert.ok(beta.items.every((item) => item.record.caller.tenant === 'beta'));
      // PostgreSQL cannot read a record holding \u0000 as jsonb: it counts as no tenant, so a tenant filter leaves it out (never shows it to another tenant).
      assert.equal(beta.items.length, kind === 'sqlite' ? 2 : 1);
      const all = await opened.store.query({ agent: 'tenanted' }, { limit: 100 });
      assert.equal(all.items.length, 4);
    });

    const identities = (items: { record: AuditRecord }[]) => items.map((item) => item.record.caller.identity);

    it('answers who accessed customer C-42 last quarter, by argument or by resource URI', async () => {
      const page = await opened.store.query({ target: 'C-42', ...periodRange('last-quarter', NOW) }, { limit: 100 });
      assert.deepEqual(identities(page.items), ['user:bob@company.com', 'user:alice@company.com']);
    });

    it('answers whether any agent took administrative actions on account ACCT-7', async () => {
      const page = await opened.store.query({ types: ['admin_action'], target: 'ACCT-7' }, { limit: 100 });
      assert.deepEqual(page.items.map((item) => [item.record.caller.agent, item.record.operation.name]), [['ops-agent', 'backend.disable']]);
    });

    it('answers every denial for one agent today', async () => {
      const page = await opened.store.query({ agent: 'claude-support', decision: 'deny', ...periodRange('today', NOW) }, { limit: 100 });
      assert.deepEqual(page.items.map((item) => item.record.timestamp), ['2026-05-20T09:00:00.000Z', '2026-05-20T08:00:00.000Z']);
    });

    it('pages newest first without repeating or skipping a record', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      const sizes: number[] = [];
      do {
        const page = await opened.store.query({ agent: 'pager' }, { limit: 10, cursor });
        sizes.push(page.items.length);
        seen.push(...page.items.map((item) => item.record.timestamp));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      assert.deepEqual(sizes, [10, 10, 5]);
      assert.equal(new Set(seen).size, 25);
      assert.deepEqual(seen, [...seen].sort().reverse());
    });

    it('filters tools by glob, on the name alone or with its backend prefix', async () => {
      const byName = await opened.store.query({ agent: 'pager', tool: 'delete_*' }, { limit: 100 });
      assert.equal(byName.items.length, 12);
      const prefixed = await opened.store.query({ agent: 'pager', tool: 'salesforce-mcp__get_*' }, { limit: 100 });
      assert.equal(prefixed.items.length, 13);
      const none = await opened.store.query({ agent: 'pager', tool: 'get?invoice' }, { limit: 100 });
      assert.equal(none.items.length, 13);
    });

    it('filters by identity, session, server, status and time range together', async () => {
      const page = await opened.store.query({
        identity: 'user:bob@company.com', server: 'salesforce-mcp', status: 'denied', since: new Date('2026-05-19T00:00:00Z'), until: new Date('2026-05-20T09:15:00Z'),
      }, { limit: 100 });
      assert.deepEqual(page.items.map((item) => item.record.timestamp), ['2026-05-20T09:00:00.000Z', '2026-05-19T09:00:00.000Z']);
      const session = await opened.store.query({ sessionId: 'sess_1', agent: 'claude-support' }, { limit: 100 });
      assert.ok(session.items.every((item) => item.record.caller.session_id === 'sess_1'));
    });
  });
}

