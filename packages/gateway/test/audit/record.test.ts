import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from '../../src/audit/canonical-json.ts';
import { buildAuditRecord, categoryOf, newAuditId, operationTypeForMethod, OPERATION_TYPES } from '../../src/audit/record.ts';
import { indexColumns, MAX_TARGETS } from '../../src/audit/record-index.ts';
import { factsFor } from './fixtures/audit-fixtures.ts';

describe('the audit record', () => {
  it('has the seed\'s chapter 7 shape, field for field', () => {
    const record = buildAuditRecord({ ...factsFor('tool_invocation', 0), auditId: 'audit_2026_05_19_abc123' });
    assert.deepEqual(record, {
      audit_id: 'audit_2026_05_19_abc123',
      timestamp: '2026-05-19T14:32:01.456Z',
      version: 'audit_v1',
      caller: { identity: 'user:user0@company.com', agent: 'agent-0', session_id: 'sess_0', trace_id: 'trc_0', client_ip: '10.0.5.42', user_agent: 'ClaudeDesktop/3.2.1' },
      operation: { type: 'tool_invocation', server: 'salesforce-mcp', name: 'get_customer', arguments: { customer_id: 'C-0' }, scope_used: 'salesforce.customers.read' },
      result: { status: 'success', duration_ms: 145, output_size_bytes: 1247, redactions: ['email_partial'], error: null },
      context: { gateway_id: 'mcp-gateway-test-1', policy_decisions: [{ policy: 'rate_limit', decision: 'allow', remaining: 58 }, { policy: 'scope_check', decision: 'allow' }] },
    });
  });

  it('builds a record for every operation type, with null for what an operation does not have', () => {
    for (const type of OPERATION_TYPES) {
      const record = buildAuditRecord({ type, startedAt: 0, durationMs: 0, gatewayId: 'gw', status: 'success' });
      assert.equal(record.operation.type, type);
      assert.deepEqual(record.caller, { identity: null, agent: null, session_id: null, trace_id: null, client_ip: null, user_agent: null });
      assert.equal(record.operation.arguments, null);
      assert.deepEqual(record.context.policy_decisions, []);
    }
  });

  it('generates distinct audit ids in the seed\'s audit_YYYY_MM_DD_ form', () => {
    const ids = new Set(Array.from({ length: 100 }, () => buildAuditRecord(factsFor('list', 0, { auditId: undefined })).audit_id));
    assert.equal(ids.size, 100);
    for (const id of ids) assert.match(id, /^audit_2026_05_19_[0-9a-f]{32}$/);
  });

  it('keeps the output only when the facts carry it (store_outputs)', () => {
    assert.equal('output' in buildAuditRecord(factsFor('tool_invocation', 0)).result, false);
    assert.deepEqual(buildAuditRecord(factsFor('tool_invocation', 0, { output: { content: [{ type: 'text', text: 'j***@company.com' }] } })).result.output, { content: [{ type: 'text', text: 'j***@company.com' }] });
  });

  it('stores arguments exactly as given, so redaction applied upstream is what is kept', () => {
    const record = buildAuditRecord(factsFor('tool_invocation', 0, { arguments: { email: 'j***@company.com', ssn: '[REDACTED]' }, redactions: ['email_partial', 'ssn'] }));
    assert.deepEqual(record.operation.arguments, { email: 'j***@company.com', ssn: '[REDACTED]' });
    assert.deepEqual(record.result.redactions, ['email_partial', 'ssn']);
  });

  it('keeps a policy\'s verdict when its details use the same names', () => {
    const record = buildAuditRecord(factsFor('tool_invocation', 0, { policyDecisions: [{ policy: 'p', decision: 'deny', reason: 'over budget', details: { decision: 'allow', policy: 'x', spent: 3 } }] }));
    assert.deepEqual(record.context.policy_decisions, [{ policy: 'p', decision: 'deny', reason: 'over budget', spent: 3 }]);
  });

  it('writes every verdict with its keys in canonical order, with and without details, so the record serializes as built', () => {
    const record = buildAuditRecord(factsFor('tool_invocation', 0, {
      policyDecisions: [{ policy: 'scope_check', decision: 'allow' }, { policy: 'cost', decision: 'deny', reason: 'over budget' }, { policy: 'rate_limit', decision: 'allow', details: { remaining: 58 } }],
    }));
    const entries = record.context.policy_decisions as unknown as Record<string, unknown>[];
    assert.deepEqual(entries.map((entry) => Object.keys(entry)), [['decision', 'policy'], ['decision', 'policy', 'reason'], ['decision', 'policy', 'remaining']]);
    assert.equal(canonicalJson(record), JSON.stringify(record));
  });

  it('files auth failures, denials, approvals and admin actions as security, the rest as routine', () => {
    const security = OPERATION_TYPES.filter((type) => categoryOf(buildAuditRecord({ type, startedAt: 0, durationMs: 0, gatewayId: 'gw', status: 'success' })) === 'security');
    assert.deepEqual(security, ['auth_failure', 'policy_denial', 'approval_decision', 'admin_action']);
    assert.equal(categoryOf(buildAuditRecord({ type: 'tool_invocation', startedAt: 0, durationMs: 0, gatewayId: 'gw', status: 'denied' })), 'security');
  });

  it('maps JSON-RPC methods to operation types', () => {
    assert.equal(operationTypeForMethod('tools/call'), 'tool_invocation');
    assert.equal(operationTypeForMethod('resources/read'), 'resource_read');
    assert.equal(operationTypeForMethod('prompts/get'), 'prompt_get');
    assert.equal(operationTypeForMethod('resources/templates/list'), 'list');
    assert.equal(operationTypeForMethod('initialize'), 'session_start');
    assert.equal(operationTypeForMethod('ping'), 'other');
  });
});

