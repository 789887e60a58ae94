// The report writers: the same report as text, JUnit XML and SARIF, and the
// exit code CI reads from it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reportExitCode, type CiReport } from '../../src/ci-tools/ci-report.ts';
import { escapeXml, renderJunitReport } from '../../src/ci-tools/report-junit.ts';
import { parseReportFormat } from '../../src/ci-tools/report-output.ts';
import { renderSarifReport } from '../../src/ci-tools/report-sarif.ts';
import { renderTextReport } from '../../src/ci-tools/report-text.ts';
import { canonicalJson } from '../../src/schema-diff/canonical-json.ts';
import { parseTarget, withToken } from '../../src/ci-tools/server-target.ts';

const report: CiReport = {
  tool: 'redteam',
  subject: 'http://127.0.0.1:8080/mcp',
  generatedAt: '2026-12-07T12:00:00.000Z',
  checks: [
    { id: 'authentication', title: 'an unauthenticated client is refused', status: 'passed', summary: 'refused with 401', findings: [], durationMs: 12 },
    {
      id: 'description-poisoning',
      title: 'descriptions carry no hidden instructions',
      status: 'failed',
      summary: '4 definition(s) scanned',
      findings: [{ ruleId: 'tool_description_poisoning', severity: 'error', message: 'tools/x hides <IMPORTANT> & "quotes"', location: 'tools/x/description', evidence: { kind: 'instruction_tag' } }],
      durationMs: 1500,
    },
    { id: 'cost-ceiling', title: 'cost ceiling', status: 'skipped', summary: 'give --cost-tool', findings: [] },
  ],
};

describe('report writers', () => {
  it('exits 1 for a report with a failed check and 0 without', () => {
    assert.equal(reportExitCode(report), 1);
    assert.equal(reportExitCode({ ...report, checks: [report.checks[0]!, report.checks[2]!] }), 0);
  });

  it('writes text with a line per check and a verdict', () => {
    assert.equal(
      renderTextReport(report),
      [
        'gatehouse redteam: http://127.0.0.1:8080/mcp',
        'PASS authentication: refused with 401',
        'FAIL description-poisoning: 4 definition(s) scanned',
        '  error: tools/x hides <IMPORTANT> & "quotes" (tools/x/description)',
        'SKIP cost-ceiling: give --cost-tool',
        'FAILED: 1 error(s), 0 warning(s), 0 note(s)',
        '',
      ].join('\n'),
    );
  });

  it('writes JUnit with counts, a failure, a skip and escaped text', () => {
    const xml = renderJunitReport(report);
    assert.match(xml, /<testsuites name="gatehouse redteam" tests="3" failures="1" skipped="1" time="1.512">/);
    assert.match(xml, /<testcase classname="gatehouse redteam" name="authentication: an unauthenticated client is refused" time="0.012"><\/testcase>/);
    assert.match(xml, /<failure message="4 definition\(s\) scanned" type="tool_description_poisoning">error: tools\/x hides &lt;IMPORTANT&gt; &amp; &quot;quotes&quot; \(tools\/x\/description\)<\/failure>/);
    assert.match(xml, /<skipped message="give --cost-tool"\/>/);
  });

  it('drops characters XML cannot carry at all', () => {
    assert.equal(escapeXml('a\u0000b\u001Bc'), 'abc');
  });

  it('writes SARIF 2.1.0 with one rule and one located result per finding', () => {
    const sarif = JSON.parse(renderSarifReport(report));
    assert.equal(sarif.version, '2.1.0');
    const run = sarif.runs[0];
    assert.deepEqual(run.tool.driver.rules.map((rule: { id: string }) => rule.id), ['tool_description_poisoning']);
    assert.deepEqual(run.results, [
      {
        ruleId: 'tool_description_poisoning',
        ruleIndex: 0,
        level: 'error',
        message: { text: 'tools/x hides <IMPORTANT> & "quotes"' },
        locations: [{ logicalLocations: [{ fullyQualifiedName: 'tools/x/description', kind: 'module' }] }],
        properties: { check: 'description-poisoning', evidence: { kind: 'instruction_tag' } },
      },
    ]);
    assert.equal(JSON.parse(renderSarifReport({ ...report, artifactUri: 'schema/new.json' })).runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, 'schema/new.json');
  });

  it('refuses an unknown format with the ones it knows', () => {
    assert.throws(() => parseReportFormat('xml'), /unknown report format "xml"; use one of text, json, junit, sarif/);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, 1], c: undefined, b: null } }), '{\n  "a": {\n    "b": null,\n    "d": [\n      3,\n      1\n    ]\n  },\n  "b": 1\n}\n');
  });
});

describe('parseTarget', () => {
  it('reads a stdio command and an HTTP URL with its token', () => {
    assert.deepEqual(parseTarget('stdio:node  server.js --stdio'), { kind: 'stdio', command: 'node', args: ['server.js', '--stdio'] });
    const target = parseTarget('http://127.0.0.1:8080/mcp', { token: 't0k' });
    assert.equal(target.kind === 'http' && target.headers.authorization, 'Bearer t0k');
    const anonymous = withToken(target, undefined);
    assert.equal(anonymous.kind === 'http' && 'authorization' in anonymous.headers, false);
  });

  it('refuses what is neither, saying what to give', () => {
    assert.throws(() => parseTarget('ftp://host/mcp'), { code: 'target_invalid', message: /give the server's MCP endpoint/ });
    assert.throws(() => parseTarget('stdio:'), { code: 'target_invalid' });
  });
});
