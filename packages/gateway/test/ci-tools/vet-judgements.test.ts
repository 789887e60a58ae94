// The pure parts of `gatehouse vet`: advisories in both accepted shapes,
// repository activity, error-message quality, and the verdict.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAdvisories } from '../../src/ci-tools/vet/dependency-advisories.ts';
import { judgeErrorMessage } from '../../src/ci-tools/vet/live-checks.ts';
import { judgeActivity } from '../../src/ci-tools/vet/repository-activity.ts';
import { decideVerdict } from '../../src/ci-tools/vet/vet-verdict.ts';
import type { CheckResult } from '../../src/ci-tools/ci-report.ts';

describe('parseAdvisories', () => {
  it('reads npm audit --json output, direct and transitive', () => {
    const audit = {
      auditReportVersion: 2,
      vulnerabilities: {
        'path-to-regexp': { name: 'path-to-regexp', severity: 'high', via: [{ source: 1, title: 'ReDoS in path-to-regexp', url: 'https://github.com/advisories/GHSA-9wv6' }] },
        express: { name: 'express', severity: 'high', via: ['path-to-regexp'] },
      },
      metadata: { vulnerabilities: { high: 2, total: 2 } },
    };
    assert.deepEqual(parseAdvisories(audit), [
      { package: 'path-to-regexp', severity: 'high', title: 'ReDoS in path-to-regexp', id: 'https://github.com/advisories/GHSA-9wv6' },
      { package: 'express', severity: 'high', title: 'through path-to-regexp' },
    ]);
  });

  it('reads a plain list, mapping medium to moderate', () => {
    assert.deepEqual(parseAdvisories([{ package: 'zod', severity: 'MEDIUM', title: 'x' }]), [{ package: 'zod', severity: 'moderate', title: 'x' }]);
  });

  it('refuses a document of neither shape', () => {
    assert.throws(() => parseAdvisories({ results: [] }), { code: 'source_invalid' });
  });
});

describe('judgeActivity', () => {
  const activity = (days: number, authors = 3) => ({ lastCommitAt: 'x', daysSinceLastCommit: days, commitsLast90Days: days > 90 ? 0 : 5, authorsLastYear: authors });
  it('rejects a repository untouched for six months', () => assert.equal(judgeActivity(activity(200))[0]?.severity, 'error'));
  it('warns about one quiet for more than 90 days', () => assert.equal(judgeActivity(activity(120))[0]?.severity, 'warning'));
  it('notes a single maintainer', () => assert.equal(judgeActivity(activity(3, 1))[0]?.ruleId, 'single_maintainer'));
  it('passes an active, shared one', () => assert.deepEqual(judgeActivity(activity(3)), []));
});

describe('judgeErrorMessage', () => {
  const failure = (text: string) => ({ isError: true, text });
  it('accepts an error that names the problem and the way forward', () => {
    assert.equal(judgeErrorMessage(failure('Missing required argument "customer_id"; call again with it set'), 'customer_id'), undefined);
  });
  it('refuses a stack trace', () => assert.match(judgeErrorMessage(failure("TypeError: x\n    at getCustomer (/srv/tools.js:1:2)"))!, /stack trace/));
  it('refuses a bare word', () => assert.match(judgeErrorMessage(failure('Error'))!, /says too little/));
  it('refuses a generic sentence', () => assert.match(judgeErrorMessage(failure('Internal server error'))!, /too little|generic/));
  it('refuses an error that does not name the missing argument', () => assert.match(judgeErrorMessage(failure('Customer not found, try another ID please'), 'customer_id')!, /does not name/));
  it('refuses a success where an error was due', () => assert.match(judgeErrorMessage({ isError: false, text: 'ok' })!, /succeeded/));
});

describe('decideVerdict', () => {
  const check = (id: string, status: CheckResult['status'], severity?: 'error' | 'warning'): CheckResult => ({
    id,
    title: id,
    status,
    summary: `${id} summary`,
    findings: severity === undefined ? [] : [{ ruleId: id, severity, message: `${id} problem` }],
  });
  it('rejects on an error, with the errors first among the reasons', () => {
    assert.deepEqual(decideVerdict([check('a', 'passed', 'warning'), check('b', 'failed', 'error')]), { decision: 'reject', reasons: ['b: b problem', 'a: a problem'] });
  });
  it('approves with conditions on warnings or unanswered checks', () => {
    assert.deepEqual(decideVerdict([check('a', 'passed'), check('b', 'skipped')]), { decision: 'approve-with-conditions', reasons: ['b not checked: b summary'] });
  });
  it('approves when everything passed', () => assert.equal(decideVerdict([check('a', 'passed')]).decision, 'approve'));
});