describe('the query columns of a record', () => {
  it('collects argument values at any depth, and the segments of a resource URI, as targets', () => {
    const call = indexColumns(buildAuditRecord(factsFor('tool_invocation', 0, { arguments: { filter: { ids: ['C-42', 'C-43'], limit: 5 }, note: ' ' } })));
    assert.deepEqual(call.targets, ['5', 'C-42', 'C-43']);
    const read = indexColumns(buildAuditRecord(factsFor('resource_read', 0, { name: 'crm://customers/C-42', arguments: undefined })));
    assert.deepEqual(read.targets, ['C-42', 'customers']);
  });

  it('bounds the targets of one record', () => {
    const columns = indexColumns(buildAuditRecord(factsFor('tool_invocation', 0, { arguments: { many: Array.from({ length: 100 }, (_, index) => `v${index}`), long: 'x'.repeat(500) } })));
    assert.equal(columns.targets.length, MAX_TARGETS);
    assert.equal(columns.targets.includes('x'.repeat(500)), false);
  });

  it('takes the strongest policy decision: deny over rewrite over allow', () => {
    const decision = (decisions: string[]) => indexColumns(buildAuditRecord(factsFor('tool_invocation', 0, { policyDecisions: decisions.map((value, index) => ({ policy: `p${index}`, decision: value })) }))).decision;
    assert.equal(decision([]), null);
    assert.equal(decision(['allow', 'rewrite']), 'rewrite');
    assert.equal(decision(['deny', 'allow']), 'deny');
  });

  it('names each record by the UTC day it started, across midnight and back, with a fresh random part', () => {
    const lastMs = Date.parse('2026-05-19T23:59:59.999Z');
    const ids = [lastMs, lastMs + 1, lastMs, Date.parse('2027-01-01T00:00:00.000Z')].map((at) => newAuditId(at));
    assert.deepEqual(ids.map((id) => id.slice(0, 17)), ['audit_2026_05_19_', 'audit_2026_05_20_', 'audit_2026_05_19_', 'audit_2027_01_01_']);
    for (const id of ids) assert.match(id, /^audit_\d{4}_\d{2}_\d{2}_[0-9a-f]{32}$/);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('draws the random part as a version 4 UUID without its dashes, fresh across refills of its random pool', () => {
    const ids = Array.from({ length: 1000 }, () => newAuditId(Date.parse('2026-05-19T12:00:00.000Z')));
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^audit_2026_05_19_[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
  });
});
