// One conformance pairing: a suite revision against a fixture, either
// directly (the reference: what the fixture does on its own) or through a
// gateway fronting it, on the per-backend endpoint and on `/mcp`. Each
// gateway pairing gets its own gateway, so none inherits another's state.

import { type RunningGateway, silentLogger, startGateway } from '@gatehouse/gateway';

import { conformanceGatewayConfig, fixtureBackend } from './gateway-config.ts';
import type { FixtureSpec, Revision, SuiteRevision } from './scenarios.ts';
import { runSuite, type ScenarioOutcome } from './suite-run.ts';

export type Route = 'direct' | 'per-backend' | 'federated';

export interface PairingResult {
  /** `2026-07-28 conformance-v1-stdio /servers/conformance-v1-stdio/mcp`: the key of expected-failures.yaml. */
  label: string;
  revision: Revision;
  suitePackage: string;
  fixture: string;
  route: Route;
  endpoint: string;
  /** Scenarios the revision scores: passed of run. */
  scored: { passed: number; total: number };
  /** Scenarios run but not scored (pending, extensions such as tasks): passed of run. */
  unscored: { passed: number; total: number };
  failedScenarios: string[];
  failedUnscored: string[];
  isTimedOut: boolean;
  durationMs: number;
  outcomes: ScenarioOutcome[];
  output: string;
}

export function endpointOf(route: Route, fixture: FixtureSpec): string {
  if (route === 'direct') return 'direct';
  return route === 'federated' ? '/mcp' : `/servers/${fixture.name}/mcp`;
}

export function pairingLabel(revision: Revision, fixture: FixtureSpec, route: Route): string {
  return `${revision} ${fixture.name} ${endpointOf(route, fixture)}`;
}

function summarize(
  suite: SuiteRevision,
  fixture: FixtureSpec,
  route: Route,
  run: { outcomes: ScenarioOutcome[]; isTimedOut: boolean; durationMs: number; output: string },
): PairingResult {
  const scored = run.outcomes.filter((outcome) => outcome.unscored === undefined);
  const unscored = run.outcomes.filter((outcome) => outcome.unscored !== undefined);
  return {
    label: pairingLabel(suite.revision, fixture, route),
    revision: suite.revision,
    suitePackage: suite.package,
    fixture: fixture.name,
    route,
    endpoint: endpointOf(route, fixture),
    scored: { passed: scored.filter((outcome) => outcome.isPassed).length, total: scored.length },
    unscored: { passed: unscored.filter((outcome) => outcome.isPassed).length, total: unscored.length },
    failedScenarios: scored.filter((outcome) => !outcome.isPassed).map((outcome) => outcome.scenario),
    failedUnscored: unscored.filter((outcome) => !outcome.isPassed).map((outcome) => outcome.scenario),
    isTimedOut: run.isTimedOut,
    durationMs: run.durationMs,
    outcomes: run.outcomes,
    output: run.output,
  };
}

/** The suite against the fixture's own HTTP endpoint. */
export async function runDirect(suite: SuiteRevision, fixture: FixtureSpec, url: string, timeoutMs: number): Promise<PairingResult> {
  const run = await runSuite({ cli: suite.cli, hasScenarioTimeout: suite.hasScenarioTimeout, url, selection: suite.selection, timeoutMs });
  return summarize(suite, fixture, 'direct', run);
}

export interface GatewayPairingOptions {
  /** The fixture's URL when it is served over HTTP; stdio fixtures are started by the gateway. */
  httpUrl: string | undefined;
  timeoutMs: number;
  /** Which endpoints to test; both by default. */
  routes?: readonly ('per-backend' | 'federated')[];
  /** Limits the per-backend run to these scenarios (one CLI run each) instead of the revision's whole selection. */
  scenarios?: readonly string[];
}

async function runScenarios(suite: SuiteRevision, url: string, scenarios: readonly string[], timeoutMs: number) {
  const runs = [];
  const startedAt = performance.now();
  for (const scenario of scenarios) {
    const remaining = timeoutMs - (performance.now() - startedAt);
    if (remaining <= 1_000) break;
    runs.push(await runSuite({ cli: suite.cli, hasScenarioTimeout: suite.hasScenarioTimeout, url, selection: ['--scenario', scenario], timeoutMs: remaining }));
  }
  return {
    outcomes: runs.flatMap((run) => run.outcomes),
    isTimedOut: runs.some((run) => run.isTimedOut) || runs.length < scenarios.length,
    durationMs: performance.now() - startedAt,
    output: runs.map((run) => run.output).join('\n'),
  };
}

/** A fresh gateway fronting the fixture; the suite runs against its per-backend endpoint and/or `/mcp`. */
export async function runThroughGateway(suite: SuiteRevision, fixture: FixtureSpec, options: GatewayPairingOptions): Promise<PairingResult[]> {
  const routes = options.routes ?? ['per-backend', 'federated'];
  const gateway: RunningGateway = await startGateway(conformanceGatewayConfig(fixtureBackend(fixture, options.httpUrl)), {
    logger: silentLogger,
    hasAdmin: false,
  });
  const results: PairingResult[] = [];
  try {
    for (const route of routes) {
      const url = route === 'federated' ? gateway.url : gateway.url.replace(/\/mcp$/, `/servers/${fixture.name}/mcp`);
      const run =
        route === 'federated'
          ? await runScenarios(suite, url, suite.federatedScenarios, options.timeoutMs)
          : options.scenarios !== undefined
            ? await runScenarios(suite, url, options.scenarios, options.timeoutMs)
            : await runSuite({ cli: suite.cli, hasScenarioTimeout: suite.hasScenarioTimeout, url, selection: suite.selection, timeoutMs: options.timeoutMs });
      results.push(summarize(suite, fixture, route, run));
    }
  } finally {
    await gateway.close();
  }
  return results;
}
