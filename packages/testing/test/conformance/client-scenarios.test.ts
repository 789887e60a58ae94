// The official suite's client scenarios with the gateway as the client under
// test: the suite's test server is the gateway's backend
// (src/conformance/gateway-as-client.ts), so what the suite checks is the
// gateway's upstream side: its handshake, the requests it forwards, the
// headers it writes, the server requests it relays to the right client.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SUITES } from '../../src/conformance/scenarios.ts';

const driver = fileURLToPath(new URL('../../src/conformance/gateway-as-client.ts', import.meta.url));
const suite = SUITES.find((candidate) => candidate.revision === '2026-07-28')!;

/** The scenarios the gateway passes as a client (docs/conformance.md lists the others and why). */
const PASSING = [
  'initialize', 'tools_call', 'elicitation-sep1034-client-defaults', 'request-metadata', 'http-standard-headers', 'http-invalid-tool-headers',
  'sep-2322-client-request-state', 'sse-retry', 'http-custom-headers', 'json-schema-2020-12-preservation', 'json-schema-ref-no-deref',
];

const CLIENT_TIMEOUT_MS = 90_000;

function runScenario(scenario: string): Promise<{ output: string; code: number | null }> {
  return new Promise((resolve) => {
    // The suite's 30 s default for the client is tight on a loaded machine: the driver starts a whole gateway.
    const child = spawn(process.execPath, [suite.cli, 'client', '--command', `${process.execPath} ${driver}`, '--scenario', scenario, '--timeout', String(CLIENT_TIMEOUT_MS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLIENT_TIMEOUT_MS + 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ output, code });
    });
  });
}

describe('the gateway as the client of the official client scenarios', () => {
  for (const scenario of PASSING) {
    it(`passes ${scenario}`, async () => {
      const { output, code } = await runScenario(scenario);
      const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
      const totals = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(plain);
      assert.ok(totals !== null, `no result line:\n${plain.slice(-2000)}`);
      assert.equal(totals[3], '0', plain.split('\n').filter((line) => /FAILURE|driver failed/.test(line)).join('\n'));
      assert.equal(code, 0, plain.slice(-1500));
    });
  }
});
