// Usage per team over real HTTP: a real gateway with the embedded IdP and
// the audit store (SQLite, then PostgreSQL), two agents in two teams making
// known tool calls with known tool costs through the official SDK clients;
// then `gatehouse usage` as a child process, `GET /admin/usage` and the
// Prometheus counters report what the audit records, read here on their own,
// add up to.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { loadConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { agentToken } from '../../src/cli/commands/token.ts';
import { dropSchema, POSTGRES_URL, postgresSkip, uniqueSchema } from '../audit/fixtures/audit-fixtures.ts';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const DEMO_CRM = fileURLToPath(new URL('../../../demo-crm/src/main.ts', import.meta.url));

/** What each agent calls, and the prices the config gives those tools. */
const PRICES: Record<string, number> = { get_customer: 0.02, echo: 0.005 };
const CALLS = { research: ['get_customer', 'get_customer', 'get_customer', 'echo'], support: ['get_customer', 'echo', 'echo'] } as const;
/** `usage.teams` in the config below. */
const TEAM_OF_AGENT: Record<string, string> = { research: 'analytics', support: 'customer-care' };

interface Figures {
  calls: number;
  cost: number;
}

const pgSkip = await postgresSkip();

for (const store of ['sqlite', 'postgres'] as const) describe(`usage per team, agent, user and backend from the audit store (${store})`, { skip: store === 'postgres' ? pgSkip : false }, () => {
  const schema = uniqueSchema('usage');
  let directory: string;
  let configPath: string;
  let gateway: RunningGateway;
  let period: string;
  const tokens: Record<string, string> = {};

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-usage-'));
    configPath = join(directory, 'gatehouse.yaml');
    const auditStore = store === 'sqlite' ? `store: sqlite\n  path: ${join(directory, 'audit.db')}\n  sqlite_synchronous: normal` : `store: postgres\n  postgres_url: ${POSTGRES_URL}\n  postgres_schema: ${schema}`;
    await writeFile(configPath, `gateway:
  id: usage-test
  port: 0
  admin_port: 0
authentication:
  mode: hybrid
  embedded_idp: { port: 0 }
audit:
  ${auditStore}
  signing_key: ${join(directory, 'signing-key.pem')}
backends:
  - name: crm
    command: ${process.execPath}
    args: ["${DEMO_CRM}", "--stdio"]
policies:
  - name: cost_ceiling
    type: cost_per_session
    max_usd: 10
    tool_costs: { get_customer: ${PRICES.get_customer}, "crm/echo": ${PRICES.echo} }
usage:
  teams:
    analytics: { agents: [research] }
    customer-care: { agents: [support] }
`);
    const { config } = await loadConfig(configPath, process.env);
    gateway = await startGateway(config, { logger: silentLogger, configPath });
    const base = gateway.url.replace(/\/mcp$/, '');
    for (const [agent, secret] of [['research', 'research-dev-secret'], ['support', 'support-dev-secret'], ['admin', 'admin-dev-secret']] as const) {
      tokens[agent] = (await agentToken(base, agent, secret)).token;
    }
    const started = new Date(Date.now() - 60_000);
    const headers = (agent: string) => ({ requestInit: { headers: { authorization: `Bearer ${tokens[agent]}` } } });
    // research: SDK v2 negotiating the 2026-07-28 stateless revision; support: SDK v1 in a 2025-11-25 session.
    const research = new V2Client({ name: 'usage-research', version: '1.0.0' });
    await research.connect(new V2Transport(new URL(gateway.url), headers('research')));
    const support = new V1Client({ name: 'usage-support', version: '1.0.0' });
    await support.connect(new V1Transport(new URL(gateway.url), headers('support')));
    for (const [agent, client] of [['research', research], ['support', support]] as const) {
      for (const tool of CALLS[agent]) {
        const result = await client.callTool({ name: `crm__${tool}`, arguments: tool === 'echo' ? { message: 'hi' } : { customer_id: 'C-1001' } });
        assert.notEqual(result.isError, true, JSON.stringify(result));
      }
    }
    await research.close();
    await support.close();
    period = `${started.toISOString()}..${new Date(Date.now() + 60_000).toISOString()}`;
  });
  after(async () => {
    await gateway?.close();
    await rm(directory, { recursive: true, force: true });
    if (store === 'postgres') await dropSchema(schema);
  });

  /** The tool-call records as stored, read without the usage code: agent, identity, server, session and the cost policy's cost_usd. */
  async function storedCalls(): Promise<{ agent: string; identity: string; server: string; session: string | null; cost: number }[]> {
    let texts: string[];
    if (store === 'sqlite') {
      const database = new DatabaseSync(join(directory, 'audit.db'), { readOnly: true });
      try {
        texts = (database.prepare("SELECT record FROM audit_entries WHERE op_type = 'tool_invocation'").all() as { record: string }[]).map((row) => row.record);
      } finally {
        database.close();
      }
    } else {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        texts = (await client.query<{ record: string }>(`SELECT record FROM "${schema}".audit_records WHERE op_type = 'tool_invocation'`)).rows.map((row) => row.record);
      } finally {
        await client.end();
      }
    }
    return texts.map((text) => JSON.parse(text)).map((record) => ({
      agent: record.caller.agent,
      identity: record.caller.identity,
      server: record.operation.server,
      session: record.caller.session_id,
      cost: record.context.policy_decisions.find((decision: { policy: string }) => decision.policy === 'cost_ceiling').cost_usd,
    }));
  }

  function sumBy<T>(items: T[], keyOf: (item: T) => string, costOf: (item: T) => number): Map<string, Figures> {
    const sums = new Map<string, Figures>();
    for (const item of items) {
      const figures = sums.get(keyOf(item)) ?? { calls: 0, cost: 0 };
      figures.calls += 1;
      figures.cost = Math.round((figures.cost + costOf(item)) * 1e6) / 1e6;
      sums.set(keyOf(item), figures);
    }
    return sums;
  }

  const figuresOf = (rows: { key: string; calls: number; cost_usd: number }[]) => new Map(rows.map((row) => [row.key, { calls: row.calls, cost: row.cost_usd }]));

  async function usageCli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    return promisify(execFile)(process.execPath, [CLI, 'usage', '--config', configPath, '--period', period, ...args]);
  }

  async function adminUsage(query: string, token: string | null = tokens.admin!): Promise<{ status: number; body: any }> {
    const response = await fetch(new URL(`/admin/usage?${query}`, gateway.adminUrl), { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
    return { status: response.status, body: await response.json() };
  }

  it('the audit store holds each call at the configured price of its tool', async () => {
    const calls = await storedCalls();
    const expected = sumBy([...CALLS.research.map((tool) => ['research', tool]), ...CALLS.support.map((tool) => ['support', tool])], ([agent]) => agent!, ([, tool]) => PRICES[tool!]!);
    assert.deepEqual(sumBy(calls, (call) => call.agent, (call) => call.cost), expected);
    assert.deepEqual(expected, new Map([['research', { calls: 4, cost: 0.065 }], ['support', { calls: 3, cost: 0.03 }]]));
  });

  for (const [by, keyOf] of [
    ['team', (call: { agent: string }) => TEAM_OF_AGENT[call.agent]!],
    ['agent', (call: { agent: string }) => call.agent],
    ['user', (call: { identity: string }) => call.identity],
    ['backend', (call: { server: string }) => call.server],
  ] as const) {
    it(`gatehouse usage --by ${by}, run as a child process, reports what the records add up to`, async () => {
      const expected = sumBy(await storedCalls(), keyOf as (call: unknown) => string, (call) => (call as { cost: number }).cost);
      const { stdout } = await usageCli('--by', by, '--format', 'json');
      const report = JSON.parse(stdout);
      assert.deepEqual(figuresOf(report.rows), expected);
      assert.equal(report.total.calls, 7);
      assert.equal(report.total.cost_usd, 0.095);
      assert.equal(report.total.priced_from_config, 0, 'every call carries its charge');
    });

    it(`GET /admin/usage?by=${by} reports the same figures`, async () => {
      const expected = sumBy(await storedCalls(), keyOf as (call: unknown) => string, (call) => (call as { cost: number }).cost);
      const { status, body } = await adminUsage(`by=${by}&period=${encodeURIComponent(period)}`);
      assert.equal(status, 200, JSON.stringify(body));
      assert.deepEqual(figuresOf(body.rows), expected);
    });
  }

  it('prints a table and CSV with the same figures', async () => {
    const table = (await usageCli('--by', 'team')).stdout;
    assert.match(table, /^TEAM\s+CALLS\s+FAILED\s+COST_USD$/m);
    assert.match(table, /^analytics\s+4\s+0\s+0\.07$/m, table);
    assert.match(table, /^TOTAL\s+7\s+0\s+0\.10$/m, table);
    const csv = (await usageCli('--by', 'team', '--format', 'csv')).stdout.trim().split('\r\n');
    assert.deepEqual(csv, ['team,calls,failed,cost_usd', 'analytics,4,0,0.065', 'customer-care,3,0,0.03']);
  });

  it('answers the seed\'s cost_per_user_session: sessions and cost per session, per user', async () => {
    const calls = await storedCalls();
    const support = calls.filter((call) => call.identity === 'agent:support');
    const sessions = new Set(support.map((call) => call.session).filter((session) => session !== null));
    assert.equal(sessions.size, 1, 'the 2025 client made its calls in one session');
    const { stdout } = await usageCli('--by', 'user', '--per', 'session', '--format', 'json');
    const line = JSON.parse(stdout).rows.find((row: { key: string }) => row.key === 'agent:support');
    assert.deepEqual(line, { key: 'agent:support', calls: 3, failed: 0, cost_usd: 0.03, sessions: 1, cost_per_session_usd: 0.03 });
  });

  it('refuses an unknown period with the forms it accepts, on stderr and exit code 1', async () => {
    const failure = await promisify(execFile)(process.execPath, [CLI, 'usage', '--config', configPath, '--period', 'next-month']).then(() => undefined, (error: { code: number; stderr: string }) => error);
    assert.equal(failure?.code, 1);
    assert.match(failure!.stderr, /"next-month" is not a usage period; use .*last-<N>d/);
  });

  it('answers /admin/usage only to an admin, and 400 for a dimension it does not know', async () => {
    assert.equal((await adminUsage('by=team', null)).status, 401);
    assert.equal((await adminUsage('by=team', tokens.support!)).status, 403);
    const wrong = await adminUsage('by=planet');
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.code, 'usage_query_invalid');
  });

  it('counts calls and dollars per backend and tenant in Prometheus, with no user label', async () => {
    const response = await fetch(new URL('/metrics', gateway.adminUrl));
    const text = await response.text();
    const value = (name: string) => Number(new RegExp(`^${name}\\{tenant="default",backend="crm"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.equal(value('mcp_usage_calls_total'), 7);
    assert.equal(Math.round(value('mcp_usage_cost_usd_total') * 1e6) / 1e6, 0.095);
    assert.doesNotMatch(text, /^mcp_usage_[a-z_]+\{[^}]*user=/m);
  });
});
