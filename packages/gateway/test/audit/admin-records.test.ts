// Approval decisions through the admin approvals API, over real HTTP into a
// real SQLite audit trail: one approval_decision record per decision with
// the approver, the requester and the held call's backend and tool; a
// refused self-approval is recorded as denied.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Approvals, partyOf } from '../../src/policy/approval-service.ts';
import { createApprovalsApi } from '../../src/admin/approval-queue-api.ts';
import { resolveAuditSettings } from '../../src/audit/settings.ts';
import { AuditTrail } from '../../src/audit/trail.ts';
import type { Caller } from '../../src/identity/caller.ts';
import { makeCaller } from '../policy/fixtures.ts';
import { createTempDirectory, type TempDirectory } from './fixtures/audit-fixtures.ts';

const requester = makeCaller({ agent: 'support', user: 'alice', scopes: ['crm.invoke'] });
const TOKENS: Record<string, Caller> = {
  'admin-bob': makeCaller({ agent: 'console', user: 'bob', scopes: ['gatehouse.admin'] }),
  'admin-alice': makeCaller({ agent: 'console', user: 'alice', scopes: ['gatehouse.admin'] }),
};

describe('approval decisions in the audit log', () => {
  let directory: TempDirectory;
  let trail: AuditTrail;
  let approvals: Approvals;
  let server: Server;
  let base: string;

  before(async () => {
    directory = await createTempDirectory();
    const settings = resolveAuditSettings({ audit: { backend: undefined, retentionDays: undefined, raw: { path: join(directory.path, 'audit.db'), retention_interval_hours: 0, sqlite_synchronous: 'normal' } } });
    trail = await AuditTrail.open({ settings, gatewayId: 'gw-admin' });
    approvals = new Approvals({ approvalUrlBase: 'http://127.0.0.1:1' });
    const handler = createApprovalsApi({ approvals, audit: trail, authenticate: async (request) => TOKENS[(request.headers.authorization ?? '').replace(/^Bearer /, '')] });
    server = createServer((request, response) => {
      if (!handler(request, response)) response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await trail.close();
    await directory.remove();
  });

  const pending = () => approvals.create({
    policy: 'mass_email_approval', expiresAt: Date.now() + 60_000, requester: partyOf(requester), backend: 'crm', tool: 'send_mass_email',
    argumentsHash: 'sha256:abc', preview: '{"segment":"ACCT-7"}', reason: 'mass email',
  });
  const decide = (id: string, action: string, token: string, body: unknown = {}) =>
    fetch(`${base}/admin/approvals/${id}/${action}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'user-agent': 'admin-console/2' }, body: JSON.stringify(body) });

  it('records an approval with the approver, the requester and the call it releases', async () => {
    const request = await pending();
    assert.equal((await decide(request.id, 'approve', 'admin-bob', { reason: 'reviewed copy' })).status, 200);
    const page = await trail.store!.query({ types: ['approval_decision'] }, { limit: 10 });
    const records = page.items.map((item) => item.record).filter((record) => record.operation.arguments?.approval_id === request.id);
    assert.equal(records.length, 1);
    const [record] = records;
    assert.equal(record!.caller.identity, 'user:bob');
    assert.equal(record!.caller.agent, 'console');
    assert.equal(record!.caller.user_agent, 'admin-console/2');
    assert.deepEqual([record!.operation.server, record!.operation.name, record!.result.status], ['crm', 'send_mass_email', 'success']);
    const principal = (id: string) => JSON.stringify(['https://idp.example', id]);
    assert.deepEqual(record!.operation.arguments, {
      approval_id: request.id, decision: 'approve', reason: 'reviewed copy', requested_by: 'user "alice" (via agent "support")', policy: 'mass_email_approval', arguments_hash: 'sha256:abc',
      approver: { principal: principal('bob'), parties: [principal('console'), principal('bob')] },
      requester: { principal: principal('alice'), parties: [principal('support'), principal('alice')] },
      status: 'approved', approvals: 1, approvers_required: 1,
    }, 'the approver and requester are recorded as issuer-scoped principals with their whole delegation chains');
    assert.equal(page.items.find((item) => item.record === record)?.logId, 'gw-admin/security', 'approval decisions are security events');
  });

  it('records a refused self-approval as denied, and leaves the request pending', async () => {
    const request = await pending();
    assert.equal((await decide(request.id, 'deny', 'admin-alice')).status, 403);
    const records = (await trail.store!.query({ types: ['approval_decision'], status: 'denied' }, { limit: 10 })).items.map((item) => item.record);
    const record = records.find((candidate) => candidate.operation.arguments?.approval_id === request.id);
    assert.equal(record?.result.error?.code, 'self_approval');
    assert.equal(record?.caller.identity, 'user:alice');
    assert.deepEqual(record?.operation.arguments?.approver, { principal: JSON.stringify(['https://idp.example', 'alice']), parties: [JSON.stringify(['https://idp.example', 'console']), JSON.stringify(['https://idp.example', 'alice'])] });
    assert.equal((await approvals.get(request.id))?.status, 'pending');
  });
});
