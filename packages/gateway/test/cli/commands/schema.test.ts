// `gatehouse schema snapshot` and `schema diff` end to end against the CI
// fixture server (packages/testing/src/ci-fixtures): over HTTP and stdio, in
// 2025-11-25 and 2026-07-28, a breaking release with and without a major
// version bump, every report format, and the exit codes CI branches on.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendScripts, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import { runCliProcess, runCommandInProcess } from '@gatehouse/testing/ci-fixtures/command-runner';
import { fixtureStdioTarget, startFixtureServer } from '@gatehouse/testing/ci-fixtures/fixture-launch';
import { registerSchemaCommand } from '../../../src/cli/commands/schema.ts';

const schema = (...args: string[]) => runCommandInProcess(registerSchemaCommand, ['schema', ...args]);

describe('gatehouse schema', () => {
  let directory: string;
  let good: HttpBackendProcess;
  const file = (name: string) => join(directory, name);

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-schema-'));
    good = await startFixtureServer('good');
    for (const variant of ['breaking', 'breaking-major'] as const) {
      const result = await schema('snapshot', fixtureStdioTarget(variant), '--out', file(`${variant}.json`), '--client', 'v1');
      assert.equal(result.exitCode, 0, result.err);
    }
  });
  after(async () => {
    await good?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('writes the same canonical snapshot of a server over HTTP and over stdio', async () => {
    const overHttp = await schema('snapshot', good.url, '--out', file('good.json'));
    assert.equal(overHttp.exitCode, 0, overHttp.err);
    const overStdio = await schema('snapshot', fixtureStdioTarget('good'), '--client', 'v1');
    assert.equal(overStdio.exitCode, 0, overStdio.err);
    const written = await readFile(file('good.json'), 'utf8');
    assert.equal(written, `${overStdio.out}\n`);
    const snapshot = JSON.parse(written);
    assert.equal(snapshot.format, 'gatehouse.schema-snapshot/1');
    assert.deepEqual(snapshot.serverInfo, { name: 'ci-fixture', version: '1.0.0' });
    assert.deepEqual(snapshot.tools.map((tool: { name: string }) => tool.name), ['delete_customer', 'echo', 'get_customer', 'list_orders']);
    assert.deepEqual(snapshot.tools[2].annotations, { openWorldHint: false, readOnlyHint: true });
    assert.equal(snapshot.resources[0].uri, 'crm://customers/C-42');
    assert.equal(snapshot.resourceTemplates[0].uriTemplate, 'crm://customers/{id}');
    assert.equal(snapshot.prompts[0].name, 'summarize_customer');
  });

  it('fails a breaking release without a major version bump with exit 1, naming every breaking change', async () => {
    const result = await schema('diff', file('good.json'), file('breaking.json'), '--format', 'json');
    assert.equal(result.exitCode, 1, result.err);
    const report = JSON.parse(result.out);
    const breaking = report.data.changes.filter((entry: { severity: string }) => entry.severity === 'breaking').map((entry: { code: string; path: string }) => `${entry.code} ${entry.path}`);
    assert.deepEqual(breaking.sort(), [
      'input_enum_narrowed tools/list_orders/inputSchema/properties/status',
      'input_required_added tools/get_customer/inputSchema/properties/region',
      'output_field_removed tools/get_customer/outputSchema/properties/tier',
      'tool_removed tools/echo',
    ]);
    assert.equal(report.checks[0].status, 'failed');
  });

  it('passes the same changes with a major version bump, as warnings', async () => {
    const result = await schema('diff', file('good.json'), file('breaking-major.json'));
    assert.equal(result.exitCode, 0, result.out);
    assert.match(result.out, /PASS schema-compatibility: 4 breaking change\(s\), announced by major version 1 -> 2/);
    assert.match(result.out, /warning: breaking: tool "echo" removed/);
  });

  it('diffs live targets directly: an HTTP server against a stdio one', async () => {
    const result = await schema('diff', good.url, fixtureStdioTarget('breaking'), '--client', 'v1');
    assert.equal(result.exitCode, 1, result.err);
    assert.match(result.out, /FAIL schema-compatibility: 4 breaking change/);
  });

  it('writes JUnit XML with a failing test case for the breaking diff', async () => {
    const result = await schema('diff', file('good.json'), file('breaking.json'), '--format', 'junit', '--output', file('diff.xml'));
    assert.equal(result.exitCode, 1);
    const xml = await readFile(file('diff.xml'), 'utf8');
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>/);
    assert.match(xml, /<testsuite name="gatehouse schema-diff [^"]*" tests="1" failures="1"/);
    assert.match(xml, /<failure message="4 breaking change\(s\) without a major version step[^"]*" type="tool_removed">/);
  });

  it('writes SARIF 2.1.0 with a result per change, pointing at the new snapshot', async () => {
    const result = await schema('diff', file('good.json'), file('breaking.json'), '--format', 'sarif');
    assert.equal(result.exitCode, 1);
    const sarif = JSON.parse(result.out);
    assert.equal(sarif.version, '2.1.0');
    const results = sarif.runs[0].results as Array<{ ruleId: string; level: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }>;
    assert.equal(results.filter((entry) => entry.level === 'error').length, 4);
    assert.equal(results[0]?.locations[0]?.physicalLocation.artifactLocation.uri, file('breaking.json'));
    assert.ok(sarif.runs[0].tool.driver.rules.some((rule: { id: string }) => rule.id === 'tool_removed'));
  });

  it('snapshots a 2026-07-28 server in its own revision, and its 2025 face has the same schemas', async () => {
    const v2Server = `stdio:${process.execPath} ${backendScripts.v2} --stdio`;
    const modern = await schema('snapshot', v2Server, '--out', file('modern.json'));
    assert.equal(modern.exitCode, 0, modern.err);
    assert.equal(JSON.parse(await readFile(file('modern.json'), 'utf8')).protocolVersion, '2026-07-28');
    const legacy = await schema('snapshot', v2Server, '--client', 'v1', '--out', file('legacy.json'));
    assert.equal(legacy.exitCode, 0, legacy.err);
    assert.equal(JSON.parse(await readFile(file('legacy.json'), 'utf8')).protocolVersion, '2025-11-25');
    const diff = await schema('diff', file('legacy.json'), file('modern.json'), '--format', 'json');
    assert.equal(diff.exitCode, 0, diff.out);
  });

  it('exits 2 with an actionable message when a target cannot be reached or a file is no snapshot', async () => {
    const unreachable = await schema('snapshot', 'http://127.0.0.1:9/mcp');
    assert.equal(unreachable.exitCode, 2);
    assert.match(unreachable.err, /could not open an MCP session with http:\/\/127.0.0.1:9\/mcp: .*check the URL or command/);
    const notSnapshot = await schema('diff', join(import.meta.dirname, 'schema.test.ts'), file('good.json'));
    assert.equal(notSnapshot.exitCode, 2);
    assert.match(notSnapshot.err, /cannot read the snapshot .*write one with gatehouse schema snapshot/);
  });

  it('is registered in the gatehouse CLI, whose process exits 1 on a breaking diff', async () => {
    const result = await runCliProcess(['schema', 'diff', file('good.json'), file('breaking.json')]);
    assert.equal(result.exitCode, 1, result.err);
    assert.match(result.out, /FAILED: 4 error\(s\)/);
  });
});
