// Runs the gateway under test as a child process (so the load generator does
// not share its event loop), configured with one HTTP backend named `bench`,
// through the shared launcher (packages/testing/src/gateway/launch-gateway.ts).

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GatewayProcess, startGateway } from '../packages/testing/src/gateway/launch-gateway.ts';

export type { GatewayProcess } from '../packages/testing/src/gateway/launch-gateway.ts';

const startTimeoutMs = 30_000;
// A bench run is long: keep only the tail of the gateway's output for a start failure's message.
const outputTailChars = 16 * 1024;

/**
 * The gateway config for the bench: loopback only, ephemeral ports, the one
 * backend twice: `bench` spoken to in the newest revision it offers
 * (2026-07-28), `bench25` pinned to 2025-11-25, so that each era's gateway
 * scenario takes the same backend path as its direct scenario.
 */
export function benchGatewayConfig(backendUrl: string, extraYaml = '', backendsYaml = benchBackendsYaml(backendUrl)): string {
  return ['gateway:', '  host: 127.0.0.1', '  port: 0', '  admin_port: 0', ''].join('\n') + backendsYaml + extraYaml;
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

/**
 * `extraYaml` is appended to the bench config (top-level sections such as
 * `telemetry:` or `policies:`); `${BENCH_DIR}` in it names the process's
 * temporary directory, for files the gateway writes (audit, pins). close()
 * stops the gateway, then removes that directory. `launch` picks what the
 * start waits for and which CLI entry runs (the footprint bench times both);
 * `backendsYaml` replaces the HTTP `bench` backends (the peers run fronts a
 * stdio server instead).
 */
export async function startGatewayProcess(
  backendUrl: string,
  extraYaml = '',
  { backendsYaml, ...launch }: { waitFor?: 'listening' | 'ready'; cli?: string; backendsYaml?: string; nodeFlags?: readonly string[] } = {},
): Promise<GatewayProcess> {
  const directory = await mkdtemp(join(tmpdir(), 'gatehouse-bench-'));
  const removeDirectory = () => rm(directory, { recursive: true, force: true });
  const configPath = join(directory, 'gatehouse.yaml');
  await writeFile(configPath, benchGatewayConfig(backendUrl, extraYaml.replaceAll('${BENCH_DIR}', directory), backendsYaml));
  let gateway: GatewayProcess;
  try {
    gateway = await startGateway({
      args: ['--config', configPath, '--port', '0', '--admin-port', '0'],
      env: { GATEHOUSE_LOG_LEVEL: process.env.GATEHOUSE_LOG_LEVEL ?? 'warn' },
      timeoutMs: startTimeoutMs,
      outputTailChars,
      ...launch,
    });
  } catch (error) {
    await removeDirectory();
    throw error;
  }
  return {
    ...gateway,
    async close() {
      await gateway.close();
      await removeDirectory();
    },
  };
}
