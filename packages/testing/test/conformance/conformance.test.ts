// A bounded part of `npm run conformance` in the test command: the frozen
// 2026-07-28 requirement set through the gateway against the SDK v2 HTTP
// fixture and the SDK v1 stdio fixture (the two ends of the bridge), and the
// 2025-11-25 suite against the SDK v1 HTTP fixture; every scored failure
// must be listed in expected-failures.yaml with its reason, and no entry
// there may be stale. The whole run (every pairing, the table) is
// `npm run conformance`.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { type HttpBackendProcess, startHttpBackend } from '../../src/backends/launch.ts';
import { checkAgainstBaseline, loadBaseline } from '../../src/conformance/baseline.ts';
import { runThroughGateway } from '../../src/conformance/pairings.ts';
import { FIXTURES, type Revision, suiteFor } from '../../src/conformance/scenarios.ts';
import { parseSuiteSummary } from '../../src/conformance/suite-run.ts';

const fixture = (name: string) => {
  const found = FIXTURES.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no fixture ${name}`);
  return found;
};

const PAIRINGS: ReadonlyArray<{ revision: Revision; fixture: string }> = [
  { revision: '2026-07-28', fixture: 'conformance-v2-http' },
  { revision: '2026-07-28', fixture: 'conformance-v1-stdio' },
  { revision: '2025-11-25', fixture: 'conformance-v1-http' },
];

describe('the official conformance suite through the gateway', () => {
  const http = new Map<string, HttpBackendProcess>();

  before(async () => {
    for (const name of new Set(PAIRINGS.map((pairing) => pairing.fixture))) {
      const spec = fixture(name);
      if (spec.carriage === 'http') http.set(name, await startHttpBackend(spec.script));
    }
  });

  after(async () => {
    await Promise.allSettled([...http.values()].map((backend) => backend.close()));
  });

  for (const pairing of PAIRINGS) {
    it(`${pairing.revision} on /servers/${pairing.fixture}/mcp matches expected-failures.yaml`, async () => {
      const [result] = await runThroughGateway(suiteFor(pairing.revision), fixture(pairing.fixture), {
        httpUrl: http.get(pairing.fixture)?.url,
        timeoutMs: 90_000,
        routes: ['per-backend'],
      });
      assert.ok(result !== undefined);
      assert.equal(result.isTimedOut, false, `the run hit its time bound:\n${result.output.slice(-4000)}`);
      // A run that printed no summary (a crash, a changed format) must not pass as "nothing failed".
      assert.ok(result.scored.total >= 30, `only ${result.scored.total} scored scenarios were read:\n${result.output.slice(-4000)}`);
      const verdict = checkAgainstBaseline(result, loadBaseline());
      assert.deepEqual(verdict, { unexpected: [], stale: [] }, `${result.label}: ${result.scored.passed}/${result.scored.total}`);
    });
  }
});

describe('reading the suite output', () => {
  it('reads per-scenario lines and marks the unscored ones', () => {
    const outcomes = parseSuiteSummary(
      [
        '=== SUMMARY ===',
        '\x1b[32m✓ tools-list: 4 passed, 0 failed\x1b[0m',
        '✗ server-stateless: 28 passed, 2 failed',
        '✗ tasks-lifecycle: 1 passed, 8 failed',
        'Not scored for 2026-07-28: 1 scenario(s) run, 1 failing. These do not affect conformance.',
        '  ✗ tasks-lifecycle (extension)',
      ].join('\n'),
    );
    assert.deepEqual(
      outcomes.map((outcome) => [outcome.scenario, outcome.isPassed, outcome.unscored]),
      [
        ['tools-list', true, undefined],
        ['server-stateless', false, undefined],
        ['tasks-lifecycle', false, 'extension'],
      ],
    );
  });

  it('reads a single-scenario run from its totals', () => {
    assert.deepEqual(parseSuiteSummary('Test Results:\nPassed: 9/10, 1 failed, 0 warnings', 'ping'), [
      { scenario: 'ping', isPassed: false, checks: { passed: 9, failed: 1 } },
    ]);
  });
});
