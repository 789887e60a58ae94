// `gatehouse assess` end to end: facts from a gateway config answer the
// platform questions, an answers file and the terminal the rest; the stage
// and the next stage's investments are printed; --min-stage fails CI.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommandInProcess } from '@gatehouse/testing/ci-fixtures/command-runner';
import { gatehouseCli } from '@gatehouse/testing/gateway/launch-gateway';
import type { CiReport } from '../../../src/ci-tools/ci-report.ts';
import type { AssessmentRecord } from '../../../src/ci-tools/assess/run-assess.ts';
import { registerAssessCommand } from '../../../src/cli/commands/assess.ts';

const PLATFORM_YAML = `
authentication:
  oauth_issuer: https://sso.example.com/
  jwks_uri: https://sso.example.com/jwks
  audience: https://gateway.example.com/mcp
audit:
  store: sqlite
  path: ./audit.db
tenants:
  list:
    - { name: sales, backends: [crm] }
    - { name: support, backends: [tickets] }
backends:
  - { name: crm, url: "http://127.0.0.1:9/mcp" }
  - { name: tickets, url: "http://127.0.0.1:9/mcp" }
  - { name: kb, url: "http://127.0.0.1:9/mcp" }
`;

const assess = (...args: string[]) => runCommandInProcess(registerAssessCommand, ['assess', ...args]);

describe('gatehouse assess', () => {
  let directory: string;
  const file = (name: string) => join(directory, name);
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-assess-'));
    await writeFile(file('gatehouse.yaml'), PLATFORM_YAML);
    await writeFile(file('answers.yaml'), 'engineers_use_mcp_clients: yes\norganizational_awareness: yes\ndedicated_platform_team: yes\n# the platform answers the rest it can\nsso_integrated: no\n');
  });
  after(() => rm(directory, { recursive: true, force: true }));

  it('answers from the config where it can and from the file for the rest, and prints the stage and next investments', async () => {
    const result = await assess('--config', file('gatehouse.yaml'), '--answers', file('answers.yaml'));
    assert.equal(result.exitCode, 0, result.err);
    const lines = result.out.split('\n');
    // Three backends is not ten production servers: stage 3, with stage 4's gap and investment named.
    assert.equal(lines[0], 'You are at Stage 3: department-level MCP platform.');
    assert.equal(lines[1], 'Next: Stage 4: enterprise-wide MCP infrastructure. Invest in scaling the platform team (5-10 FTEs) and broader organizational change management.');
    assert.equal(lines[2], '  to close: Do you have 10+ production MCP servers?');
    assert.match(result.out, /PASS stage-3: reached \(3 yes\)/);
  });

  it('prefers live facts to the file, and records where each answer came from', async () => {
    const result = await assess('--config', file('gatehouse.yaml'), '--answers', file('answers.yaml'), '--format', 'json');
    const record = (JSON.parse(result.out) as CiReport).data as AssessmentRecord;
    const sources = Object.fromEntries(record.answers.map((answer) => [answer.id, `${answer.source}:${answer.answer}`]));
    assert.equal(sources.sso_integrated, 'live:true', 'the config names an external issuer: the file\'s "no" is overridden');
    assert.equal(sources.multiple_departments, 'live:true');
    assert.equal(sources.dedicated_platform_team, 'file:true');
    assert.equal(sources.fifty_processes, 'unanswered:undefined');
    assert.equal(record.answers.find((answer) => answer.id === 'multiple_departments')?.evidence, '2 tenants configured');
  });

  it('fails CI below --min-stage, naming the questions still open', async () => {
    const result = await assess('--config', file('gatehouse.yaml'), '--answers', file('answers.yaml'), '--min-stage', '4');
    assert.equal(result.exitCode, 1);
    assert.match(result.out, /FAIL stage-4: 1 of 4 question\(s\) not yet yes\n  error: Do you have 10\+ production MCP servers\? no \(3 backend\(s\) configured\)/);
  });

  it('asks at the terminal for what neither the platform nor the file answered', async () => {
    const child = spawn(process.execPath, [gatehouseCli, 'assess', '--config', file('gatehouse.yaml'), '--interactive', '--format', 'json'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    // Stage 1 (two), stage 4's team and stage 5 (three): the platform answers everything else.
    child.stdin.end('y\nyes\ny\nn\nn\nn\n');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, err);
    assert.match(err, /^Stage 1: Have engineers used Claude Desktop \(or another MCP client\) with MCP servers\? \[y\/n\]/m);
    const record = (JSON.parse(out) as CiReport).data as AssessmentRecord;
    assert.deepEqual(record.answers.filter((answer) => answer.source === 'interactive').map((answer) => [answer.id, answer.answer]), [
      ['engineers_use_mcp_clients', true],
      ['organizational_awareness', true],
      ['dedicated_platform_team', true],
      ['fifty_processes', false],
      ['standard_plumbing', false],
      ['processes_redesigned', false],
    ]);
    assert.equal(record.stage, 3);
  });

  it('exits 2 on an answers file with an unknown question', async () => {
    await writeFile(file('bad.yaml'), 'has_gateway: yes\n');
    const result = await assess('--answers', file('bad.yaml'));
    assert.equal(result.exitCode, 2);
    assert.match(result.err, /unknown question "has_gateway"; the questions are engineers_use_mcp_clients/);
  });
});
