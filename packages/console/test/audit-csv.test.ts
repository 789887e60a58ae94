// The audit search's CSV export: one row per record in RFC 4180 quoting, and
// no cell a spreadsheet would run as a formula (OWASP CSV injection), since
// tool arguments are written by agents.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { recordsToCsv } from '../src/pages/audit-csv.ts';
import type { AuditRecord } from '../src/pages/audit-record.ts';

function record(overrides: { name?: string; arguments?: Record<string, unknown> | null; error?: AuditRecord['result']['error'] } = {}): AuditRecord {
  return {
    audit_id: 'audit_1',
    timestamp: '2026-12-07T06:00:00.000Z',
    caller: { identity: 'agent:admin', agent: 'admin', session_id: 's-1', trace_id: null, client_ip: '127.0.0.1', user_agent: 'node' },
    operation: { type: 'tool_invocation', server: 'crm', name: overrides.name ?? 'send_mass_email', arguments: overrides.arguments === undefined ? { segment: 'newsletter' } : overrides.arguments, scope_used: null },
    result: { status: 'success', duration_ms: 12, output_size_bytes: 40, redactions: [], error: overrides.error ?? null },
    context: { gateway_id: 'gw', policy_decisions: [{ policy: 'mass_email_approval', decision: 'allow' }] },
  };
}

describe('recordsToCsv', () => {
  it('writes a header and one row per record, quoting JSON arguments', () => {
    const lines = recordsToCsv([record()]).split('\r\n');
    assert.equal(lines[0], 'audit_id,timestamp,type,identity,agent,session_id,server,name,status,duration_ms,decisions,error,arguments');
    assert.equal(lines[1], 'audit_1,2026-12-07T06:00:00.000Z,tool_invocation,agent:admin,admin,s-1,crm,send_mass_email,success,12,mass_email_approval:allow,,"{""segment"":""newsletter""}"');
    assert.equal(lines[2], '');
  });

  it('defuses a cell that starts like a spreadsheet formula', () => {
    const row = recordsToCsv([record({ name: '=HYPERLINK("http://evil.example")', arguments: null, error: { code: -32000, message: '@SUM(A1)' } })]).split('\r\n')[1]!;
    assert.match(row, /,"'=HYPERLINK\(""http:\/\/evil\.example""\)",/);
    assert.match(row, /,'-32000: @SUM\(A1\),/);
  });
});
