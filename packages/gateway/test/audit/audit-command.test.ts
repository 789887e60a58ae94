// `gatehouse audit verify|query|export|retain` against a real SQLite store
// named by a real gatehouse.yaml, run in-process (output captured) and once
// as a child process (exit code, plain progress lines).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { loadOrCreateSigningKey } from '../../src/audit/checkpoint.ts';
import { buildAuditRecord, type AuditRecord } from '../../src/audit/record.ts';
import { SqliteAuditSink } from '../../src/audit/sqlite-sink.ts';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.ts';
import { createProgressReporter } from '../../src/cli/commands/audit-progress.ts';
import { registerAuditCommand } from '../../src/cli/commands/audit.ts';
import type { CommandIo } from '../../src/cli/commands/command-io.ts';
import { createTempDirectory, factsFor, type TempDirectory } from './fixtures/audit-fixtures.ts';

const CLI = fileURLToPath(new URL('./fixtures/audit-cli.ts', import.meta.url));
const NOW = new Date(Date.UTC(2026, 4, 20, 15));

interface Run {
  out: string[];
  err: string[];
  terminal: string;
  exitCode: number;
}

async function gatehouse(args: string[], isTty = false): Promise<Run> {
  const run: Run = { out: [], err: [], terminal: '', exitCode: 0 };
  const io: CommandIo = { out: (line) => run.out.push(line), err: (line) => run.err.push(line), fail: (code) => (run.exitCode = code), env: {} };
  const program = new Command().exitOverride();
  registerAuditCommand(program, { io, terminal: { isTty, write: (text) => (run.terminal += text) }, now: () => NOW });
  await program.parseAsync(['audit', ...args], { from: 'user' });
  return run;
}

function records(): AuditRecord[] {
  const at = (iso: string) => Date.parse(iso);
  return [
    factsFor('tool_invocation', 0, { startedAt: at('2026-02-10T09:00:00Z'), caller: { identity: 'user:alice@company.com', agent: 'claude-support' }, arguments: { customer_id: 'C-42' } }),
    factsFor('tool_invocation', 1, { startedAt: at('2026-03-10T09:00:00Z'), caller: { identity: 'user:bob@company.com', agent: 'claude-support' }, arguments: { customer_id: 'C-7' } }),
    factsFor('admin_action', 2, { startedAt: at('2026-05-01T10:00:00Z'), caller: { identity: 'user:ops@company.com', agent: 'ops-agent' }, name: 'backend.disable', arguments: { account: 'ACCT-7' } }),
    factsFor('policy_denial', 3, { startedAt: at('2026-05-20T08:00:00Z'), caller: { identity: 'user:alice@company.com', agent: 'claude-support' } }),
    factsFor('policy_denial', 4, { startedAt: at('2026-05-20T09:00:00Z'), caller: { identity: 'user:alice@company.com', agent: 'other-agent' } }),
    ...Array.from({ length: 6 }, (_, index) => factsFor('tool_invocation', 10 + index, { startedAt: at('2026-05-20T10:00:00Z') + index, caller: { identity: 'user:pager@company.com', agent: 'pager' } })),
  ].map((facts) => buildAuditRecord(facts));
}

