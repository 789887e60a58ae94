// The admin API's OpenAPI document against a real gateway (embedded provider,
// demo CRM, approvals, tool pins, audit store, registry): every documented operation
// answers (never the listener's own 404), every answer's status, media type,
// required headers and body are the documented ones, each operation is seen
// succeeding and, under /admin/, refused with 401 and 403, and a method a
// path does not list is a 405 or no route at all.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { agentToken } from '../../src/cli/commands/token.ts';
import { loadAdminApiDocument } from '../../src/admin/openapi-route.ts';
import { gatewayConfig, stdioBackend } from '../fixtures/gateway-config.ts';
import { useEmbeddedIdentity } from '../fixtures/embedded-default-identity.ts';
import { connectLegacy } from '../fixtures/approval-clients.ts';
import { modernRequest, post } from '../fixtures/raw-http.ts';
import { AdminApiDocument, HTTP_METHODS, templateOf } from '../fixtures/admin-api-document.ts';
import { readEvents, type SseEvent } from '../fixtures/sse.ts';
import { consoleLogin } from '@gatehouse/testing/gateway/console-login';

const demoCrm = fileURLToPath(new URL('../../../demo-crm/src/main.ts', import.meta.url));
const buildConsole = fileURLToPath(new URL('../../../console/scripts/build-if-missing.ts', import.meta.url));

