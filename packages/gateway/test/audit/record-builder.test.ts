// buildAuditRecord writes optional keys by choosing between whole literals:
// the records must serialize exactly as those of the spread-based builder it
// replaced, key order included, so that every hash stays the same.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson } from '../../src/audit/canonical-json.ts';
import { buildAuditRecord, OPERATION_TYPES, RESULT_STATUSES, type AuditFacts, type AuditRecord, type PolicyDecisionFact } from '../../src/audit/record.ts';

/** The builder as it was written before (audit_id always given here), kept as the reference. */
function referenceBuild(facts: AuditFacts): AuditRecord {
  const caller = facts.caller ?? {};
  const result: AuditRecord['result'] = {
    duration_ms: Math.max(0, Math.round(facts.durationMs)),
    error: facts.error === undefined ? null : { code: facts.error.code, message: facts.error.message },
    ...(facts.output === undefined ? {} : { output: facts.output }),
    output_size_bytes: Math.max(0, Math.round(facts.outputSizeBytes ?? 0)),
    redactions: facts.redactions === undefined ? [] : [...facts.redactions],
    status: facts.status,
  };
  return {
    audit_id: facts.auditId!,
    caller: {
      agent: caller.agent ?? null,
      client_ip: caller.clientIp ?? null,
      identity: caller.identity ?? null,
      session_id: caller.sessionId ?? null,
      ...(caller.tenant === undefined ? {} : { tenant: caller.tenant }),
      trace_id: caller.traceId ?? null,
      user_agent: caller.userAgent ?? null,
    },
    context: {
      ...(facts.attemptId === undefined ? {} : { attempt_id: facts.attemptId }),
      gateway_id: facts.gatewayId,
      policy_decisions: (facts.policyDecisions ?? []).map(referenceDecision),
    },
    operation: { arguments: facts.arguments ?? null, name: facts.name ?? null, scope_used: facts.scopeUsed ?? null, server: facts.server ?? null, type: facts.type },
    result,
    timestamp: new Date(facts.startedAt).toISOString(),
    version: 'audit_v1',
  } as AuditRecord;
}

function referenceDecision(fact: PolicyDecisionFact): AuditRecord['context']['policy_decisions'][number] {
  const merged: Record<string, unknown> = { ...fact.details, policy: fact.policy, decision: fact.decision };
  if (fact.reason !== undefined) merged.reason = fact.reason;
  const entry: Record<string, unknown> = {};
  for (const key of Object.keys(merged).sort()) entry[key] = merged[key];
  return entry as AuditRecord['context']['policy_decisions'][number];
}

const text = fc.string({ maxLength: 8 });
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
const decision = fc.record(
  {
    policy: text,
    decision: fc.constantFrom('allow', 'deny', 'rewrite', 'flag'),
    reason: optional(text),
    // Details' keys: random ones, the verdict's own (which it overrides), digit strings (which objects order first) and the default chain's.
    details: optional(fc.dictionary(fc.oneof(text, fc.constantFrom('decision', 'policy', 'reason', '0', '12', 'limit', 'remaining', 'run', 'spent_usd', 'z', 'a')), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 })),
  },
  { requiredKeys: ['policy', 'decision'] },
);
const facts: fc.Arbitrary<AuditFacts> = fc.record(
  {
    type: fc.constantFrom(...OPERATION_TYPES),
    startedAt: fc.double({ min: 0, max: 4_102_444_800_000, noNaN: true }),
    durationMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
    gatewayId: text,
    status: fc.constantFrom(...RESULT_STATUSES),
    caller: optional(fc.record({ identity: optional(text), agent: optional(text), sessionId: optional(text), tenant: optional(text), traceId: optional(text), clientIp: optional(text), userAgent: optional(text) })),
    server: optional(text),
    name: optional(text),
    arguments: optional(fc.dictionary(text, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })),
    scopeUsed: optional(text),
    outputSizeBytes: optional(fc.integer({ min: 0, max: 1e9 })),
    output: optional(fc.jsonValue({ maxDepth: 2 })),
    redactions: optional(fc.array(text, { maxLength: 3 })),
    error: optional(fc.record({ code: fc.oneof(text, fc.integer()), message: text })),
    policyDecisions: optional(fc.array(decision, { maxLength: 4 })),
    auditId: text,
    attemptId: optional(text),
  },
  { requiredKeys: ['type', 'startedAt', 'durationMs', 'gatewayId', 'status', 'auditId'] },
) as fc.Arbitrary<AuditFacts>;

describe('buildAuditRecord', () => {
  it('writes the timestamp as new Date(startedAt).toISOString(), fractional and repeated times included', () => {
    const times = [1_779_148_800_000.9, 1_779_148_800_000.1, 1_779_148_800_001, 1_779_148_800_000, -1.5, 0, 0.25, 253_402_300_799_999.5];
    for (const startedAt of [...times, ...times.toReversed(), ...times]) {
      const record = buildAuditRecord({ type: 'list', startedAt, durationMs: 0, gatewayId: 'gw', status: 'success', auditId: 'a' });
      assert.equal(record.timestamp, new Date(startedAt).toISOString());
    }
    fc.assert(fc.property(fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true }), (startedAt) => {
      assert.equal(buildAuditRecord({ type: 'list', startedAt, durationMs: 0, gatewayId: 'gw', status: 'success', auditId: 'a' }).timestamp, new Date(startedAt).toISOString());
    }));
    assert.throws(() => buildAuditRecord({ type: 'list', startedAt: Number.NaN, durationMs: 0, gatewayId: 'gw', status: 'success', auditId: 'a' }), RangeError);
  });

  it('serializes exactly as the spread-based builder did, key order included', () => {
    fc.assert(
      fc.property(facts, (given) => {
        const built = buildAuditRecord(given);
        const reference = referenceBuild(given);
        assert.equal(JSON.stringify(built), JSON.stringify(reference));
        assert.equal(canonicalJson(built), canonicalJson(reference));
      }),
      { numRuns: 500 },
    );
  });
});
