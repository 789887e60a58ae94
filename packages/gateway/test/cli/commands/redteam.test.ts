// `gatehouse redteam` end to end: clean against the embedded default (the
// gateway `npm start` runs, with the demo agents' tokens), and the findings
// it must report against deliberately bad fixture servers: a poisoned
// description, a PII leak, no authentication, a rug pull, sessions any
// identity can use.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import { runCliProcess, runCommandInProcess } from '@gatehouse/testing/ci-fixtures/command-runner';
import { fixtureStdioTarget, startFixtureServer } from '@gatehouse/testing/ci-fixtures/fixture-launch';
import { startGateway, type GatewayProcess } from '@gatehouse/testing/gateway/launch-gateway';
import type { CiReport } from '../../../src/ci-tools/ci-report.ts';
import { DEFAULT_CONFIG_PATH } from '../../../src/config/default-config.ts';
import { registerRedteamCommand } from '../../../src/cli/commands/redteam.ts';
import { registerSchemaCommand } from '../../../src/cli/commands/schema.ts';

async function redteam(...args: string[]): Promise<{ report: CiReport; exitCode: number; err: string }> {
  const result = await runCommandInProcess(registerRedteamCommand, ['redteam', ...args, '--format', 'json']);
  assert.notEqual(result.out, '', result.err);
  return { report: JSON.parse(result.out) as CiReport, exitCode: result.exitCode, err: result.err };
}

const check = (report: CiReport, id: string) => report.checks.find((entry) => entry.id === id)!;
const rules = (report: CiReport, id: string) => check(report, id).findings.map((finding) => finding.ruleId);

describe('gatehouse redteam against the embedded default', () => {
  let gateway: GatewayProcess;
  const tokens: string[] = [];

  let stateDirectory: string;

  before(async () => {
    // The shipped default word for word, but with its audit log and tool pins in a directory of this
    // test's own: another gateway appending to the shared log would fork its hash chain under the verify.
    stateDirectory = await mkdtemp(join(tmpdir(), 'gatehouse-redteam-'));
    const config = (await readFile(DEFAULT_CONFIG_PATH, 'utf8')).replaceAll('${GATEHOUSE_ROOT}/.gatehouse/', `${stateDirectory}/`);
    await writeFile(join(stateDirectory, 'gatehouse.yaml'), config);
    gateway = await startGateway({
      args: ['--config', join(stateDirectory, 'gatehouse.yaml'), '--port', '0', '--admin-port', '0'],
      env: { GATEHOUSE_LOG_LEVEL: 'warn', GATEHOUSE_IDP_PORT: '0' },
      waitFor: 'ready',
    });
    const base = gateway.url.replace(/\/mcp$/, '');
    for (const agent of ['admin', 'support', 'research']) {
      const issued = await runCliProcess(['token', '--agent', agent, '--gateway', base]);
      assert.equal(issued.exitCode, 0, issued.err);
      tokens.push('--token', `${agent}=${issued.out.trim().split('\n').at(-1)}`);
    }
  });
  after(async () => {
    await gateway?.close();
    await rm(stateDirectory, { recursive: true, force: true });
  });

  it('reports clean: every applicable check passes with no finding, and the gateway-side ones actually ran', async () => {
    const { report, exitCode } = await redteam(gateway.url, ...tokens, '--admin-url', gateway.adminUrl!, '--admin-identity', 'admin');
    const findings = report.checks.flatMap((entry) => entry.findings.map((finding) => `${entry.id}: ${finding.message}`));
    assert.deepEqual(findings, []);
    assert.equal(exitCode, 0);
    const statuses = Object.fromEntries(report.checks.map((entry) => [entry.id, entry.status]));
    assert.deepEqual(statuses, {
      authentication: 'passed',
      'token-audience': 'passed',
      'session-binding': 'passed',
      'description-poisoning': 'passed',
      'rug-pull': 'passed',
      'prompt-injection': 'passed',
      'scope-escalation': 'passed',
      'data-exfiltration': 'passed',
      'rate-limit': 'passed',
      'cost-ceiling': 'skipped',
      'audit-completeness': 'passed',
    });
    // Passing for the right reasons: the probe was refused by screening, the burst met the limit.
    assert.match(check(report, 'prompt-injection').summary, /refused: .*instructions to an AI model/);
    assert.match(check(report, 'rate-limit').summary, /was refused after .* Rate limit reached/);
    assert.match(check(report, 'scope-escalation').summary, /(\d+) out-of-scope call\(s\) made, \1 refused/);
  });
});