describe('the admin API document against a running gateway', () => {
  const api = new AdminApiDocument();
  const templates = Object.keys(api.document.paths);
  /** `METHOD template STATUS` of every answer seen. */
  const seen = new Set<string>();
  const problems: string[] = [];
  const tokens: Record<string, string> = {};
  let directory: string;
  let gateway: RunningGateway;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-admin-openapi-'));
    const config = gatewayConfig([
      stdioBackend('crm', process.execPath, [demoCrm, '--stdio']),
      // Proposed, so never started: the registry routes only active and deprecated backends.
      stdioBackend('wiki', process.execPath, [demoCrm, '--stdio'], { registry: { lifecycle: 'proposed', owner: 'team:docs', description: 'Search and read the internal wiki' } }),
    ]);
    useEmbeddedIdentity(config);
    config.audit = { backend: undefined, retentionDays: undefined, raw: { store: 'sqlite', path: join(directory, 'audit.db') } };
    config.registry = { store: { kind: 'sqlite', path: join(directory, 'registry.db') }, enforce: true };
    config.policies = [
      { name: 'tool_pinning', type: 'tool_pinning', settings: { path: join(directory, 'pins.sqlite'), mode: 'require_review' } },
      { name: 'partner_email_approval', type: 'approval', settings: { rules: [{ tool: 'send_email', when: 'args.to.endsWith("@partner.example")', reason: 'email to a partner domain' }], hold_timeout_seconds: 60 } },
    ];
    gateway = await startGateway(config, { logger: silentLogger, adminPort: 0 });
    const base = gateway.url.replace(/\/mcp$/, '');
    for (const [agent, secret] of [['admin', 'admin-dev-secret'], ['research', 'research-dev-secret'], ['support', 'support-dev-secret'], ['approver', 'approver-dev-secret']] as const) {
      tokens[agent] = (await agentToken(base, agent, secret)).token;
    }
  });
  after(async () => {
    await gateway?.close();
    await rm(directory, { recursive: true, force: true });
  });

  /** One request to the admin listener; its answer is checked against the document and remembered. */
  async function exchange(method: string, path: string, options: { token?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; etag: string | null; body: any }> {
    const response = await fetch(`${gateway.adminUrl}${path}`, {
      method,
      // The console's sign-in answers with a redirect to the issuer: the answer itself is checked, not where it leads.
      redirect: 'manual',
      headers: { ...options.headers, ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }), ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    const text = await response.text();
    const template = templateOf(templates, new URL(path, 'http://admin.invalid').pathname);
    assert.ok(template !== undefined, `${path} is a documented path`);
    problems.push(...api.check(method.toLowerCase(), template, { status: response.status, headers: response.headers, body: text }));
    if (response.status === 404 && text.includes('no admin route')) problems.push(`${method} ${path}: the listener's own 404, so nothing answers this documented operation`);
    seen.add(`${method.toLowerCase()} ${template} ${response.status}`);
    const isJson = (response.headers.get('content-type') ?? '').startsWith('application/json');
    return { status: response.status, etag: response.headers.get('etag'), body: isJson && text.length > 0 ? JSON.parse(text) : text };
  }

  const admin = (method: string, path: string, body?: string) => exchange(method, path, { token: tokens.admin!, ...(body === undefined ? {} : { body }) });

  /** The pending approval whose preview names `marker`, once the held call has created it. */
  async function pendingApproval(marker: string): Promise<{ id: string }> {
    for (let attempt = 0; attempt < 400; attempt++) {
      const { body } = await admin('GET', '/admin/approvals?status=pending');
      const found = (body.approvals as Array<{ id: string; preview: string }>).find((item) => item.preview.includes(marker));
      if (found !== undefined) return found;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.fail(`no pending approval mentions ${marker}`);
  }

  it('answers the probes as documented', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      assert.equal((await exchange('GET', path)).status, 200, path);
      assert.equal((await exchange('HEAD', path)).status, 200, `HEAD ${path}`);
    }
  });

  it('serves the document itself at /admin/openapi.json to an admin', async () => {
    const { status, body } = await admin('GET', '/admin/openapi.json');
    assert.equal(status, 200);
    assert.deepEqual(body, loadAdminApiDocument());
  });

  it('serves the web console and its sign-in as documented: the app, a sign-in as the demo admin, the session, sign-out', async () => {
    await import(buildConsole);
    assert.equal((await exchange('GET', '/console/')).status, 200);
    assert.equal((await exchange('HEAD', '/console/')).status, 200);
    assert.equal((await exchange('GET', '/console/auth/session')).body.signed_in, false);
    assert.equal((await exchange('GET', '/console/auth/login?return_to=/console/audit')).status, 302);
    assert.equal((await exchange('GET', '/console/auth/callback?code=x&state=y')).status, 400, 'a callback this browser did not start');
    const login = await consoleLogin(gateway.adminUrl!, 'admin');
    const cookie = login.jar.header(gateway.adminUrl!)!;
    assert.equal(login.callback.status, 200);
    seen.add('get /console/auth/callback 200');
    const session = await exchange('GET', '/console/auth/session', { headers: { cookie } });
    assert.equal(session.status, 200);
    assert.equal(session.body.subject, 'admin');
    assert.equal((await exchange('POST', '/console/auth/logout', { headers: { cookie } })).status, 403, 'sign-out needs the CSRF header');
    assert.equal((await exchange('POST', '/console/auth/logout', { headers: { cookie, 'x-gatehouse-csrf': login.csrf! } })).status, 200);
    assert.equal((await exchange('GET', '/console/auth/session', { headers: { cookie } })).body.signed_in, false, 'the session ended');
  });

  it('answers the tool pin routes as documented', async () => {
    const listing = modernRequest(1, 'tools/list');
    assert.equal((await post(gateway.url, listing.body, { ...listing.headers, authorization: `Bearer ${tokens.support}` })).status, 200, 'a tools/list reports the unreviewed tools');
    const quarantined = await admin('GET', '/admin/tools/quarantined');
    assert.ok((quarantined.body.tools as Array<{ tool: string; state: string }>).some((tool) => tool.tool === 'send_email' && tool.state === 'unreviewed'), 'require_review: every tool waits for review');
    assert.equal((await admin('POST', '/admin/tools/crm/send_email/accept')).status, 200);
    assert.equal((await admin('POST', '/admin/tools/crm/no_such_tool/accept')).body.code, 'unknown_tool');
    assert.equal((await admin('GET', '/admin/tools/pins')).body.pins.length, 1);
    assert.equal((await admin('GET', '/admin/tools/crm/send_email')).body.state, 'pinned');
    assert.equal((await admin('GET', '/admin/tools/crm/no_such_tool')).body.state, 'unknown');
  });

  it('answers the approval routes as documented, from a held call to its decision', async () => {
    const client = await connectLegacy(gateway.url, tokens.support!);
    try {
      const held = client.callTool('crm__send_email', { to: 'ops@partner.example', subject: 'openapi-approve', body: 'Hello', idempotency_key: 'openapi-approve' });
      held.catch(() => undefined); // awaited below; a failing step before that must not leave it unhandled
      const { id } = await pendingApproval('openapi-approve');
      assert.equal((await admin('GET', `/admin/approvals/${id}`)).status, 200);
      assert.equal((await admin('GET', '/admin/approvals?status=all')).status, 200);
      assert.equal((await admin('GET', '/admin/approvals?status=whenever')).status, 400);
      assert.equal((await admin('GET', '/admin/approvals/apr_no_such_request')).status, 404);
      assert.equal((await exchange('GET', `/approvals/${id}`)).status, 200);
      assert.equal((await exchange('GET', '/approvals/apr_no_such_request')).status, 404);
      assert.equal((await admin('POST', `/admin/approvals/${id}/approve`, '[1]')).status, 400);
      assert.equal((await admin('POST', '/admin/approvals/apr_no_such_request/approve', '{}')).body.code, 'not_found');
      assert.equal((await admin('POST', '/admin/approvals/apr_no_such_request/deny')).body.code, 'not_found');
      assert.equal((await admin('POST', `/admin/approvals/${id}/approve`, JSON.stringify({ reason: 'checked' }))).status, 200);
      assert.notEqual((await held).isError, true);
      assert.equal((await admin('POST', `/admin/approvals/${id}/deny`)).body.code, 'not_pending');
      assert.equal((await admin('POST', `/admin/approvals/${id}/approve`)).body.code, 'not_pending');

      const own = await connectLegacy(gateway.url, tokens.admin!);
      try {
        const ownCall = own.callTool('crm__send_email', { to: 'ops@partner.example', subject: 'openapi-own', body: 'Hello', idempotency_key: 'openapi-own' });
        ownCall.catch(() => undefined);
        const mine = await pendingApproval('openapi-own');
        const refused = await admin('POST', `/admin/approvals/${mine.id}/approve`);
        assert.deepEqual([refused.status, refused.body.code, refused.body.approval?.status], [403, 'self_approval', 'pending'], 'the requester cannot approve its own call');
        assert.equal((await exchange('POST', `/admin/approvals/${mine.id}/deny`, { token: tokens.approver! })).status, 200, 'another approver decides');
        await ownCall;
      } finally {
        await own.close();
      }

      const denied = client.callTool('crm__send_email', { to: 'ops@partner.example', subject: 'openapi-deny', body: 'Hello', idempotency_key: 'openapi-deny' });
      denied.catch(() => undefined);
      const second = await pendingApproval('openapi-deny');
      assert.equal((await admin('POST', `/admin/approvals/${second.id}/deny`, JSON.stringify({ reason: 'not now' }))).status, 200);
      assert.equal((await denied).isError, true);
    } finally {
      await client.close();
    }
  });

  it('streams the approvals queue live: a held call appears at once, its arguments with PII masked, then its decision', async () => {
    const controller = new AbortController();
    const response = await fetch(`${gateway.adminUrl}/admin/approvals/events`, { headers: { authorization: `Bearer ${tokens.approver}` }, signal: controller.signal });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    seen.add(`get /admin/approvals/events ${response.status}`);
    const events: SseEvent[] = [];
    const reading = readEvents(response, (received) => {
      events.splice(0, events.length, ...received);
      return received.some((event) => event.event === 'decided');
    }).catch(() => events);
    const client = await connectLegacy(gateway.url, tokens.support!);
    try {
      const until = async (what: string, condition: () => boolean) => {
        for (let attempt = 0; attempt < 400 && !condition(); attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
        assert.ok(condition(), `${what}: ${JSON.stringify(events)}`);
      };
      await until('the snapshot', () => events.some((event) => event.event === 'snapshot'));
      const heldAt = Date.now();
      const held = client.callTool('crm__send_email', { to: 'jane.doe@partner.example', subject: 'openapi-live', body: 'Call me on +1 415 555 0134', idempotency_key: 'openapi-live' });
      held.catch(() => undefined);
      await until('the created event', () => events.some((event) => event.event === 'created'));
      const created = JSON.parse(events.find((event) => event.event === 'created')!.data).approval;
      assert.ok(Date.now() - heldAt < 1_500, `the held call reached the console in ${Date.now() - heldAt} ms, without polling by the page`);
      assert.match(created.preview, /openapi-live/);
      assert.ok(!created.preview.includes('jane.doe@'), `the email's local part is masked: ${created.preview}`);
      assert.ok(created.preview_redactions.includes('email_partial'), created.preview_redactions);
      assert.equal((await exchange('POST', `/admin/approvals/${created.id}/deny`, { token: tokens.approver!, body: JSON.stringify({ reason: 'not to partners today' }) })).status, 200, 'the approver decides');
      await until('the decided event', () => events.some((event) => event.event === 'decided'));
      const decided = JSON.parse(events.find((event) => event.event === 'decided')!.data).approval;
      assert.deepEqual([decided.id, decided.status], [created.id, 'denied']);
      assert.equal((await held).isError, true);
      const listed = await admin('GET', `/admin/approvals/${created.id}`);
      assert.ok(!listed.body.approval.preview.includes('jane.doe@'), 'every approvals answer masks the preview');
    } finally {
      controller.abort();
      await reading;
      await client.close();
    }
  });

  it('shows the overview: every backend with its lifecycle, state and breaker, and live traffic from the gateway\'s own metrics', async () => {
    const overview = await admin('GET', '/admin/overview');
    assert.equal(overview.status, 200);
    const byName = new Map((overview.body.backends as any[]).map((backend) => [backend.name, backend]));
    assert.deepEqual([byName.get('crm')?.state, byName.get('crm')?.lifecycle, byName.get('crm')?.circuit?.state], ['ready', 'active', 'closed']);
    assert.deepEqual([byName.get('wiki')?.state, byName.get('wiki')?.lifecycle], [null, 'proposed'], 'a registered backend that is not running is listed too');
    assert.equal(overview.body.metrics_enabled, true);
    assert.ok(byName.get('crm').calls_per_minute > 0, 'the approved and denied calls above count');
    assert.ok(overview.body.overall.calls_per_minute >= byName.get('crm').calls_per_minute);
    assert.equal(typeof byName.get('crm').p95_ms, 'number');
    assert.equal((await exchange('GET', '/admin/overview', { token: tokens.approver! })).status, 403, 'an approver does not read the overview');
  });

  it('lists the catalog: every tool with its backend and pin state', async () => {
    const catalog = await admin('GET', '/admin/catalog');
    assert.equal(catalog.status, 200);
    assert.equal(catalog.body.pinning, true);
    const byName = new Map((catalog.body.tools as any[]).map((tool) => [tool.name, tool]));
    const sendEmail = byName.get('crm__send_email');
    assert.deepEqual([sendEmail?.backend, sendEmail?.tool, sendEmail?.state], ['crm', 'send_email', 'pinned'], 'accepted above');
    assert.equal(sendEmail.pinned_hash, sendEmail.current_hash);
    const unreviewed = byName.get('crm__get_customer');
    assert.equal(unreviewed?.state, 'unreviewed');
    assert.equal(unreviewed.current_definition.name, 'get_customer', 'an unreviewed tool shows the definition to review');
    assert.equal((await exchange('GET', '/admin/catalog', { token: tokens.approver! })).status, 200, 'an approver reads the catalog');
  });

  it('lists the live sessions with their owner and client, and ends one so its next message is refused', async () => {
    const client = await connectLegacy(gateway.url, tokens.support!);
    try {
      const listed: any[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: any } = await admin('GET', `/admin/sessions?limit=1${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
        listed.push(...page.body.sessions);
        cursor = page.body.next_cursor;
      } while (cursor !== null);
      const mine = listed.find((session) => session.subject === 'agent:support' && session.client_info?.name === 'approval-test-v1');
      assert.ok(mine !== undefined, JSON.stringify(listed));
      assert.deepEqual([mine.client_id, mine.protocol_version, mine.initialized, mine.endpoint], ['support', '2025-11-25', true, null]);
      assert.equal((await admin('GET', '/admin/sessions?limit=0')).body.code, 'invalid_request');
      assert.equal((await exchange('DELETE', `/admin/sessions/${mine.id}`, { token: tokens.approver! })).status, 403, 'an approver cannot end sessions');
      assert.deepEqual((await admin('DELETE', `/admin/sessions/${mine.id}`)).body, { id: mine.id, ended: true });
      assert.equal((await admin('DELETE', `/admin/sessions/${mine.id}`)).body.code, 'not_found');
      const after = await post(gateway.url, { jsonrpc: '2.0', id: 7, method: 'tools/list' }, { 'mcp-session-id': mine.id, 'mcp-protocol-version': '2025-11-25', authorization: `Bearer ${tokens.support}` });
      assert.equal(after.status, 404, 'the ended session is unknown to the gateway: the client must initialize again');
      assert.ok(!(await admin('GET', '/admin/sessions?limit=500')).body.sessions.some((session: any) => session.id === mine.id));
      const records = (await admin('GET', '/admin/audit/records?type=admin_action&limit=20')).body.records as any[];
      const ended = records.find((record) => record.operation.name === 'session.end' && record.operation.arguments.session_id === mine.id && record.result.status === 'success');
      assert.ok(ended !== undefined, 'ending a session is an audited admin change');
      assert.equal(ended.caller.identity, 'agent:admin');
    } finally {
      await client.close().catch(() => undefined);
    }
  });

  it('answers audit queries as documented, real records included', async () => {
    const page = await admin('GET', '/admin/audit/records?limit=5');
    assert.ok(page.body.records.length > 0, 'the admin actions above were recorded');
    assert.equal(typeof page.body.next_cursor, 'string');
    assert.equal((await admin('GET', `/admin/audit/records?cursor=${page.body.next_cursor}&type=approval_decision,admin_action`)).status, 200);
    assert.equal((await admin('GET', '/admin/audit/records?period=fortnight')).body.code, 'audit_query_invalid');
    assert.equal((await admin('GET', '/admin/audit/records?colour=blue')).body.code, 'audit_query_invalid');
  });

  it('places each record in its hash chain: its log, seq, hash and the previous record\'s hash', async () => {
    const { body } = await admin('GET', '/admin/audit/records?limit=50&type=admin_action,approval_decision');
    const records = body.records as any[];
    assert.ok(records.length >= 2);
    for (const record of records) {
      assert.match(record.chain.hash, /^[0-9a-f]{64}$/);
      assert.match(record.chain.prev_hash, /^[0-9a-f]{64}$/);
    }
    // Newest first: where two records of one log sit next to each other, the newer one chains to the older.
    const bySeq = new Map(records.map((record) => [`${record.chain.log_id}#${record.chain.seq}`, record]));
    const linked = records.filter((record) => bySeq.has(`${record.chain.log_id}#${record.chain.seq - 1}`));
    assert.ok(linked.length > 0, 'consecutive records of one log are on the page');
    for (const record of linked) assert.equal(record.chain.prev_hash, bySeq.get(`${record.chain.log_id}#${record.chain.seq - 1}`).chain.hash);
  });

  it('exports the same query as CSV with the CLI\'s columns, a page at a time', async () => {
    const response = await fetch(`${gateway.adminUrl}/admin/audit/records.csv?type=approval_decision&limit=1`, { headers: { authorization: `Bearer ${tokens.admin}` } });
    const text = await response.text();
    problems.push(...api.check('get', '/admin/audit/records.csv', { status: response.status, headers: response.headers, body: text }));
    seen.add(`get /admin/audit/records.csv ${response.status}`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(response.headers.get('content-disposition') ?? '', /attachment/);
    const [header, row] = text.trim().split('\r\n');
    assert.match(header!, /^audit_id,timestamp,/);
    assert.match(row!, /approval_decision/);
    const next = /^<([^>]+)>; rel="next"$/.exec(response.headers.get('link') ?? '');
    assert.ok(next !== null, 'more approval decisions match: a link to the next page');
    assert.equal((await exchange('GET', next[1]!, { token: tokens.admin! })).status, 200);
    assert.equal((await admin('GET', '/admin/audit/records.csv?period=fortnight')).body.code, 'audit_query_invalid');
  });

  it('runs the verifier over the last records or the whole store, and says so', async () => {
    const recent = await admin('POST', '/admin/audit/verify', JSON.stringify({ last: 5 }));
    assert.equal(recent.status, 200, JSON.stringify(recent.body));
    assert.deepEqual([recent.body.valid, recent.body.mode, recent.body.failure, recent.body.keys_trusted], [true, 'last', null, true]);
    assert.ok(recent.body.logs.every((log: any) => log.records_checked <= 5 && log.from_seq === Math.max(log.first_seq, log.size - 5)));
    const full = await admin('POST', '/admin/audit/verify', JSON.stringify({ full: true }));
    assert.deepEqual([full.body.valid, full.body.mode], [true, 'full']);
    assert.ok(full.body.logs.every((log: any) => log.records_checked === log.size - log.first_seq));
    assert.equal((await admin('POST', '/admin/audit/verify')).body.mode, 'last', 'an empty body checks the last records');
    for (const bad of ['{"last": 0}', '{"full": true, "last": 5}', '{"log_ids": []}', '{"depth": 1}', '[1]']) {
      assert.equal((await admin('POST', '/admin/audit/verify', bad)).body.code, 'invalid_request', bad);
    }
    assert.equal((await exchange('POST', '/admin/audit/verify', { token: tokens.approver!, body: '{}' })).status, 403, 'an approver does not run the verifier');
  });

  it('tells each caller who it is to the admin API: its roles and the permissions they grant', async () => {
    const me = await admin('GET', '/admin/me');
    assert.equal(me.status, 200);
    assert.deepEqual([me.body.subject, me.body.client_id, me.body.tenant, me.body.roles], ['admin', 'admin', null, ['admin']]);
    assert.ok(me.body.scopes.includes('gatehouse.admin'));
    assert.ok(me.body.permissions.includes('sessions.manage') && me.body.permissions.includes('registry.review'));
    const approver = await exchange('GET', '/admin/me', { token: tokens.approver! });
    assert.deepEqual([approver.body.roles, approver.body.permissions], [['approver'], ['api.read', 'approvals.read', 'approvals.decide', 'pins.read']]);
    assert.equal((await exchange('GET', '/admin/me', { token: tokens.research! })).body.code, 'insufficient_scope', 'a caller with no admin role is refused even this');
  });

  it('answers usage queries as documented', async () => {
    const usage = await admin('GET', '/admin/usage?by=agent&period=last-7d&per=session');
    assert.equal(usage.status, 200);
    assert.equal(usage.body.by, 'agent');
    assert.equal((await admin('GET', '/admin/usage?by=planet')).body.code, 'usage_query_invalid');
  });

  it('answers the tenants route as documented: no tenants on a gateway without a tenants section, and only to an admin', async () => {
    const listed = await admin('GET', '/admin/tenants');
    assert.equal(listed.status, 200);
    assert.deepEqual([listed.body.tenants_enabled, listed.body.is_platform_admin, listed.body.tenants], [false, true, []]);
    assert.equal((await admin('GET', '/admin/tenants?name=sales')).body.code, 'invalid_request');
    const refused = await exchange('GET', '/admin/tenants', { token: tokens.approver! });
    assert.deepEqual([refused.status, refused.body.code], [403, 'insufficient_scope'], 'an approver does not read the tenants');
  });

  it('answers the registry routes as documented: list, show with ETag, a transition with If-Match, a stale one, propose, revise, drift, review-due', async () => {
    const listed = await admin('GET', '/admin/registry');
    assert.deepEqual(listed.body.entries.map((entry: any) => [entry.spec.name, entry.status.state]), [['crm', 'active'], ['wiki', 'proposed']]);
    assert.deepEqual((await admin('GET', '/admin/registry?state=proposed')).body.entries.map((entry: any) => entry.spec.name), ['wiki']);
    assert.equal((await admin('GET', '/admin/registry?state=dormant')).body.code, 'invalid_request');
    const shown = await admin('GET', '/admin/registry/wiki');
    assert.equal(shown.etag, `"${shown.body.entry.metadata.resourceVersion}"`);
    assert.equal((await admin('GET', '/admin/registry/no-such-entry')).body.code, 'not_found');

    const transition = (name: string, body: unknown, ifMatch?: string) =>
      exchange('POST', `/admin/registry/${name}/transitions`, { token: tokens.admin!, body: JSON.stringify(body), ...(ifMatch === undefined ? {} : { headers: { 'if-match': ifMatch } }) });
    assert.equal((await transition('wiki', { to: 'nowhere', reason: 'x' })).body.code, 'invalid_request');
    assert.equal((await transition('wiki', { to: 'in_review', reason: ' ' })).body.code, 'reason_required');
    assert.equal((await transition('wiki', { to: 'active', reason: 'skip the review' })).body.code, 'illegal_transition');
    assert.equal((await transition('no-such-entry', { to: 'in_review', reason: 'x' })).body.code, 'not_found');
    const moved = await transition('wiki', { to: 'in_review', reason: 'ready for review' }, shown.etag!);
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual([moved.body.entry.status.state, moved.body.event.from, moved.body.event.by], ['in_review', 'proposed', 'agent:admin']);
    assert.equal(moved.etag, `"${moved.body.entry.metadata.resourceVersion}"`);
    assert.notEqual(moved.etag, shown.etag);
    const stale = await transition('wiki', { to: 'rejected', reason: 'not needed', review: { decision: 'reject' } }, shown.etag!);
    assert.deepEqual([stale.status, stale.body.code], [409, 'conflict']);
    assert.equal((await transition('wiki', { to: 'approved', reason: 'looks fine' })).body.code, 'review_required');
    assert.equal((await admin('GET', '/admin/registry/wiki')).body.entry.status.state, 'in_review', 'the refusals changed nothing');

    const proposed = await admin('POST', '/admin/registry', JSON.stringify({ spec: { name: 'tickets', description: 'Support tickets', owner: 'team:support', riskTier: 'low', dataClassification: 'internal' }, reason: 'support asks for it' }));
    assert.deepEqual([proposed.status, proposed.body.entry.status.state, proposed.body.entry.status.proposedBy], [201, 'proposed', 'agent:admin']);
    assert.equal((await admin('POST', '/admin/registry', JSON.stringify({ spec: { name: 'tickets', description: 'again', owner: 'team:support', riskTier: 'low', dataClassification: 'internal' } }))).body.code, 'already_exists');
    assert.equal((await admin('POST', '/admin/registry', JSON.stringify({ spec: { name: 'tickets2', description: 'x', owner: 'nobody', riskTier: 'low', dataClassification: 'internal' } }))).body.code, 'invalid_spec');
    const revise = (method: string, body: unknown, ifMatch?: string) => exchange(method, '/admin/registry/tickets', { token: tokens.admin!, body: JSON.stringify(body), ...(ifMatch === undefined ? {} : { headers: { 'if-match': ifMatch } }) });
    const patched = await revise('PATCH', { spec: { links: { runbook: 'https://wiki.example.com/tickets' } } }, proposed.etag!);
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual([(await revise('PATCH', { spec: { team: 'x' } }, proposed.etag!)).status], [412]);
    const put = await revise('PUT', { spec: { ...patched.body.entry.spec, version: '2.0.0' }, reason: 'new version' }, patched.etag!);
    assert.deepEqual([put.status, put.body.entry.spec.version], [200, '2.0.0']);
    assert.equal((await revise('PUT', { spec: { ...put.body.entry.spec, name: 'renamed' } })).body.code, 'immutable_field');
    assert.equal((await revise('PATCH', 'not an object')).body.code, 'invalid_request');
    assert.equal((await exchange('PATCH', '/admin/registry/no-such-entry', { token: tokens.admin!, body: JSON.stringify({ spec: {} }) })).body.code, 'not_found');

    const drift = await admin('GET', '/admin/registry/diff');
    assert.equal(drift.status, 200);
    assert.deepEqual([drift.body.isDrifted, drift.body.items.map((item: any) => [item.backend, item.kind, item.stored])], [true, [['tickets', 'not_configured', 'proposed'], ['wiki', 'unrouted', 'in_review']]], 'tickets is in the store only; the file enables wiki, the store holds it in review');

    const due = await admin('GET', '/admin/registry/review-due?within_days=365');
    assert.deepEqual(due.body.entries.map((entry: any) => [entry.name, entry.state]), [['crm', 'active']], 'the pre-approved backend is due within a year; the one in review has no date yet');
    assert.deepEqual((await admin('GET', '/admin/registry/review-due')).body.entries, []);
    assert.equal((await admin('GET', '/admin/registry/review-due?within_days=-1')).body.code, 'invalid_request');
    const retirement = (await admin('GET', '/admin/registry/review-due?unused_below=1000000&period=90d')).body.retirement;
    assert.deepEqual(retirement.backends.map((backend: any) => [backend.name, backend.state]), [['crm', 'active']], 'the proposed wiki and tickets serve nothing yet');
    assert.ok(retirement.tools.some((tool: any) => tool.backend === 'crm'), 'the tools crm lists now, called or not');
  });

  it('answers the schema snapshot routes as documented: the list with the approved baseline, one by sequence, by "approved", and unknown ones', async () => {
    // The active crm's first settled listing is stored as its approved snapshot.
    let listed = await admin('GET', '/admin/registry/crm/snapshots');
    for (let attempt = 0; attempt < 200 && listed.body.approved === null; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      listed = await admin('GET', '/admin/registry/crm/snapshots');
    }
    assert.equal(listed.status, 200);
    assert.equal(listed.body.snapshots[0].kind, 'approved');
    assert.ok(listed.body.snapshots[0].tools > 0);
    const one = await admin('GET', `/admin/registry/crm/snapshots/${listed.body.approved}`);
    assert.equal(one.body.snapshot.snapshot.format, 'gatehouse.schema-snapshot/1');
    assert.equal((await admin('GET', '/admin/registry/crm/snapshots/approved')).body.snapshot.sequence, listed.body.approved);
    assert.deepEqual((await admin('GET', '/admin/registry/wiki/snapshots')).body.snapshots, [], 'a backend never routed has none');
    assert.equal((await admin('GET', '/admin/registry/crm/snapshots/99')).body.code, 'not_found');
    assert.equal((await admin('GET', '/admin/registry/no-such-entry/snapshots')).body.code, 'not_found');
  });

  it('refuses every /admin/ operation without a token (401) and without the admin scope (403), as documented', async () => {
    const forged = `${tokens.admin!.slice(0, -4)}AAAA`;
    for (const [method, template] of api.operations().filter(([, template]) => template.startsWith('/admin/'))) {
      const path = template.replace(/\{[^}]+\}/g, 'x');
      assert.equal((await exchange(method.toUpperCase(), path)).body.code, 'admin_token_required');
      assert.equal((await exchange(method.toUpperCase(), path, { token: forged })).body.code, 'invalid_token');
      assert.equal((await exchange(method.toUpperCase(), path, { token: tokens.research! })).body.code, 'insufficient_scope');
    }
  });

  it('serves an approver (gatehouse.approver) the approvals and refuses it registry transitions and audit reads, naming the scope that would grant them', async () => {
    assert.equal((await exchange('GET', '/admin/approvals?status=all', { token: tokens.approver! })).status, 200);
    assert.equal((await exchange('GET', '/admin/tools/pins', { token: tokens.approver! })).status, 200, 'an approver reads the catalog');
    const transition = await exchange('POST', '/admin/registry/wiki/transitions', { token: tokens.approver!, body: JSON.stringify({ to: 'in_review', reason: 'an approver may not' }) });
    assert.deepEqual([transition.status, transition.body.code], [403, 'insufficient_scope']);
    assert.match(transition.body.error, /gatehouse\.reviewer, gatehouse\.admin/);
    const audit = await fetch(`${gateway.adminUrl}/admin/audit/records`, { headers: { authorization: `Bearer ${tokens.approver}` } });
    assert.equal(audit.status, 403);
    assert.equal(audit.headers.get('www-authenticate'), 'Bearer error="insufficient_scope", scope="gatehouse.approver gatehouse.auditor"');
    assert.equal((await admin('GET', '/admin/registry/wiki')).body.entry.status.state, 'in_review', 'the refused transition changed nothing');
  });

  it('answers every /admin/ operation with the documented 403 when the gateway runs with authentication off', async () => {
    const config = gatewayConfig([]);
    useEmbeddedIdentity(config, { isAnonymousAllowed: true, embeddedIdp: undefined });
    const open = await startGateway(config, { logger: silentLogger, adminPort: 0 });
    try {
      for (const [method, template] of api.operations().filter(([, template]) => template.startsWith('/admin/'))) {
        const response = await fetch(`${open.adminUrl}${template.replace(/\{[^}]+\}/g, 'x')}`, { method: method.toUpperCase(), headers: { authorization: 'Bearer anything' } });
        const body = await response.text();
        assert.deepEqual(api.check(method, template, { status: response.status, headers: response.headers, body }), []);
        assert.equal(JSON.parse(body).code, 'admin_requires_authentication', `${method} ${template}`);
      }
    } finally {
      await open.close();
    }
  });

  it('answers a method a documented path does not list with 405 and Allow, or not at all', async () => {
    for (const template of templates) {
      const listed = HTTP_METHODS.filter((method) => api.document.paths[template][method] !== undefined);
      for (const method of HTTP_METHODS.filter((method) => !listed.includes(method))) {
        const response = await fetch(`${gateway.adminUrl}${template.replace(/\{[^}]+\}/g, 'x')}`, { method: method.toUpperCase(), headers: { authorization: `Bearer ${tokens.admin}` } });
        const text = await response.text();
        const isNoRoute = response.status === 404 && (method === 'head' || text.includes('no admin route'));
        assert.ok(response.status === 405 || isNoRoute, `${method} ${template}: ${response.status} ${text}`);
        if (response.status === 405) assert.ok(response.headers.get('allow') !== null, `${method} ${template}: 405 names what is allowed`);
      }
    }
  });

  it('saw only documented answers, never the listener\'s own 404 for a documented operation', () => {
    assert.deepEqual(problems, []);
  });

  it('saw every documented operation succeed, and every /admin/ operation refused with 401 and 403', () => {
    const missing: string[] = [];
    for (const [method, template] of api.operations()) {
      // Success is a 2xx, or the redirect an operation documents as its only success (the console's sign-in).
      if (![...seen].some((entry) => entry.startsWith(`${method} ${template} 2`) || entry.startsWith(`${method} ${template} 3`))) missing.push(`${method} ${template} 2xx`);
      if (!template.startsWith('/admin/')) continue;
      for (const status of ['401', '403']) if (!seen.has(`${method} ${template} ${status}`)) missing.push(`${method} ${template} ${status}`);
    }
    assert.deepEqual(missing, []);
  });
});
