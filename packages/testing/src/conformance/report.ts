// The conformance table: one row per suite revision and fixture, one column
// per route (direct, the per-backend endpoint, /mcp), each cell "passed/total"
// scored scenarios; plus the unscored ones (pending, tasks) the per-backend
// run reported. Written as Markdown for the README and as JSON for tooling.

import type { PairingResult, Route } from './pairings.ts';
import { FIXTURES, SUITES } from './scenarios.ts';

const fixtureTitles: Record<string, string> = {
  'conformance-v1-http': 'SDK v1 (2025), HTTP',
  'conformance-v1-stdio': 'SDK v1 (2025), stdio',
  'conformance-v2-http': 'SDK v2 (2026), HTTP',
  'conformance-v2-stdio': 'SDK v2 (2026), stdio',
};

function cell(result: PairingResult | undefined): string {
  if (result === undefined) return '—';
  const figure = `${result.scored.passed}/${result.scored.total}`;
  return result.isTimedOut ? `${figure} (timed out)` : figure;
}

function find(results: readonly PairingResult[], revision: string, fixture: string, route: Route): PairingResult | undefined {
  return results.find((result) => result.revision === revision && result.fixture === fixture && result.route === route);
}

export function markdownTable(results: readonly PairingResult[]): string {
  const lines = [
    '| suite (package) | backend | direct | `/servers/{name}/mcp` | `/mcp` | unscored on `/servers/{name}/mcp` (pending, tasks) |',
    '|---|---|---|---|---|---|',
  ];
  for (const suite of SUITES) {
    for (const fixture of FIXTURES) {
      const perBackend = find(results, suite.revision, fixture.name, 'per-backend');
      const federated = find(results, suite.revision, fixture.name, 'federated');
      const direct = find(results, suite.revision, fixture.name, 'direct');
      if (perBackend === undefined && federated === undefined && direct === undefined) continue;
      const unscored = perBackend !== undefined && perBackend.unscored.total > 0 ? `${perBackend.unscored.passed}/${perBackend.unscored.total}` : '—';
      const directCell = fixture.carriage === 'stdio' ? 'n/a (stdio)' : fixture.speaks.includes(suite.revision) ? cell(direct) : 'n/a (2025 only)';
      lines.push(
        `| ${suite.revision} (${suite.package.replace('@modelcontextprotocol/', '')}) | ${fixtureTitles[fixture.name] ?? fixture.name} | ${directCell} | ${cell(perBackend)} | ${cell(federated)} | ${unscored} |`,
      );
    }
  }
  return lines.join('\n');
}

export function jsonReport(results: readonly PairingResult[], startedAt: Date): object {
  return {
    startedAt: startedAt.toISOString(),
    node: process.version,
    suites: SUITES.map((suite) => ({ revision: suite.revision, package: suite.package, selection: suite.selection })),
    pairings: results.map(({ output: _output, outcomes, ...result }) => ({
      ...result,
      durationMs: Math.round(result.durationMs),
      scenarios: outcomes,
    })),
  };
}
