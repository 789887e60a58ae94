// What the conformance run covers: two revisions of the official suite, two
// fixture generations over two carriages, and which scenarios apply to the
// federated endpoint. The per-backend endpoint `/servers/{name}/mcp` keeps
// the fixture's own names, so every server scenario runs there; `/mcp`
// namespaces tools and prompts (`{backend}__{name}`), so only the scenarios
// that exercise the gateway itself (transport, discovery, listing) run there.

import { createRequire } from 'node:module';

import { backendScripts } from '../backends/launch.ts';

const require = createRequire(import.meta.url);

export type Revision = '2025-11-25' | '2026-07-28';
export type Generation = 'v1' | 'v2';
export type Carriage = 'http' | 'stdio';

export interface SuiteRevision {
  revision: Revision;
  /** The npm package (and version) that tests this revision. */
  package: string;
  cli: string;
  /** Whether the CLI takes `--timeout` per scenario. */
  hasScenarioTimeout: boolean;
  /** `server` arguments choosing what runs on the per-backend endpoint and directly. */
  selection: string[];
  /** The scenarios that also run on `/mcp`. */
  federatedScenarios: readonly string[];
}

export const SUITES: readonly SuiteRevision[] = [
  {
    revision: '2025-11-25',
    package: '@modelcontextprotocol/conformance@0.1.16',
    cli: require.resolve('@modelcontextprotocol/conformance/dist/index.js'),
    hasScenarioTimeout: false,
    // Active and pending: the whole 2025-11-25 server suite.
    selection: ['--suite', 'all'],
    federatedScenarios: ['server-initialize', 'ping', 'logging-set-level', 'tools-list', 'completion-complete', 'dns-rebinding-protection'],
  },
  {
    revision: '2026-07-28',
    package: '@modelcontextprotocol/conformance@0.2.0-alpha.12',
    cli: require.resolve('conformance-next/dist/index.js'),
    hasScenarioTimeout: true,
    // The frozen requirement set (37 server scenarios); the suite also runs and
    // reports, unscored, the pending scenarios and the tasks extension.
    selection: ['--requirements', '2026-07-28'],
    // Not server-stateless: it calls the fixture's hooks (test_missing_capability,
    // test_trigger_tool_change) by their own names, which /mcp namespaces.
    federatedScenarios: [
      'tools-list',
      'resources-list',
      'prompts-list',
      'caching',
      'sep-2164-resource-not-found',
      'input-required-result-unsupported-methods',
      'dns-rebinding-protection',
      'http-header-validation',
    ],
  },
];

export interface FixtureSpec {
  generation: Generation;
  carriage: Carriage;
  /** The backend's name in the gateway, hence its endpoint `/servers/{name}/mcp`. */
  name: string;
  script: string;
  /** The revisions the fixture speaks itself (the suite can test it directly over HTTP). */
  speaks: readonly Revision[];
}

export const FIXTURES: readonly FixtureSpec[] = [
  { generation: 'v1', carriage: 'http', name: 'conformance-v1-http', script: backendScripts.conformance, speaks: ['2025-11-25'] },
  { generation: 'v1', carriage: 'stdio', name: 'conformance-v1-stdio', script: backendScripts.conformance, speaks: ['2025-11-25'] },
  { generation: 'v2', carriage: 'http', name: 'conformance-v2-http', script: backendScripts.conformanceV2, speaks: ['2025-11-25', '2026-07-28'] },
  { generation: 'v2', carriage: 'stdio', name: 'conformance-v2-stdio', script: backendScripts.conformanceV2, speaks: ['2025-11-25', '2026-07-28'] },
];

export function suiteFor(revision: Revision): SuiteRevision {
  const suite = SUITES.find((candidate) => candidate.revision === revision);
  if (suite === undefined) throw new Error(`no conformance suite for revision ${revision}`);
  return suite;
}
