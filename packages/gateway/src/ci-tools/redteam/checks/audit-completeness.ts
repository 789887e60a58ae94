// Red-team pattern 6 (docs/ci-tools.md): every operation the run made has an
// audit record, and the log verifies (it cannot be modified to hide
// events). Read from a Gatehouse admin listener (`--admin-url`, with an
// identity holding audit.read and audit.verify); other servers keep their
// audit elsewhere, so without it the check is skipped.

import { setTimeout as sleep } from 'node:timers/promises';
import { checkFromFindings, skippedCheck, type Finding } from '../../ci-report.ts';
import type { RedteamCheck } from '../redteam-check.ts';

const settleMs = 10_000;

export const auditCompletenessCheck: RedteamCheck = {
  id: 'audit-completeness',
  title: 'every call the run made is audited, and the audit log verifies',
  async run(context) {
    const { adminUrl, adminIdentity } = context.options;
    if (adminUrl === undefined) return skippedCheck(this.id, this.title, 'give --admin-url (a Gatehouse admin listener) and --admin-identity to read the audit');
    const admin = context.options.identities.find((identity) => identity.name === adminIdentity) ?? context.options.identities[0];
    if (admin?.token === undefined) return skippedCheck(this.id, this.title, 'no identity with a token to read the audit');
    const headers = { authorization: `Bearer ${admin.token}` };
    const expected = new Map<string, number>();
    for (const call of context.calls) expected.set(call.tool, (expected.get(call.tool) ?? 0) + 1);

    // Audit writes are asynchronous to the call they record: wait a little for the last ones.
    let missing: Array<{ tool: string; calls: number; records: number }> = [];
    const deadline = Date.now() + settleMs;
    do {
      missing = [];
      for (const [tool, calls] of expected) {
        const query = new URL('/admin/audit/records', adminUrl);
        query.searchParams.set('since', context.startedAt.toISOString().replace(/\.\d+Z$/, '').replace('Z', ''));
        query.searchParams.set('tool', tool);
        query.searchParams.set('limit', '10000');
        const response = await fetch(query, { headers });
        if (!response.ok) return checkFromFindings(this.id, this.title, `the audit query answered HTTP ${response.status}`, [{ ruleId: 'audit_unreadable', severity: 'error', message: `cannot read the audit as ${admin.name}: HTTP ${response.status} ${(await response.text()).slice(0, 160)}`, location: query.pathname }]);
        const records = ((await response.json()) as { records: unknown[] }).records.length;
        if (records < calls) missing.push({ tool, calls, records });
      }
      if (missing.length > 0) await sleep(500);
    } while (missing.length > 0 && Date.now() < deadline);

    const findings: Finding[] = missing.map((entry) => ({
      ruleId: 'operation_not_audited',
      severity: 'error',
      message: `${entry.calls} call(s) of ${entry.tool} during the run, but ${entry.records} audit record(s)`,
      location: `tools/${entry.tool}`,
      evidence: entry,
    }));
    const verify = await fetch(new URL('/admin/audit/verify', adminUrl), { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ last: 10_000 }) });
    const report = verify.ok ? ((await verify.json()) as { valid?: boolean; failure?: unknown }) : undefined;
    if (report?.valid !== true) {
      findings.push({ ruleId: 'audit_not_verifiable', severity: 'error', message: `the audit log does not verify (HTTP ${verify.status})`, location: '/admin/audit/verify', evidence: report?.failure ?? { status: verify.status } });
    }
    return checkFromFindings(this.id, this.title, `${context.calls.length} call(s) of ${expected.size} tool(s) looked up in the audit; verify ${report?.valid === true ? 'valid' : 'failed'}`, findings);
  },
};
