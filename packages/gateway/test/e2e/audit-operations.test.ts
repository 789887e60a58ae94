// The operations audited outside a tool call, through the real gateway over
// HTTP with the embedded identity provider: refused tokens, 2025 sessions
// starting, being stolen, deleted and expiring, policy denials, admin
// changes; arguments and outputs redacted before they are stored; and the
// admin API's audit query endpoint that reads them back. Run against SQLite
// and PostgreSQL.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { agentToken } from '../../src/cli/commands/token.ts';
import { gatewayConfig, httpBackend, stdioBackend } from '../fixtures/gateway-config.ts';
import { useEmbeddedIdentity } from '../fixtures/embedded-default-identity.ts';
import { modernRequest, post } from '../fixtures/raw-http.ts';
import { startModernEchoBackend } from '../fixtures/modern-echo-backend.ts';
import type { RecordingServer } from '../upstream/fixtures/recording-server.ts';
import pg from 'pg';
import { dropSchema, POSTGRES_URL, postgresSkip, uniqueSchema } from '../audit/fixtures/audit-fixtures.ts';

const demoCrm = fileURLToPath(new URL('../../../demo-crm/src/main.ts', import.meta.url));
const SSN = '123-45-6789';
const CARD = '4111 1111 1111 1111';

type AuditJson = Record<string, any>;

const pgSkip = await postgresSkip();

