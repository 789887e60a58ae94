#!/usr/bin/env node
// `npm run conformance`: the official MCP conformance suite, both revisions
// (2025-11-25 with 0.1.16, the frozen 2026-07-28 requirement set with
// 0.2.0-alpha.12), against each fixture directly (the reference) and
// through a gateway fronting it (SDK v1 and v2 fixtures, over HTTP and
// stdio), on `/servers/{name}/mcp` and `/mcp`. Prints progress, then the
// table; writes the results as JSON. Exits non-zero on a scored failure not
// in expected-failures.yaml, or an entry there that now passes.
//
//   npm run conformance -- [--revision 2026-07-28] [--fixture conformance-v1-stdio]
//                          [--json conformance-results.json] [--timeout-s 240] [--verbose]

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { type HttpBackendProcess, startHttpBackend } from '../backends/launch.ts';
import { checkAgainstBaseline, loadBaseline } from './baseline.ts';
import { type PairingResult, runDirect, runThroughGateway } from './pairings.ts';
import { jsonReport, markdownTable } from './report.ts';
import { FIXTURES, type FixtureSpec, SUITES, type SuiteRevision } from './scenarios.ts';

const { values: args } = parseArgs({
  options: {
    revision: { type: 'string', multiple: true },
    fixture: { type: 'string', multiple: true },
    json: { type: 'string', default: 'conformance-results.json' },
    'timeout-s': { type: 'string', default: '240' },
    verbose: { type: 'boolean', default: false },
  },
});

const timeoutMs = Number(args['timeout-s']) * 1000;
const suites = SUITES.filter((suite) => args.revision === undefined || args.revision.includes(suite.revision));
const fixtures = FIXTURES.filter((fixture) => args.fixture === undefined || args.fixture.includes(fixture.name));

type Step = { suite: SuiteRevision; fixture: FixtureSpec; kind: 'direct' | 'gateway' };

function plan(): Step[] {
  const steps: Step[] = [];
  for (const suite of suites) {
    for (const fixture of fixtures) {
      if (fixture.carriage === 'http' && fixture.speaks.includes(suite.revision)) steps.push({ suite, fixture, kind: 'direct' });
      steps.push({ suite, fixture, kind: 'gateway' });
    }
  }
  return steps;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const baseline = loadBaseline();
  const steps = plan();
  const httpFixtures = new Map<string, HttpBackendProcess>();
  const results: PairingResult[] = [];
  let problems = 0;
  try {
    // One process per HTTP fixture, shared by its direct run and its gateway pairings.
    for (const fixture of fixtures.filter((candidate) => candidate.carriage === 'http')) {
      httpFixtures.set(fixture.name, await startHttpBackend(fixture.script));
    }
    for (const [index, step] of steps.entries()) {
      const where = step.kind === 'direct' ? 'directly' : 'through the gateway';
      process.stderr.write(`[${index + 1}/${steps.length}] ${step.suite.revision} against ${step.fixture.name} ${where} ...\n`);
      const httpUrl = httpFixtures.get(step.fixture.name)?.url;
      const stepResults =
        step.kind === 'direct'
          ? [await runDirect(step.suite, step.fixture, httpUrl as string, timeoutMs)]
          : await runThroughGateway(step.suite, step.fixture, { httpUrl, timeoutMs });
      for (const result of stepResults) {
        results.push(result);
        const verdict = checkAgainstBaseline(result, baseline);
        const unscored = result.unscored.total > 0 ? `, unscored ${result.unscored.passed}/${result.unscored.total}` : '';
        process.stderr.write(`    ${result.endpoint}: ${result.scored.passed}/${result.scored.total}${unscored} in ${seconds(result.durationMs)}${result.isTimedOut ? ' (TIMED OUT)' : ''}\n`);
        for (const scenario of verdict.unexpected) process.stderr.write(`    UNEXPECTED failure: ${scenario}\n`);
        for (const scenario of verdict.stale) process.stderr.write(`    STALE expected failure (now passes): ${scenario}\n`);
        const expected = result.failedScenarios.filter((scenario) => !verdict.unexpected.includes(scenario));
        if (expected.length > 0) process.stderr.write(`    expected failures: ${expected.join(', ')}\n`);
        if (result.failedUnscored.length > 0) process.stderr.write(`    unscored failures: ${result.failedUnscored.join(', ')}\n`);
        if (args.verbose) process.stderr.write(`${result.output}\n`);
        problems += verdict.unexpected.length + verdict.stale.length + (result.isTimedOut ? 1 : 0);
      }
    }
  } finally {
    await Promise.allSettled([...httpFixtures.values()].map((fixture) => fixture.close()));
  }
  process.stdout.write(`\n${markdownTable(results)}\n\n`);
  writeFileSync(args.json, `${JSON.stringify(jsonReport(results, startedAt), null, 2)}\n`);
  process.stdout.write(`results written to ${args.json}\n`);
  process.stdout.write(problems === 0 ? 'conformance: every result matches expected-failures.yaml\n' : `conformance: ${problems} problem(s); see above\n`);
  return problems === 0 ? 0 : 1;
}

process.exitCode = await main();
