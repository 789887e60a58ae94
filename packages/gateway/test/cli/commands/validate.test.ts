import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { registerValidateCommand } from '../../../src/cli/commands/validate.ts';
import type { CommandIo } from '../../../src/cli/commands/command-io.ts';
import { createTempDirectory, MINIMAL_YAML, SEED_CHAPTER_6_AS_RUN_YAML, SEED_CHAPTER_6_CREDENTIALS, SEED_CHAPTER_6_YAML, type TempDirectory } from '../../fixtures/config-files.ts';

const CLI = fileURLToPath(new URL('../../fixtures/config-cli.ts', import.meta.url));

/** Runs `validate` in-process and returns what it printed and its exit code. */
async function runValidate(args: string[], env: Record<string, string> = {}) {
  const result = { out: [] as string[], err: [] as string[], exitCode: 0 };
  const io: CommandIo = { out: (line) => result.out.push(line), err: (line) => result.err.push(line), fail: (code) => (result.exitCode = code), env };
  const program = new Command().exitOverride();
  registerValidateCommand(program, io);
  await program.parseAsync(['validate', ...args], { from: 'user' });
  return result;
}

describe('gatehouse validate', () => {
  let directory: TempDirectory;
  before(async () => {
    directory = await createTempDirectory();
  });
  after(() => directory.remove());

  it('prints OK with the number of backends and policies and exits 0; nothing is accepted and left inactive', async () => {
    const file = await directory.write('seed-as-run.yaml', SEED_CHAPTER_6_AS_RUN_YAML);
    const result = await runValidate([file], { ...SEED_CHAPTER_6_CREDENTIALS });
    assert.equal(result.exitCode, 0, result.err.join('\n'));
    assert.deepEqual(result.out, [`OK: ${file} is valid (3 backends, 3 policies)`]);
    assert.deepEqual(result.err, []);
  });

  it("refuses the seed's keys that would do nothing, each with the file, the key and what to use instead, as a real process", async () => {
    const file = await directory.write('seed.yaml', SEED_CHAPTER_6_YAML);
    await assert.rejects(promisify(execFile)(process.execPath, [CLI, 'validate', file], { env: { ...process.env, GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_SALESFORCE: 'salesforce-service-token' } }), (error: { code?: number; stdout?: string; stderr?: string }) => {
      assert.equal(error.code, 1);
      assert.equal(error.stdout, '');
      assert.deepEqual((error.stderr ?? '').trimEnd().split('\n'), [
        `${file}: audit.backend: is not supported: audit records are kept in the gateway's own store (audit.store: sqlite with audit.path, or postgres with audit.postgres_url), which is what makes them tamper-evident and queryable; to ship them to an external pipeline, run "gatehouse audit export --to <destination>" (a file, an https webhook or NATS JetStream; docs/audit.md). Remove this key`,
      ]);
      return true;
    });
    const withoutAuditBackend = await directory.write('seed-backends.yaml', SEED_CHAPTER_6_YAML.replace('  backend: audit-pipeline.company.com\n', ''));
    const result = await runValidate([withoutAuditBackend], { GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_SALESFORCE: 'salesforce-service-token' });
    assert.equal(result.exitCode, 1);
    assert.deepEqual(result.err, [
      `${withoutAuditBackend}: backends[1].auth: the credential "service-account-confluence" is not defined: set GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CONFLUENCE (the bearer token) or GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CONFLUENCE_FILE (the path of a file holding it, such as a mounted Kubernetes or Docker secret) in the gateway's environment`,
      `${withoutAuditBackend}: backends[2].auth: token passthrough is forbidden by the MCP authorization spec (Security Best Practices, "Token Passthrough"): the caller's token was issued for the gateway, not for this backend; to call this backend on the caller's behalf, use auth: { type: token_exchange, token_url: ..., audience: <the backend's audience> } (RFC 8693), which gets a token issued for the backend. Only if this backend validates tokens issued for the gateway's own audience, declare it: auth: { type: oauth_passthrough, audience: <authentication.audience> }`,
    ]);
  });

  it('prints every problem on stderr and exits 1 for an invalid file', async () => {
    const file = await directory.write('bad.yaml', 'backends:\n  - name: a\n    url: ftp://x\n    tiemout_ms: 5\n');
    const result = await runValidate([file]);
    assert.equal(result.exitCode, 1);
    assert.deepEqual(result.out, []);
    assert.deepEqual(result.err, [`${file}: backends[0].url: expected an http(s) URL, got "ftp://x"`, `${file}: backends[0].tiemout_ms: unknown key (did you mean "timeout_ms"?)`]);
  });

  it('checks every policy\'s settings, naming the file, the key and what was expected', async () => {
    const file = await directory.write('policies.yaml', [
      'backends:', '  - name: crm', '    url: http://crm.internal/mcp',
      'policies:',
      '  - name: rate_limit_per_user', '    type: rate_limit', '    requests_per_minute: lots',
      '  - name: approvals', '    type: approval', '    rules:', '      - tool: send_mass_email', '        when: args.recipient_count >> 1000',
      '  - name: custom_redaction', '    type: response_filter', '    custom:', '      - name: ticket', "        pattern: 'TICKET-(\\d+'",
      '  - name: shared_budget', '    type: step_budget', '    max_steps: 10', '    store: redis',
      '  - name: mystery', '    type: teleport',
      '  - name: pins', '    type: tool_pinning', '    mode: trust_on_first_use', '    colour: blue',
      '',
    ].join('\n'));
    const result = await runValidate([file]);
    assert.equal(result.exitCode, 1);
    assert.deepEqual(result.out, []);
    assert.equal(result.err.length, 6, result.err.join('\n'));
    assert.equal(result.err[0], `${file}: policies[0].settings.requests_per_minute: expected a whole number from 1 to 1000000000, got "lots"`);
    assert.match(result.err[1]!, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: policies\\[1\\]\\.settings\\.rules\\[0\\]\\.when: invalid CEL at line 1, column \\d+: `));
    assert.match(result.err[2]!, /: policies\[2\]\.settings\.custom\[0\]\.pattern: expected a valid regular expression: .*Unterminated group/);
    assert.equal(result.err[3], `${file}: policies[3].settings.store: expected "memory" or "auto": this gateway has no Redis connection (set session_store to a redis:// URL)`);
    assert.match(result.err[4]!, /: policies\[4\]\.type: unknown policy type "teleport"; expected one of scope_check, /);
    assert.match(result.err[5]!, /: policies\[5\]\.settings\.colour: unknown key/);
  });

  it('checks an approval rule\'s approver tiers, naming the file, the key and what was expected', async () => {
    const file = await directory.write('approval-tiers.yaml', [
      'backends:', '  - name: crm', '    url: http://crm.internal/mcp',
      'policies:',
      '  - name: payment_approval', '    type: approval', '    rules:',
      '      - tool: crm/pay', '        approvers_required: 0', '        approver_role: ""',
      '',
    ].join('\n'));
    const result = await runValidate([file]);
    assert.equal(result.exitCode, 1);
    assert.deepEqual(result.err, [
      `${file}: policies[0].settings.rules[0].approvers_required: expected a whole number from 1 to 10, got 0`,
      `${file}: policies[0].settings.rules[0].approver_role: expected one role name such as finance, got ""`,
    ]);
  });

  it('validates policies without opening their stores: no pin file is created', async () => {
    const pins = `${directory.path}/pins-never-created.sqlite`;
    const file = await directory.write('pins.yaml', ['backends:', '  - name: crm', '    url: http://crm.internal/mcp', 'policies:', '  - name: tool_pinning', '    type: tool_pinning', `    path: ${pins}`, ''].join('\n'));
    const result = await runValidate([file]);
    assert.equal(result.exitCode, 0, result.err.join('\n'));
    assert.equal(result.out[0], `OK: ${file} is valid (1 backend, 1 policy)`);
    assert.equal(existsSync(pins), false);
  });

  it('interpolates with the environment it is given', async () => {
    const file = await directory.write('env.yaml', 'backends:\n  - name: a\n    url: ${A_URL}\n');
    assert.equal((await runValidate([file])).exitCode, 1);
    assert.equal((await runValidate([file], { A_URL: 'http://a' })).exitCode, 0);
  });

  it('runs as a real process: exit 0 and OK for a valid file, exit 1 and the problem for a missing one', async () => {
    const file = await directory.write('minimal.yaml', MINIMAL_YAML);
    const valid = await promisify(execFile)(process.execPath, [CLI, 'validate', file]);
    assert.equal(valid.stdout, `OK: ${file} is valid (1 backend, 0 policies)\n`);
    const missing = `${directory.path}/absent.yaml`;
    await assert.rejects(promisify(execFile)(process.execPath, [CLI, 'validate', missing]), (error: { code?: number; stderr?: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr ?? '', /absent\.yaml: no such file/);
      return true;
    });
  });
});
