// SIGTERM under load, against the real CLI in a child process: a batch of
// SDK clients (both eras) are in the middle of a tool call that takes a
// while; the gateway is sent SIGTERM. Every call in flight completes, /readyz
// turns 503 at once, a 2025 GET stream ends with an SSE `retry:` hint, new
// work is refused, and the process exits 0 well before its drain deadline.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { backendScripts, stdioCommand } from '@gatehouse/testing/backends/launch';
import { connectV1, connectV2, firstText } from '../fixtures/clients.ts';

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const DRAIN_TIMEOUT_SECONDS = 10;
/** Long enough that SIGTERM lands while every call is at the backend, even on a busy machine. */
const CALL_MS = 1_500;
const CALLS = 8;

interface RunningCli {
  child: ChildProcess;
  url: string;
  adminUrl: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  stderr: () => string;
}

function startCli(configPath: string): Promise<RunningCli> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'start', '--config', configPath, '--port', '0', '--admin-port', '0'], {
      env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    process.once('exit', () => child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((done) => {
      child.once('exit', (code, signal) => done({ code, signal, at: performance.now() }));
    });
    // A gateway that does not come up is killed: a live child would keep this test file from ever exiting.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start in time\n${stdout}\n${stderr}`));
    }, 60_000);
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk;
      const url = /listening on (http:\/\/\S+\/mcp)/.exec(stdout)?.[1];
      const adminUrl = /Admin \(health, readiness\): (http:\/\/\S+)\/healthz/.exec(stdout)?.[1];
      if (url !== undefined && adminUrl !== undefined) {
        clearTimeout(timer);
        resolve({ child, url, adminUrl, exited, stderr: () => stderr });
      }
    });
    void exited.then(({ code }) => reject(new Error(`gateway exited with ${code} before it was listening\n${stdout}\n${stderr}`)));
  });
}

/** A 2025-11-25 session opened by hand, and its GET stream, whose raw text the test reads to the end. */
async function openLegacyGetStream(url: string): Promise<{ text: Promise<string> }> {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const initialized = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  });
  await initialized.text();
  const sessionId = initialized.headers.get('mcp-session-id');
  assert.ok(sessionId, 'initialize gave no session id');
  const session = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
  await (await fetch(url, { method: 'POST', headers: { ...headers, ...session }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
  const stream = await fetch(url, { headers: { accept: 'text/event-stream', ...session } });
  assert.equal(stream.status, 200);
  // Wrapped: an async function returning the promise itself would wait for the stream's end.
  return { text: stream.text() };
}

describe('SIGTERM under load', () => {
  let directory: string;
  let gateway: RunningCli;

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'gatehouse-drain-'));
    const backend = stdioCommand(backendScripts.v2);
    const configPath = join(directory, 'gatehouse.yaml');
    writeFileSync(configPath, [
      'gateway:',
      `  drain_timeout_seconds: ${DRAIN_TIMEOUT_SECONDS}`,
      'backends:',
      '  - name: worker',
      `    command: ${JSON.stringify(backend.command)}`,
      `    args: ${JSON.stringify(backend.args)}`,
      '',
    ].join('\n'));
    gateway = await startCli(configPath);
  });

  after(async () => {
    if (gateway !== undefined && gateway.child.exitCode === null && gateway.child.signalCode === null) gateway.child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  });

  it('finishes every call in flight, refuses new work, closes streams with a retry hint and exits 0 before the deadline', async () => {
    const clients = await Promise.all(Array.from({ length: CALLS }, (_, index) => (index % 2 === 0 ? connectV1(gateway.url) : connectV2(gateway.url, 'auto'))));
    const getStream = await openLegacyGetStream(gateway.url);
    try {
      const calls = clients.map((client, index) =>
        client.callTool({ name: 'worker__slow', arguments: { ms: CALL_MS } }).then(
          (result) => ({ index, text: result.isError === true ? `isError: ${firstText(result)}` : firstText(result) }),
          (error: unknown) => ({ index, text: `rejected: ${String(error)}` }),
        ));
      await sleep(500);
      const signalledAt = performance.now();
      gateway.child.kill('SIGTERM');

      await sleep(100);
      const readiness = await fetch(`${gateway.adminUrl}/readyz`);
      assert.equal(readiness.status, 503, 'still ready while draining');
      assert.equal(((await readiness.json()) as { status: string }).status, 'draining');
      const late = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'late', version: '1' } } }),
      }).then((response) => ({ status: response.status, retryAfter: response.headers.get('retry-after') }), (error: unknown) => ({ status: 0, retryAfter: null, error: String(error) }));
      // A new connection finds the listener closed; one that slips in on a kept-alive connection gets 503 + Retry-After.
      assert.ok(late.status === 0 || (late.status === 503 && late.retryAfter !== null), `a new request during the drain got ${JSON.stringify(late)}`);

      const streamText = await getStream.text;
      assert.match(streamText, /(^|\n)retry: \d+\n\n$/, 'the GET stream ended without a reconnect hint');

      const outcomes = await Promise.all(calls);
      assert.deepEqual(outcomes.map((outcome) => outcome.text), outcomes.map(() => `waited ${CALL_MS} ms`), gateway.stderr());

      const exit = await gateway.exited;
      assert.equal(exit.code, 0, gateway.stderr());
      const exitAfterMs = exit.at - signalledAt;
      assert.ok(exitAfterMs < DRAIN_TIMEOUT_SECONDS * 1000, `exited ${exitAfterMs} ms after SIGTERM`);
      assert.match(gateway.stderr(), /"msg":"drained: no request in flight"/);
    } finally {
      await Promise.allSettled(clients.map((client) => client.close()));
    }
  });
});