describe('gatehouse audit', () => {
  let directory: TempDirectory;
  let config: string;

  before(async () => {
    directory = await createTempDirectory();
    config = join(directory.path, 'gatehouse.yaml');
    await writeFile(config, 'backends:\n  - name: crm\n    command: node\n    args: [server.js]\naudit:\n  store: sqlite\n  path: ./store/audit.db\n');
    const key = await loadOrCreateSigningKey(join(directory.path, 'store', 'audit-signing-key.pem'));
    const sink = await SqliteAuditSink.open({ path: join(directory.path, 'store', 'audit.db'), gatewayId: 'gw-cli', signingKey: key });
    for (const record of records()) await sink.append(record);
    await sink.close();
  });
  after(() => directory.remove());

  it('verify reports every log and exits 0 on an intact store', async () => {
    const run = await gatehouse(['verify', '--config', config]);
    assert.equal(run.exitCode, 0, run.err.join('\n'));
    assert.match(run.out[0]!, /^OK: 2 logs, 11 records verified in [\d.]+ s \(.*audit\.db\)$/);
    assert.match(run.out.join('\n'), /gw-cli\/routine: 8 records, 1 checkpoints; latest checkpoint: size 8/);
    assert.deepEqual(run.err, []);
  });

  it('verify draws a progress bar on a terminal', async () => {
    const run = await gatehouse(['verify', '--config', config], true);
    assert.match(run.terminal, /\rverifying \[=+>?\s*\] 100% 11\/11 records/);
    assert.ok(run.terminal.endsWith('\n'));
  });

  it('answers who accessed customer C-42 last quarter in one command', async () => {
    const run = await gatehouse(['query', '--config', config, '--target', 'C-42', '--period', 'last-quarter', '--format', 'json']);
    assert.equal(run.exitCode, 0, run.err.join('\n'));
    const found = JSON.parse(run.out.join('\n')) as AuditRecord[];
    assert.deepEqual(found.map((record) => record.caller.identity), ['user:alice@company.com']);
    assert.deepEqual(Object.keys(found[0]!), ['audit_id', 'timestamp', 'version', 'caller', 'operation', 'result', 'context']);
  });

  it('answers whether any agent took administrative actions on an account in one command', async () => {
    const run = await gatehouse(['query', '--config', config, '--type', 'admin_action', '--target', 'ACCT-7']);
    const lines = run.out.join('\n').split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, /user:ops@company\.com\s+ops-agent\s+admin_action/);
    assert.deepEqual(run.err, ['1 record']);
  });

  it('answers every denial for an agent today in one command, as CSV', async () => {
    const run = await gatehouse(['query', '--config', config, '--agent', 'claude-support', '--decision', 'deny', '--period', 'today', '--format', 'csv']);
    const lines = run.out.join('\n').split('\r\n');
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, /^audit_[0-9a-f_]+,2026-05-20T08:00:00\.000Z,user:alice@company\.com,claude-support,/);
  });

  it('pages with --limit and --cursor, and prints every page as one JSON array with --all', async () => {
    const first = await gatehouse(['query', '--config', config, '--agent', 'pager', '--limit', '4', '--format', 'csv']);
    const next = first.err.find((line) => line.startsWith('next page: --cursor '))!.slice('next page: --cursor '.length);
    const second = await gatehouse(['query', '--config', config, '--agent', 'pager', '--limit', '4', '--format', 'csv', '--cursor', next]);
    assert.equal(second.out.join('\n').split('\r\n').length, 2 + 1);
    const all = await gatehouse(['query', '--config', config, '--agent', 'pager', '--limit', '4', '--all', '--format', 'json']);
    assert.equal((JSON.parse(all.out.join('\n')) as unknown[]).length, 6);
  });

  it('refuses a bad time with a message and exit code 1', async () => {
    const run = await gatehouse(['query', '--config', config, '--since', 'last tuesday']);
    assert.equal(run.exitCode, 1);
    assert.match(run.err[0]!, /"last tuesday" is not a time/);
  });

  it('exports to a JSON-lines file and resumes', async () => {
    const target = join(directory.path, 'siem.jsonl');
    const first = await gatehouse(['export', '--config', config, '--to', `file:${target}`]);
    assert.equal(first.out[0], `exported 11 records to file:${target}`);
    const second = await gatehouse(['export', '--config', config, '--to', `file:${target}`]);
    assert.equal(second.out[0], `exported 0 records to file:${target}`);
    assert.equal((await readFile(target, 'utf8')).trimEnd().split('\n').length, 11);
  });

  it('verify prints plain progress lines when stderr is not a terminal, as a real process', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, 'audit', 'verify', '--config', config]);
    assert.match(stdout, /^OK: 2 logs, 11 records verified/);
    assert.match(stderr, /^verifying: 11\/11 records \(100%\)$/m);
  });

  it('verify names the first altered record and exits 1, as a real process', async () => {
    const copy = join(directory.path, 'tampered');
    const tamperedConfig = join(copy, 'gatehouse.yaml');
    const { cp } = await import('node:fs/promises');
    await cp(join(directory.path, 'store'), join(copy, 'store'), { recursive: true });
    await writeFile(tamperedConfig, await readFile(config, 'utf8'));
    const store = new SqliteAuditStore(join(copy, 'store', 'audit.db'));
    store.execute("UPDATE audit_entries SET record = replace(record, 'C-7', 'C-8') WHERE log_id = 'gw-cli/routine' AND seq = 1");
    await store.close();

    const result = await promisify(execFile)(process.execPath, [CLI, 'audit', 'verify', '--config', tamperedConfig]).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^FAILED: record seq 1 \(audit_[0-9a-f_]+\) of gw-cli\/routine does not match its hash/);
  });
});

describe('verify progress', () => {
  it('prints a plain line each 10% when stderr is not a terminal', () => {
    let text = '';
    const progress = createProgressReporter({ isTty: false, write: (chunk) => (text += chunk) }, 'verifying', () => 0);
    for (let done = 0; done <= 100; done += 5) progress.update(done, 100);
    progress.finish();
    assert.equal(text.split('\n').filter(Boolean).length, 11);
    assert.match(text, /^verifying: 100\/100 records \(100%\)$/m);
  });
});
