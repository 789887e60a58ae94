// `gatehouse vet` end to end: a maintained clone of a good server with auth
// is approved; a stale clone of a sloppy server without auth and with a
// critical advisory is rejected with its reasons; an installed npm package
// and a tarball are resolved offline; a 2026-07-28 server is recognised.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { backendScripts, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import { runCommandInProcess } from '@gatehouse/testing/ci-fixtures/command-runner';
import { startFixtureServer } from '@gatehouse/testing/ci-fixtures/fixture-launch';
import type { CiReport } from '../../../src/ci-tools/ci-report.ts';
import type { VetRecord } from '../../../src/ci-tools/vet/run-vet.ts';
import { registerVetCommand } from '../../../src/cli/commands/vet.ts';

const run = promisify(execFile);

async function vet(...args: string[]): Promise<{ report: CiReport; record: VetRecord; exitCode: number }> {
  const result = await runCommandInProcess(registerVetCommand, ['vet', ...args, '--format', 'json']);
  assert.notEqual(result.out, '', result.err);
  const report = JSON.parse(result.out) as CiReport;
  return { report, record: report.data as VetRecord, exitCode: result.exitCode };
}

const check = (report: CiReport, id: string) => report.checks.find((entry) => entry.id === id)!;

/** A git clone whose commits are dated `daysAgo` days back. */
async function makeClone(directory: string, daysAgo: number): Promise<void> {
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, 'package.json'), JSON.stringify({ name: 'community-crm-mcp', version: '0.3.0', repository: 'https://example.com/community-crm-mcp.git' }));
  const date = new Date(Date.now() - daysAgo * 86_400_000).toISOString();
  const env = { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date, GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' };
  await run('git', ['init', '-q', directory]);
  await run('git', ['-C', directory, 'add', '.'], { env });
  await run('git', ['-C', directory, 'commit', '-q', '-m', 'first'], { env });
  await writeFile(join(directory, 'README.md'), 'CRM server\n');
  await run('git', ['-C', directory, 'add', '.'], { env: { ...env, GIT_AUTHOR_EMAIL: 'grace@example.com' } });
  await run('git', ['-C', directory, 'commit', '-q', '-m', 'readme'], { env: { ...env, GIT_AUTHOR_EMAIL: 'grace@example.com' } });
}

describe('gatehouse vet', () => {
  let directory: string;
  const servers: HttpBackendProcess[] = [];
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-vet-'));
  });
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await rm(directory, { recursive: true, force: true });
  });

  it('approves a maintained clone of a server with auth, clean advisories and actionable errors', async () => {
    const server = await startFixtureServer('good', ['--tokens', 'reviewer-token']);
    servers.push(server);
    await makeClone(join(directory, 'good'), 3);
    await writeFile(join(directory, 'clean-audit.json'), JSON.stringify({ auditReportVersion: 2, vulnerabilities: {}, metadata: { vulnerabilities: { total: 0 } } }));
    const { report, record, exitCode } = await vet(join(directory, 'good'), '--server', server.url, '--token', 'reviewer-token', '--advisories', join(directory, 'clean-audit.json'));
    assert.equal(exitCode, 0);
    assert.deepEqual(record.reasons, ['every chapter 13 check passed']);
    assert.equal(record.decision, 'approve');
    assert.deepEqual(record.package, { name: 'community-crm-mcp', version: '0.3.0', repository: 'https://example.com/community-crm-mcp.git' });
    assert.match(check(report, 'repository-activity').summary, /last commit 3 day\(s\) ago, 2 commit\(s\) in 90 days, 2 author\(s\)/);
    assert.match(check(report, 'auth-support').summary, /refuses unauthenticated clients \(401/);
    assert.equal(check(report, 'client-generations').summary, 'SDK v1: 2025-11-25; SDK v2: 2025-11-25');
  });

  it('rejects a stale clone of a server without auth, with a critical advisory and errors no agent can use, giving every reason', async () => {
    const server = await startFixtureServer('sloppy');
    servers.push(server);
    await makeClone(join(directory, 'stale'), 400);
    await writeFile(join(directory, 'audit.json'), JSON.stringify([{ package: 'node-serialize', severity: 'critical', title: 'remote code execution' }]));
    const { record, exitCode } = await vet(join(directory, 'stale'), '--server', server.url, '--advisories', join(directory, 'audit.json'));
    assert.equal(exitCode, 1);
    assert.equal(record.decision, 'reject');
    const reasons = record.reasons.join('\n');
    assert.match(reasons, /^repository-activity: no commit for 400 days/m);
    assert.match(reasons, /^dependency-advisories: node-serialize: critical advisory, remote code execution/m);
    assert.match(reasons, /^auth-support: the server opened a session without any token/m);
    assert.match(reasons, /^error-quality: calling an unknown tool: the error says too little \("Error"\)/m);
    assert.match(reasons, /^error-quality: calling get_customer without its required "customer_id": the error is a stack trace/m);
  });

  it('resolves an installed npm package offline and says which checks need more', async () => {
    const { record, exitCode } = await vet('@modelcontextprotocol/server-everything');
    assert.equal(exitCode, 0);
    assert.equal(record.package?.name, '@modelcontextprotocol/server-everything');
    assert.equal(record.decision, 'approve-with-conditions');
    assert.ok(record.reasons.some((reason) => reason.startsWith('auth-support not checked: no running server')), record.reasons.join('\n'));
  });

  it('reads a package tarball', async () => {
    await mkdir(join(directory, 'pack', 'package'), { recursive: true });
    await writeFile(join(directory, 'pack', 'package', 'package.json'), JSON.stringify({ name: 'packed-mcp', version: '1.2.3' }));
    await run('tar', ['-czf', join(directory, 'packed-mcp-1.2.3.tgz'), '-C', join(directory, 'pack'), 'package']);
    const { record } = await vet(join(directory, 'packed-mcp-1.2.3.tgz'));
    assert.deepEqual(record.package, { name: 'packed-mcp', version: '1.2.3' });
  });

  it('recognises a server speaking 2026-07-28 that also serves the 2025 client', async () => {
    const { report } = await vet(`stdio:${process.execPath} ${backendScripts.v2} --stdio`);
    assert.equal(check(report, 'protocol-revision').summary, 'speaks 2026-07-28');
    assert.equal(check(report, 'client-generations').summary, 'SDK v1: 2025-11-25; SDK v2: 2026-07-28');
  });

  it('exits 2 for a package that is not installed, since it stays offline', async () => {
    const result = await runCommandInProcess(registerVetCommand, ['vet', 'no-such-mcp-server-package']);
    assert.equal(result.exitCode, 2);
    assert.match(result.err, /not installed under .*vet stays offline; run npm pack no-such-mcp-server-package and vet the .tgz/);
  });
});
