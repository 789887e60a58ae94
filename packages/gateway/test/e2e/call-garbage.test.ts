// What a call leaves behind for the garbage collector, through the real CLI:
// after one full collection under load (as every long-running gateway has
// had), the young collections must still find each finished call dead. The
// registries every call passes through once kept V8 Map and Set tables that,
// moved to the old generation by a full collection, kept every call's objects
// alive until they were promoted: about 5 KB per call, from then on
// (docs/benchmarks.md, "Session 12"; src/collections/). Read from the
// gateway's own --trace-gc-nvp lines: the bytes its young collections
// promoted while the clients made their calls, per call.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { backendScripts, startHttpBackend, stdioCommand, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import { FULL_GC_ON_SIGNAL_PRELOAD, startGateway, type GatewayProcess } from '@gatehouse/testing/gateway/launch-gateway';
import { connectV1, connectV2, firstText } from '../fixtures/clients.ts';

/** Clients of each revision, each making its calls one after another. */
const CLIENTS_PER_ERA = 6;
const CALLS_PER_CLIENT = 300;
/** About 5 KB a call before the fix, under 100 B after; far from both. */
const MAX_PROMOTED_BYTES_PER_CALL = 1_000;

function promotedByYoungCollections(trace: string): { bytes: number; collections: number } {
  let bytes = 0;
  let collections = 0;
  for (const line of trace.split('\n')) {
    if (!line.includes(' gc=s ')) continue;
    collections++;
    bytes += Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0);
  }
  return { bytes, collections };
}

describe('what a call leaves behind, after a full collection', () => {
  let directory: string;
  let httpBackend: HttpBackendProcess;
  let gateway: GatewayProcess;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-call-garbage-'));
    httpBackend = await startHttpBackend(backendScripts.v1);
    const stdio = stdioCommand(backendScripts.v1);
    const config = [
      'gateway:', '  host: 127.0.0.1', '  port: 0', '  admin_port: 0',
      'backends:',
      '  - name: local', `    command: ${JSON.stringify(stdio.command)}`, `    args: ${JSON.stringify(stdio.args)}`,
      '  - name: remote', `    url: ${httpBackend.url}`,
      '',
    ].join('\n');
    await writeFile(join(directory, 'gatehouse.yaml'), config);
    gateway = await startGateway({
      args: ['--config', join(directory, 'gatehouse.yaml')],
      env: { GATEHOUSE_LOG_LEVEL: 'warn' },
      nodeFlags: ['--expose-gc', '--require', FULL_GC_ON_SIGNAL_PRELOAD, '--trace-gc-nvp'],
      outputTailChars: 64 * 1024 * 1024,
      timeoutMs: 60_000,
    });
  });

  after(async () => {
    await gateway?.close();
    await httpBackend?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('promotes almost nothing per call, for both revisions through stdio and HTTP backends', async () => {
    const clients = await Promise.all([
      ...Array.from({ length: CLIENTS_PER_ERA }, () => connectV1(gateway.url)),
      ...Array.from({ length: CLIENTS_PER_ERA }, () => connectV2(gateway.url, 'auto')),
    ]);
    try {
      const callAll = (calls: number) => Promise.all(clients.map(async (client, clientIndex) => {
        for (let index = 0; index < calls; index++) {
          const tool = (clientIndex + index) % 2 === 0 ? 'local__echo' : 'remote__echo';
          const result = await client.callTool({ name: tool, arguments: { message: `${clientIndex}-${index}` } });
          assert.equal(firstText(result), `${clientIndex}-${index}`);
        }
      }));
      await callAll(40);
      gateway.process.kill('SIGUSR2');
      await sleep(300);
      const traceStart = gateway.stdout().length;
      await callAll(CALLS_PER_CLIENT);
      const { bytes, collections } = promotedByYoungCollections(gateway.stdout().slice(traceStart));
      const calls = clients.length * CALLS_PER_CLIENT;
      assert.ok(collections >= 3, `only ${collections} young collections ran during ${calls} calls: too few to judge`);
      assert.ok(bytes / calls < MAX_PROMOTED_BYTES_PER_CALL, `${Math.round(bytes / calls)} B promoted per call over ${collections} young collections`);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });
});
