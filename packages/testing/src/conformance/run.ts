#!/usr/bin/env node
// `npm run conformance`: starts our conformance backend and a gateway in front
// of it, then runs the official suite (`@modelcontextprotocol/conformance`)
// against `/mcp` (transport scenarios) and `/servers/conformance/mcp` (the
// whole active suite), each checked against its expected-failures baseline.
// Exits non-zero on an unexpected failure or a stale baseline entry.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startGateway } from '@gatehouse/gateway';
import { silentLogger } from '@gatehouse/gateway';
import { startConformanceHttp } from '../backends/conformance-server.ts';
import { conformanceGatewayConfig } from './gateway-config.ts';
import { CONFORMANCE_BACKEND_NAME, FEDERATED_ENDPOINT_SCENARIOS, PER_BACKEND_SUITE } from './scenarios.ts';

const require = createRequire(import.meta.url);
const suiteCli = require.resolve('@modelcontextprotocol/conformance/dist/index.js');
const federatedBaseline = fileURLToPath(new URL('./expected-failures.federated.yaml', import.meta.url));
const perBackendBaseline = fileURLToPath(new URL('./expected-failures.per-backend.yaml', import.meta.url));

function runSuite(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [suiteCli, 'server', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

function summary(output: string): string {
  return output
    .split('\n')
    .filter((line) => /^[✓✗] |^Total:|Expected failures|Stale|Unexpected|Baseline| {2}[~✓✗] /.test(line))
    .join('\n');
}

async function main(): Promise<number> {
  const isVerbose = process.argv.includes('--verbose');
  const backend = await startConformanceHttp({ port: 0, host: '127.0.0.1' });
  const gateway = await startGateway(conformanceGatewayConfig(backend.url), { logger: silentLogger, hasAdmin: false });
  let failures = 0;
  try {
    process.stderr.write(`conformance: gateway ${gateway.url} -> backend ${backend.url}\n`);
    for (const scenario of FEDERATED_ENDPOINT_SCENARIOS) {
      const result = await runSuite(['--url', gateway.url, '--scenario', scenario, '--expected-failures', federatedBaseline]);
      process.stdout.write(`[/mcp] ${scenario}: ${result.code === 0 ? 'as expected' : 'UNEXPECTED'}\n`);
      if (result.code !== 0 || isVerbose) process.stdout.write(`${isVerbose ? result.output : summary(result.output)}\n`);
      if (result.code !== 0) failures++;
    }
    const perBackendUrl = gateway.url.replace(/\/mcp$/, `/servers/${CONFORMANCE_BACKEND_NAME}/mcp`);
    const suite = await runSuite(['--url', perBackendUrl, '--suite', PER_BACKEND_SUITE, '--expected-failures', perBackendBaseline]);
    process.stdout.write(`[/servers/${CONFORMANCE_BACKEND_NAME}/mcp] ${PER_BACKEND_SUITE} suite: ${suite.code === 0 ? 'as expected' : 'UNEXPECTED'}\n`);
    process.stdout.write(`${isVerbose ? suite.output : summary(suite.output)}\n`);
    if (suite.code !== 0) failures++;
  } finally {
    await gateway.close();
    await backend.close();
  }
  process.stdout.write(failures === 0 ? 'conformance: every result matches its baseline\n' : `conformance: ${failures} run(s) did not match the baseline\n`);
  return failures === 0 ? 0 : 1;
}

process.exitCode = await main();