describe('gatehouse redteam against bad fixture servers', () => {
  const servers: HttpBackendProcess[] = [];
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });
  const start = async (...args: Parameters<typeof startFixtureServer>) => {
    const server = await startFixtureServer(...args);
    servers.push(server);
    return server;
  };

  it('finds the poisoned tool description, with the hidden instruction as evidence', async () => {
    const { report, exitCode } = await redteam(fixtureStdioTarget('poisoned'), '--client', 'v1', '--only', 'description-poisoning');
    assert.equal(exitCode, 1);
    const findings = check(report, 'description-poisoning').findings;
    assert.ok(findings.length >= 3, JSON.stringify(findings));
    assert.ok(findings.every((finding) => finding.location === 'tools/get_customer/description'));
    assert.deepEqual(new Set(findings.map((finding) => (finding.evidence as { kind: string }).kind)), new Set(['instruction_tag', 'conceal_from_user', 'sensitive_file', 'side_task', 'override_instructions']));
  });

  it('finds PII in outputs and a server without authentication', async () => {
    const server = await start('pii-leak');
    const { report, exitCode } = await redteam(server.url, '--burst', '5');
    assert.equal(exitCode, 1);
    assert.deepEqual(rules(report, 'authentication'), ['no_authentication']);
    const leaks = check(report, 'data-exfiltration').findings.map((finding) => `${finding.location} ${(finding.evidence as { kind: string; excerpt: string }).kind}`);
    assert.deepEqual(leaks.sort(), ['resources/crm://customers/C-42 us_ssn', 'tools/get_customer credit_card', 'tools/get_customer email_address', 'tools/get_customer us_ssn']);
    // The report never repeats the secret it found.
    assert.doesNotMatch(JSON.stringify(report), /123-45-6789|4111 1111 1111 1111/);
  });

  it('finds a rug pull: definitions that change after the first listing', async () => {
    const { report, exitCode } = await redteam(fixtureStdioTarget('rug-pull'), '--client', 'v1', '--only', 'rug-pull');
    assert.equal(exitCode, 1);
    const finding = check(report, 'rug-pull').findings[0];
    assert.equal(finding?.ruleId, 'tool_definitions_changed');
    assert.equal(finding?.location, 'tools/echo/description');
  });

  it('finds live tool definitions that differ from the approved snapshot (--baseline)', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'gatehouse-baseline-'));
    try {
      const snapshot = await runCommandInProcess(registerSchemaCommand, ['schema', 'snapshot', fixtureStdioTarget('good'), '--client', 'v1', '--out', join(directory, 'approved.json')]);
      assert.equal(snapshot.exitCode, 0, snapshot.err);
      const { report, exitCode } = await redteam(fixtureStdioTarget('poisoned'), '--client', 'v1', '--only', 'rug-pull', '--baseline', join(directory, 'approved.json'));
      assert.equal(exitCode, 1);
      assert.deepEqual(check(report, 'rug-pull').findings.map((finding) => `${finding.ruleId} ${finding.location}`), ['tool_definitions_not_approved tools/get_customer/description']);
      const same = await redteam(fixtureStdioTarget('good'), '--client', 'v1', '--only', 'rug-pull', '--baseline', join(directory, 'approved.json'));
      assert.equal(same.exitCode, 0, JSON.stringify(same.report.checks));
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('finds sessions any identity can use, and passes a server that binds them', async () => {
    const loose = await start('good', ['--tokens', 'alpha-token,beta-token']);
    const unbound = await redteam(loose.url, '--token', 'alpha=alpha-token', '--token', 'beta=beta-token', '--only', 'session-binding,token-audience,authentication');
    assert.equal(unbound.exitCode, 1);
    assert.deepEqual(rules(unbound.report, 'session-binding'), ['session_not_bound']);
    assert.equal(check(unbound.report, 'token-audience').status, 'passed');

    const strict = await start('good', ['--tokens', 'alpha-token,beta-token', '--bind-sessions']);
    const bound = await redteam(strict.url, '--token', 'alpha=alpha-token', '--token', 'beta=beta-token', '--only', 'session-binding');
    assert.equal(bound.exitCode, 0, JSON.stringify(bound.report.checks));
    assert.equal(check(bound.report, 'session-binding').status, 'passed');
  });

  it('warns, without failing, when a good server has no gateway in front: unscreened input, no rate limit', async () => {
    const { report, exitCode } = await redteam(fixtureStdioTarget('good'), '--client', 'v1', '--burst', '10');
    assert.equal(exitCode, 0, JSON.stringify(report.checks.filter((entry) => entry.status === 'failed')));
    assert.deepEqual(rules(report, 'prompt-injection'), ['prompt_injection_unscreened']);
    assert.deepEqual(rules(report, 'rate-limit'), ['no_rate_limit']);
    assert.equal(check(report, 'authentication').status, 'skipped');
  });

  it('writes JUnit and SARIF reports of the findings', async () => {
    const junit = await runCommandInProcess(registerRedteamCommand, ['redteam', fixtureStdioTarget('poisoned'), '--client', 'v1', '--only', 'description-poisoning', '--format', 'junit']);
    assert.match(junit.out, /<testcase classname="gatehouse redteam" name="description-poisoning: [^"]*" time="[\d.]+">\n\s*<failure message="[^"]*" type="tool_description_poisoning">/);
    const sarif = JSON.parse((await runCommandInProcess(registerRedteamCommand, ['redteam', fixtureStdioTarget('poisoned'), '--client', 'v1', '--only', 'description-poisoning', '--format', 'sarif'])).out);
    assert.ok(sarif.runs[0].results.every((result: { ruleId: string; level: string }) => result.ruleId === 'tool_description_poisoning' && result.level === 'error'));
  });
});
