// The official suite's `auth/*` client scenarios with the gateway as the
// OAuth client of the suite's protected test server: the driver
// (src/conformance/gateway-as-client.ts) gives the backend `auth: { type:
// oauth }` and the scenario's pre-registered ids from its context, so what
// the suite checks is the gateway's upstream authorization: discovery (RFC
// 9728, RFC 8414 and OIDC variants), CIMD, DCR and pre-registration, PKCE,
// resource indicators, scope selection and step-up, refresh tokens, RFC 9207
// `iss` and issuer binding, and the extensions (client credentials, ID-JAG,
// workload identity, DPoP). Scenarios run four at a time to keep the file
// near two minutes of CPU; docs/conformance.md says what each covers.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SUITES } from '../../src/conformance/scenarios.ts';

const driver = fileURLToPath(new URL('../../src/conformance/gateway-as-client.ts', import.meta.url));
const suite = SUITES.find((candidate) => candidate.revision === '2026-07-28')!;

/** The `auth/*` scenarios the gateway passes as a client. */
export const PASSING_AUTH = [
  'auth/metadata-default', 'auth/metadata-var1', 'auth/metadata-var2', 'auth/metadata-var3',
  'auth/basic-cimd',
  'auth/scope-from-www-authenticate', 'auth/scope-from-scopes-supported', 'auth/scope-omitted-when-undefined', 'auth/scope-step-up', 'auth/scope-retry-limit',
  'auth/token-endpoint-auth-basic', 'auth/token-endpoint-auth-post', 'auth/token-endpoint-auth-none',
  'auth/pre-registration', 'auth/resource-mismatch',
  'auth/offline-access-scope', 'auth/offline-access-not-supported',
  'auth/authorization-server-migration', 'auth/2025-03-26-oauth-metadata-backcompat', 'auth/2025-03-26-oauth-endpoint-fallback',
  'auth/iss-supported', 'auth/iss-not-advertised', 'auth/iss-supported-missing', 'auth/iss-wrong-issuer', 'auth/iss-unexpected', 'auth/iss-normalized', 'auth/metadata-issuer-mismatch',
  'auth/client-credentials-basic', 'auth/client-credentials-jwt', 'auth/enterprise-managed-authorization', 'auth/wif-jwt-bearer',
  'auth/dpop', 'auth/dpop-nonce',
];

const CONCURRENCY = 4;

type Run = { output: string; code: number | null };

function runScenario(scenario: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [suite.cli, 'client', '--command', `${process.execPath} ${driver}`, '--scenario', scenario, '--timeout', '90000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ output, code });
    });
  });
}

/** Runs the scenarios CONCURRENCY at a time from one queue; each test awaits its own run. */
function scheduled(scenarios: readonly string[]): Map<string, Promise<Run>> {
  const queue = [...scenarios];
  const finish = new Map<string, (run: Run) => void>();
  const runs = new Map(scenarios.map((scenario) => [scenario, new Promise<Run>((resolve) => finish.set(scenario, resolve))]));
  const worker = async (): Promise<void> => {
    for (let scenario = queue.shift(); scenario !== undefined; scenario = queue.shift()) finish.get(scenario)!(await runScenario(scenario));
  };
  for (let slot = 0; slot < CONCURRENCY; slot++) void worker();
  return runs;
}

describe('the gateway as the OAuth client of the official auth scenarios', () => {
  const runs = scheduled(PASSING_AUTH);
  for (const scenario of PASSING_AUTH) {
    it(`passes ${scenario}`, { timeout: 600_000 }, async () => {
      const { output, code } = await runs.get(scenario)!;
      const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
      const totals = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(plain);
      assert.ok(totals !== null, `no result line:\n${plain.slice(-2000)}`);
      assert.equal(totals[3], '0', plain.split('\n').filter((line) => /FAILURE|driver failed/.test(line)).join('\n'));
      assert.equal(code, 0, plain.slice(-1500));
    });
  }
});
