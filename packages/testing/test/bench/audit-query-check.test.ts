// Checks of `npm run bench:audit`'s answer check: a record matches a
// compliance question only when every filter holds, a filter the check does
// not know is refused, and the dataset's expected counts come from the same
// rule.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { syntheticRecords } from '../../../../bench/audit/dataset.ts';
import { countMatches, recordMatches, UncheckedFilterError } from '../../../../bench/audit/query-check.ts';

const DAY = 86_400_000;
const end = Date.UTC(2026, 11, 7);
const recordAt = syntheticRecords(2_000, end - 10 * DAY, end);
const records = Array.from({ length: 2_000 }, (_, index) => recordAt(index));

describe('bench:audit answer check', () => {
  it('matches a record on its agent, decision and time, and not outside any of them', () => {
    const denied = records.find((record) => record.result.status === 'denied')!;
    const at = new Date(Date.parse(denied.timestamp));
    const agent = denied.caller.agent!;
    assert.equal(recordMatches(denied, { agent, decision: 'deny', since: at, until: new Date(at.getTime() + 1) }), true);
    assert.equal(recordMatches(denied, { agent: `${agent}-other`, decision: 'deny' }), false);
    assert.equal(recordMatches(denied, { agent, decision: 'allow' }), false);
    assert.equal(recordMatches(denied, { agent, until: at }), false, 'until is exclusive');
  });

  it('matches a target among the argument values, and an operation type', () => {
    const admin = records.find((record) => record.operation.type === 'admin_action')!;
    const account = (admin.operation.arguments as { account: string }).account;
    assert.equal(recordMatches(admin, { types: ['admin_action'], target: account }), true);
    assert.equal(recordMatches(admin, { types: ['tool_invocation'], target: account }), false);
    assert.equal(recordMatches(admin, { types: ['admin_action'], target: `${account}0` }), false, 'a target is a whole value, not a prefix');
  });

  it('refuses a filter it cannot check instead of ignoring it', () => {
    assert.throws(() => recordMatches(records[0]!, { identity: 'user:x' }), UncheckedFilterError);
  });

  it('counts the dataset with the same rule as it checks a record', () => {
    const queries = [{ decision: 'deny' }, { types: ['admin_action' as const] }, { agent: 'agent-7', decision: 'deny' }];
    const counts = countMatches(records.length, syntheticRecords(2_000, end - 10 * DAY, end), queries);
    assert.deepEqual(counts, queries.map((query) => records.filter((record) => recordMatches(record, query)).length));
    assert.ok(counts[0]! > 0 && counts[1]! > 0, 'the dataset has denials and admin actions to find');
  });
});
