// The embedded identity provider's port follows the gateway's: two
// `gatehouse start` of the shipped default on one host (say two replicas
// tried locally) get providers on their own ports + 2 instead of both asking
// for 8082, where the second used to exit; an explicit embedded_idp.port wins.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type GatewayProcess } from '@gatehouse/testing/gateway/launch-gateway';
import { DEFAULT_CONFIG_PATH } from '../../src/config/default-config.ts';
import { parseConfig } from '../../src/config/load.ts';
import { assembleIdentity, embeddedIdpPort } from '../../src/identity/gateway-identity.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';

const REPOSITORY = new URL('../../../../', import.meta.url).pathname.replace(/\/$/, '');

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  const outcome = await Promise.race([once(server, 'listening').then(() => true), once(server, 'error').then(() => false)]);
  if (outcome) await new Promise((resolve) => server.close(resolve));
  return outcome;
}

/** A free port whose + 2 is free too, outside `taken`: room for a gateway and its embedded provider. */
async function freeGatewayPort(taken: readonly number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    const isClear = port + 2 <= 65_535 && !taken.some((other) => Math.abs(other - port) <= 2);
    if (isClear && (await isFree(port + 2))) return port;
  }
  throw new Error('found no free port with a free port two above it');
}

async function issuerOf(gateway: GatewayProcess): Promise<string> {
  const metadata = (await (await fetch(`${new URL(gateway.url).origin}/.well-known/oauth-protected-resource/mcp`)).json()) as { authorization_servers: string[] };
  return metadata.authorization_servers[0]!;
}

describe('the embedded provider\'s default port', () => {
  it('is the gateway\'s port + 2, any free port for a gateway on any free port, and any free port past the top of the range', () => {
    assert.deepEqual([8080, 9080, 0, 65_534, undefined].map(embeddedIdpPort), [8082, 9082, 0, 0, 8082]);
  });
});

describe('two gateways on the shipped default on one host', () => {
  let directory: string;
  const gateways: GatewayProcess[] = [];
  const ports: number[] = [];

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-idp-port-'));
    // The shipped default, its audit database in this test's folder.
    const config = (await readFile(DEFAULT_CONFIG_PATH, 'utf8')).replaceAll('${GATEHOUSE_ROOT}/.gatehouse/', `${directory}/`);
    const path = join(directory, 'gatehouse.yaml');
    await writeFile(path, config);
    for (let index = 0; index < 2; index++) {
      const port = await freeGatewayPort(ports);
      ports.push(port);
      gateways.push(await startGateway({
        args: ['--config', path, '--port', String(port), '--admin-port', '0'],
        env: { GATEHOUSE_ROOT: REPOSITORY, GATEHOUSE_LOG_LEVEL: 'warn' },
        timeoutMs: 90_000,
      }));
    }
  });
  after(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await rm(directory, { recursive: true, force: true });
  });

  it('both keep running, each with its provider on its own port + 2', async () => {
    for (const [index, gateway] of gateways.entries()) {
      assert.equal(gateway.process.exitCode, null, `gateway ${index} exited: ${gateway.stderr()}`);
      const issuer = await issuerOf(gateway);
      assert.equal(issuer, `http://127.0.0.1:${ports[index]! + 2}`);
      const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { issuer: string };
      assert.equal(discovery.issuer, issuer);
    }
  });
});

describe('an explicit embedded_idp.port', () => {
  it('wins over the port derived from the gateway\'s', async () => {
    const chosen = await freeGatewayPort([]);
    const { config } = parseConfig(`authentication:\n  embedded_idp: { port: ${chosen} }\nbackends: []\n`, 'gatehouse.yaml', {}, { hostname: 'test' });
    // A gateway asked for 8080 would put its provider on 8082 by default.
    const identity = await assembleIdentity(config, { publicBaseUrl: 'http://127.0.0.1:8080', backendNames: [], logger: silentLogger, gatewayPort: 8080 });
    try {
      assert.equal(identity.issuer, `http://127.0.0.1:${chosen}`);
    } finally {
      await identity.close();
    }
  });
});
