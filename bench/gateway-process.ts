// Runs the gateway under test as a child process (so the load generator does
// not share its event loop), configured with one HTTP backend named `bench`,
// and waits for the "Gatehouse is listening on <url>" line on stdout.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const gatewayMain = fileURLToPath(new URL('../packages/gateway/src/cli/main.ts', import.meta.url));
const startTimeoutMs = 30_000;
const outputTailChars = 16 * 1024;

export interface GatewayProcess {
  /** The client-facing MCP endpoint, e.g. http://127.0.0.1:41234/mcp. */
  url: string;
  process: ChildProcess;
  /** SIGTERM, SIGKILL after 5 s, then removes the temporary config. */
  close(): Promise<void>;
}

export class GatewayStartError extends Error {
  readonly code = 'gateway_start_failed';
}

/**
 * The gateway config for the bench: loopback only, ephemeral ports, the one
 * backend twice: `bench` spoken to in the newest revision it offers
 * (2026-07-28), `bench25` pinned to 2025-11-25, so that each era's gateway
 * scenario takes the same backend path as its direct scenario.
 */
export function benchGatewayConfig(backendUrl: string, extraYaml = ''): string {
  return ['gateway:', '  host: 127.0.0.1', '  port: 0', '  admin_port: 0', ''].join('\n') + benchBackendsYaml(backendUrl) + extraYaml;
}

/** The `backends:` section alone, for configs that bring their own `gateway:` section (the replicas). */
export function benchBackendsYaml(backendUrl: string): string {
  return [
    'backends:',
    '  - name: bench',
    `    url: ${backendUrl}`,
    '    timeout_ms: 30000',
    '  - name: bench25',
    `    url: ${backendUrl}`,
    '    timeout_ms: 30000',
    '    protocol_version: 2025-11-25',
    '',
  ].join('\n');
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * `extraYaml` is appended to the bench config (top-level sections such as
 * `telemetry:` or `policies:`); `${BENCH_DIR}` in it names the process's
 * temporary directory, for files the gateway writes (audit, pins).
 */
export async function startGatewayProcess(backendUrl: string, extraYaml = ''): Promise<GatewayProcess> {
  const directory = await mkdtemp(join(tmpdir(), 'gatehouse-bench-'));
  const configPath = join(directory, 'gatehouse.yaml');
  await writeFile(configPath, benchGatewayConfig(backendUrl, extraYaml.replaceAll('${BENCH_DIR}', directory)));
  const child = spawn(process.execPath, [gatewayMain, 'start', '--config', configPath, '--port', '0', '--admin-port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GATEHOUSE_LOG_LEVEL: process.env.GATEHOUSE_LOG_LEVEL ?? 'warn' },
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const close = async () => {
    process.off('exit', killOnExit);
    await stopChild(child);
    await rm(directory, { recursive: true, force: true });
  };

  // Both pipes are drained for the whole run: a full pipe would block the gateway mid-benchmark.
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout = (stdout + chunk).slice(-outputTailChars)));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-outputTailChars)));

  try {
    const url = await new Promise<string>((resolve, reject) => {
      const fail = (message: string) => {
        finish();
        reject(new GatewayStartError(`${message}; stdout:\n${stdout}\nstderr:\n${stderr}`));
      };
      const onData = () => {
        const match = /Gatehouse is listening on (http\S+)/.exec(stdout);
        if (match?.[1] === undefined) return;
        finish();
        resolve(match[1]);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
        fail(`the gateway exited (${signal ?? `code ${code}`}) before it was listening`);
      const onError = (error: Error) => fail(`could not spawn the gateway: ${error.message}`);
      const timer = setTimeout(() => fail(`the gateway did not print its URL within ${startTimeoutMs} ms`), startTimeoutMs);
      const finish = () => {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.off('exit', onExit);
        child.off('error', onError);
      };
      child.stdout.on('data', onData);
      child.once('exit', onExit);
      child.once('error', onError);
    });
    return { url, process: child, close };
  } catch (error) {
    await close();
    throw error;
  }
}
