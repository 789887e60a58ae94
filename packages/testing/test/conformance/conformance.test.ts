// `npm run conformance` as part of the test command: the official suite
// against the gateway, every result matching its expected-failures baseline.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runner = fileURLToPath(new URL('../../src/conformance/run.ts', import.meta.url));

it('passes the official MCP conformance suite against its baselines', () => {
  const result = spawnSync(process.execPath, [runner], { encoding: 'utf8', timeout: 240_000 });
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /every result matches its baseline/);
});
