// The peers `npm run bench -- --peers` measures the gateway against, run as
// the registry ships them (pinned in the root package.json): supergateway and
// mcp-proxy, each fronting the SDK v1 echo server over stdio and serving
// Streamable HTTP on a loopback port. supergateway runs `--stateful`: its
// stateless mode starts a new server process per request, which would measure
// process start-up, not proxying; stateful starts one per session.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { backendScripts } from '../../packages/testing/src/backends/launch.ts';

export type PeerName = 'supergateway' | 'mcp-proxy';
export const peerNames: readonly PeerName[] = ['supergateway', 'mcp-proxy'];

const entries: Readonly<Record<PeerName, string>> = {
  supergateway: fileURLToPath(new URL('../../node_modules/supergateway/dist/index.js', import.meta.url)),
  'mcp-proxy': fileURLToPath(new URL('../../node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs', import.meta.url)),
};

export interface PeerProcess {
  name: PeerName;
  /** The Streamable HTTP endpoint, e.g. http://127.0.0.1:41233/mcp. */
  url: string;
  process: ChildProcess;
  close(): Promise<void>;
}

export class PeerStartError extends Error {
  readonly code = 'bench_peer_start_failed';
}

const startTimeoutMs = 30_000;

/** The command line that runs one peer on `port` over the v1 echo server. */
export function peerCommand(name: PeerName, port: number): string[] {
  const echoServer = [process.execPath, backendScripts.v1, '--stdio'];
  if (name === 'supergateway') {
    // supergateway runs the server through a shell: one command string.
    const stdioCommand = echoServer.map((part) => JSON.stringify(part)).join(' ');
    return [entries.supergateway, '--stdio', stdioCommand, '--outputTransport', 'streamableHttp', '--stateful', '--port', String(port), '--logLevel', 'none'];
  }
  return [entries['mcp-proxy'], '--host', '127.0.0.1', '--port', String(port), '--server', 'stream', '--', ...echoServer];
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts the peer and waits until its endpoint answers HTTP at all (any status: it is listening). */
export async function startPeer(name: PeerName): Promise<PeerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, peerCommand(name, port), { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4096);
  });
  const url = `http://127.0.0.1:${port}/mcp`;
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const exited = once(child, 'exit');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = performance.now() + startTimeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new PeerStartError(`${name} exited with code ${child.exitCode} before listening: ${output}`);
    try {
      const response = await fetch(url, { method: 'GET', headers: { accept: 'text/event-stream' }, signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      return { name, url, process: child, close };
    } catch {
      await sleep(100);
    }
  }
  await close();
  throw new PeerStartError(`${name} did not listen on ${url} within ${startTimeoutMs} ms: ${output}`);
}
