// The official MCP conformance suite's server scenarios that need no
// fixture-specific tools, run against the demo documents server directly over
// HTTP (not through the gateway), for both revisions: a kit server is a
// conforming server in each era on its own.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { runSuite } from '@gatehouse/testing/conformance/suite-run';
import { SUITES } from '@gatehouse/testing/conformance/scenarios';
import pino from 'pino';

import { createDemoDocsServer } from '../src/index.ts';

/** Scenarios that exercise the server itself; the rest call the conformance fixture's own test_* tools. */
const GENERIC_SCENARIOS: Record<string, readonly string[]> = {
  '2025-11-25': ['server-initialize', 'ping', 'tools-list', 'resources-list', 'dns-rebinding-protection'],
  '2026-07-28': ['tools-list', 'resources-list', 'prompts-list', 'caching', 'sep-2164-resource-not-found', 'dns-rebinding-protection', 'http-header-validation'],
};

let running: Awaited<ReturnType<ReturnType<typeof createDemoDocsServer>['kit']['listen']>>;
before(async () => {
  running = await createDemoDocsServer({ logger: pino({ level: 'silent' }) }).kit.listen({ port: 0, drainMs: 100 });
});
after(async () => {
  await running.close();
});

for (const suite of SUITES) {
  describe(`conformance ${suite.revision}, demo-docs directly`, () => {
    for (const scenario of GENERIC_SCENARIOS[suite.revision] ?? []) {
      it(`passes ${scenario}`, async () => {
        const run = await runSuite({ cli: suite.cli, hasScenarioTimeout: suite.hasScenarioTimeout, url: running.url, selection: ['--scenario', scenario], timeoutMs: 60_000 });
        const outcome = run.outcomes.find((candidate) => candidate.scenario === scenario);
        assert.ok(outcome !== undefined, `no outcome for ${scenario}:\n${run.output.slice(-2000)}`);
        assert.ok(outcome.isPassed, `${scenario}: ${outcome.checks.failed} check(s) failed:\n${run.output.slice(-3000)}`);
      });
    }
  });
}