for (const store of ['sqlite', 'postgres'] as const) describe(`audit records of auth failures, sessions, denials and admin actions (${store})`, { skip: store === 'postgres' ? pgSkip : false }, () => {
  const schema = uniqueSchema('ops');
  let directory: string;
  let gateway: RunningGateway;
  let vault: RecordingServer;
  const tokens: Record<string, string> = {};

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-audit-ops-'));
    vault = await startModernEchoBackend();
    const config = gatewayConfig([stdioBackend('crm', process.execPath, [demoCrm, '--stdio']), httpBackend('everything', vault.url)]);
    useEmbeddedIdentity(config);
    const storeSettings = store === 'sqlite' ? { store: 'sqlite', path: 'audit.db', sqlite_synchronous: 'normal' } : { store: 'postgres', postgres_url: POSTGRES_URL, postgres_schema: schema };
    config.audit = { backend: undefined, retentionDays: undefined, raw: { ...storeSettings, store_outputs: ['everything'] } };
    config.policies = [
      { name: 'tool_pinning', type: 'tool_pinning', settings: { path: join(directory, 'pins.sqlite') } },
      { name: 'mass_email_approval', type: 'approval', settings: { rules: [{ tool: 'send_mass_email', when: 'args.recipient_count > 1000', reason: 'mass email' }] } },
    ];
    config.session.ttlSeconds = 2;
    gateway = await startGateway(config, { logger: silentLogger, configPath: join(directory, 'gatehouse.yaml') });
    const base = gateway.url.replace(/\/mcp$/, '');
    for (const [agent, secret] of [['research', 'research-dev-secret'], ['support', 'support-dev-secret'], ['admin', 'admin-dev-secret']] as const) {
      tokens[agent] = (await agentToken(base, agent, secret)).token;
    }
  });
  after(async () => {
    await gateway?.close();
    await vault?.close();
    await rm(directory, { recursive: true, force: true });
    if (store === 'postgres') await dropSchema(schema);
  });

  const as = (agent: string, userAgent: string) => ({ authorization: `Bearer ${tokens[agent]}`, 'user-agent': userAgent });

  async function query(filters: Record<string, string>, token: string | null = tokens.admin!): Promise<{ status: number; body: any }> {
    const url = new URL('/admin/audit/records', gateway.adminUrl);
    for (const [key, value] of Object.entries(filters)) url.searchParams.set(key, value);
    const response = await fetch(url, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
    return { status: response.status, body: await response.json() };
  }

  /** The audit tables whose rows, as text, contain `needle`. */
  async function tablesContaining(needle: string): Promise<string[]> {
    const found: string[] = [];
    if (store === 'sqlite') {
      const database = new DatabaseSync(join(directory, 'audit.db'), { readOnly: true });
      try {
        for (const { name } of database.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]) {
          if (JSON.stringify(database.prepare(`SELECT * FROM "${name}"`).all()).includes(needle)) found.push(name);
        }
      } finally {
        database.close();
      }
      return found;
    }
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
      for (const { table_name: name } of tables.rows) {
        const rows = await client.query(`SELECT t::text AS row FROM "${schema}"."${name}" t WHERE strpos(t::text, $1) > 0 LIMIT 1`, [needle]);
        if (rows.rows.length > 0) found.push(name);
      }
    } finally {
      await client.end();
    }
    return found;
  }

  async function recordsFrom(userAgent: string, filters: Record<string, string> = {}): Promise<AuditJson[]> {
    const { status, body } = await query({ limit: '1000', ...filters });
    assert.equal(status, 200, JSON.stringify(body));
    return (body.records as AuditJson[]).filter((record) => record.caller.user_agent === userAgent);
  }

  it('records a refused token once, with the claimed subject and the client, never the token', async () => {
    const forged = `${tokens.support!.slice(0, -6)}AAAAAA`;
    const { body, headers } = modernRequest(1, 'tools/list');
    assert.equal((await post(gateway.url, body, { ...headers, authorization: `Bearer ${forged}`, 'user-agent': 'audit-forged' })).status, 401);
    assert.equal((await post(gateway.url, body, { ...headers, 'user-agent': 'audit-anonymous' })).status, 401);

    const [refused, ...others] = await recordsFrom('audit-forged', { type: 'auth_failure' });
    assert.equal(others.length, 0, 'exactly one record');
    assert.equal(refused!.result.status, 'denied');
    assert.equal(refused!.result.error.code, 'bad_signature');
    assert.equal(refused!.caller.identity, null, 'an unverified token names nobody');
    assert.equal(refused!.operation.arguments.claimed_subject, 'support');
    assert.equal(refused!.caller.client_ip, '127.0.0.1');
    assert.equal(refused!.operation.name, '/mcp');
    assert.ok(!JSON.stringify(refused).includes(forged.split('.')[2]!), 'no token material');
    const [missing] = await recordsFrom('audit-anonymous', { type: 'auth_failure' });
    assert.equal(missing!.result.error.code, 'missing');
  });

  it('records a 2025 session starting, another identity trying it, and its end by DELETE', async () => {
    const init = await post(gateway.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'audit-client', version: '9' } } }, as('support', 'audit-session'));
    const session = init.headers.get('mcp-session-id')!;
    assert.ok(session, init.text);
    const stolen = await post(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { ...as('research', 'audit-session'), 'mcp-session-id': session });
    assert.equal(stolen.status, 403);
    const ended = await fetch(gateway.url, { method: 'DELETE', headers: { ...as('support', 'audit-session'), 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' } });
    assert.equal(ended.status, 200);

    const records = (await recordsFrom('audit-session', { session })).reverse();
    assert.deepEqual(records.map((record) => [record.operation.type, record.caller.identity]), [
      ['session_start', 'agent:support'],
      ['auth_failure', 'agent:research'],
      ['session_end', 'agent:support'],
    ]);
    assert.equal(records[0]!.operation.arguments.protocol_version, '2025-11-25');
    assert.equal(records[0]!.operation.arguments.client_name, 'audit-client');
    assert.equal(records[1]!.result.error.code, 'session_mismatch');
    assert.equal(records[2]!.operation.name, 'deleted');
  });

  it('records a session that idles past its TTL as ended by expiry, with the identity that started it', async () => {
    const init = await post(gateway.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'idle', version: '1' } } }, as('support', 'audit-idle'));
    const session = init.headers.get('mcp-session-id')!;
    let ended: AuditJson[] = [];
    for (let attempt = 0; attempt < 40 && ended.length === 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      ended = (await query({ session, type: 'session_end' })).body.records;
    }
    assert.equal(ended.length, 1);
    assert.equal(ended[0]!.operation.name, 'expired');
    assert.equal(ended[0]!.caller.identity, 'agent:support');
    assert.equal(ended[0]!.caller.user_agent, 'audit-idle');
  });

  it('records a denied call as one policy_denial with the denying decision', async () => {
    const { body, headers } = modernRequest(2, 'tools/call', { name: 'crm__update_customer', arguments: { customer_id: 'C-1001', updates: { tier: 'pro' }, dry_run: true } });
    assert.equal((await post(gateway.url, body, { ...headers, ...as('research', 'audit-denied') })).status, 403);
    const records = await recordsFrom('audit-denied', { agent: 'research', decision: 'deny', period: 'today' });
    assert.equal(records.length, 1);
    assert.equal(records[0]!.operation.type, 'policy_denial');
    assert.equal(records[0]!.operation.name, 'update_customer');
    assert.equal(records[0]!.operation.arguments.customer_id, 'C-1001');
    assert.equal(records[0]!.result.status, 'denied');
    assert.ok(records[0]!.context.policy_decisions.some((decision: AuditJson) => decision.decision === 'deny'));
  });

  it('redacts a SSN and a card number in arguments and stored output before they reach the store', async () => {
    const message = `customer SSN ${SSN}, card ${CARD}, id C-77`;
    const { body, headers } = modernRequest(3, 'tools/call', { name: 'everything__echo', arguments: { message } });
    const answered = await post(gateway.url, body, { ...headers, ...as('admin', 'audit-redact') });
    assert.equal(answered.body.result.content[0].text, message, 'the call itself is not changed');
    assert.ok(JSON.stringify(vault.requests).includes(SSN), 'the backend got the real argument');

    // echo does not say it is read-only, so its attempt was recorded before it ran (write-ahead), redacted the same way.
    const records = await recordsFrom('audit-redact', { tool: 'everything__echo' });
    assert.deepEqual(records.map((entry) => entry.result.status).sort(), ['attempted', 'success']);
    const [record, ...others] = records.filter((entry) => entry.result.status !== 'attempted');
    assert.equal(others.length, 0);
    assert.equal(record!.context.attempt_id, records.find((entry) => entry.result.status === 'attempted')!.audit_id);
    assert.equal(record!.result.status, 'success');
    assert.ok(record!.result.output_size_bytes > message.length);
    const stored = JSON.stringify(record);
    assert.ok(!stored.includes(SSN) && !stored.includes(CARD), stored);
    assert.match(record!.operation.arguments.message, /C-77/);
    assert.match(JSON.stringify(record!.result.output), /REDACTED/);
    assert.ok(record!.result.redactions.length >= 2, JSON.stringify(record!.result.redactions));

    // Nowhere in the store: not in any table (and for SQLite, not in the database or its WAL file).
    assert.ok((await tablesContaining('C-77')).length > 0, 'the search sees what is stored (the unredacted id)');
    assert.deepEqual(await tablesContaining(SSN), []);
    assert.deepEqual(await tablesContaining(CARD), []);
    if (store === 'sqlite') {
      for (const file of (await readdir(directory)).filter((name) => name.startsWith('audit.db'))) {
        const bytes = await readFile(join(directory, file));
        assert.equal(bytes.indexOf(SSN), -1, file);
        assert.equal(bytes.indexOf(CARD), -1, file);
      }
    }
  });

  it('records admin changes with who made them: a tool pin accepted, an approval decision refused', async () => {
    const { body, headers } = modernRequest(4, 'tools/call', { name: 'crm__get_customer', arguments: { customer_id: 'C-1001' } });
    assert.equal((await post(gateway.url, body, { ...headers, ...as('support', 'audit-pin') })).status, 200);
    const accepted = await fetch(new URL('/admin/tools/crm/get_customer/accept', gateway.adminUrl), { method: 'POST', headers: as('admin', 'audit-admin') });
    assert.equal(accepted.status, 200, await accepted.text());
    const approval = await fetch(new URL('/admin/approvals/no-such-approval/approve', gateway.adminUrl), { method: 'POST', headers: as('admin', 'audit-admin') });
    assert.equal(approval.status, 404);

    const records = (await recordsFrom('audit-admin', { type: 'admin_action,approval_decision' })).reverse();
    assert.deepEqual(records.map((record) => [record.operation.type, record.operation.name, record.result.status, record.caller.identity]), [
      ['admin_action', 'tool_pin.accept', 'success', 'agent:admin'],
      ['approval_decision', 'approve', 'error', 'agent:admin'],
    ]);
    assert.equal(records[0]!.operation.server, 'crm');
    assert.equal(records[0]!.operation.arguments.tool, 'get_customer');
    assert.match(records[0]!.operation.arguments.hash, /^sha256:[0-9a-f]{64}$/);
    assert.equal(records[0]!.operation.scope_used, 'gatehouse.admin');
    assert.equal(records[1]!.operation.arguments.approval_id, 'no-such-approval');
    assert.equal(records[1]!.result.error.code, 'not_found');
  });

  it('reports the audit queue depth and each batch write on /metrics', async () => {
    const { body, headers } = modernRequest(5, 'tools/list');
    assert.equal((await post(gateway.url, body, { ...headers, 'user-agent': 'audit-metrics' })).status, 401);
    const text = await (await fetch(new URL('/metrics', gateway.adminUrl))).text();
    assert.match(text, /^mcp_audit_queue_depth 0$/m, 'nothing waits once every answer has been written');
    const writes = Number(/^mcp_audit_write_duration_seconds_count (\d+)$/m.exec(text)?.[1]);
    assert.ok(writes > 0, text.split('\n').filter((line) => line.startsWith('mcp_audit')).join('\n'));
  });

  it('answers audit queries on the admin listener only with the admin scope, paginated', async () => {
    assert.equal((await query({})).status, 200);
    assert.equal((await query({}, null)).status, 401);
    assert.equal((await query({}, tokens.research!)).status, 403);
    const bad = await query({ period: 'last-century' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'audit_query_invalid');
    assert.equal((await query({ colour: 'blue' })).status, 400);

    const first = await query({ limit: '2' });
    assert.equal(first.body.records.length, 2);
    assert.equal(typeof first.body.next_cursor, 'string');
    const second = await query({ limit: '2', cursor: first.body.next_cursor });
    assert.equal(second.body.records.length, 2);
    const ids = [...first.body.records, ...second.body.records].map((record: AuditJson) => record.audit_id);
    assert.equal(new Set(ids).size, 4, 'pages do not overlap');
    // The seed's shape, then the record's place in its hash chain (admin API answers only).
    assert.deepEqual(Object.keys(first.body.records[0]), ['audit_id', 'timestamp', 'version', 'caller', 'operation', 'result', 'context', 'chain']);
    // The refused research query is itself on record.
    const refusedQueries = (await query({ type: 'auth_failure', identity: 'agent:research' })).body.records.filter((record: AuditJson) => record.operation.name === '/admin/audit/records');
    assert.equal(refusedQueries.length, 1);
    assert.equal(refusedQueries[0].result.error.code, 'insufficient_scope');
  });
});
