// The ID-JAG replay cache shared between replicas: two embedded providers
// (one public issuer, as behind a load balancer) keep used grant ids in the
// shared Redis at 127.0.0.1:6379 under a prefix of their own, so an assertion
// traded at one is refused with invalid_grant at the other, a race between
// them has one winner, and the key lives as long as the assertion. With
// Redis away the grant is neither accepted nor refused as a replay.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { startEmbeddedIdp, type EmbeddedIdp } from '../../src/identity/embedded-idp.ts';
import { parseConfig } from '../../src/config/load.ts';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { RedisSeenGrants } from '../../src/identity/embedded-idp/redis-seen-grants.ts';
import { openRedisConnection, type RedisConnection } from '../../src/cluster/redis-connection.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { eventually } from '../fixtures/eventually.ts';
import { freePort, redisSkipReason, SHARED_REDIS_URL, uniquePrefix } from '../fixtures/redis.ts';

const PUBLIC_ISSUER = 'http://idp.gatehouse.test';
const GATEWAY = 'http://gatehouse.test';
const skip = await redisSkipReason();

async function startCompanyIdp(): Promise<{ issuer: string; key: CryptoKey; server: Server }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'company-1', alg: 'ES256', use: 'sig' };
  const server = createServer((request, response) => {
    if (request.url !== '/jwks') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { issuer: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, key: privateKey, server };
}

async function connected(url: string): Promise<RedisConnection> {
  const connection = openRedisConnection(url, silentLogger);
  await eventually(async () => assert.ok(connection.isReady, 'Redis is not ready yet'));
  return connection;
}

function idJagOf(company: Awaited<ReturnType<typeof startCompanyIdp>>, resource: string, jti: string = randomUUID(), lifetimeSeconds = 300): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: company.issuer, sub: 'U019488227', aud: PUBLIC_ISSUER, resource, client_id: 'copilot', jti, scope: 'echo.read', iat: now, exp: now + lifetimeSeconds })
    .setProtectedHeader({ alg: 'ES256', kid: 'company-1', typ: 'oauth-id-jag+jwt' })
    .sign(company.key);
}

async function trade(endpoint: string, assertion: string): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('copilot:copilot-secret').toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** The token endpoint of a provider answering for PUBLIC_ISSUER, as reached on its own port. */
async function tokenEndpointAt(port: number): Promise<string> {
  const local = `http://127.0.0.1:${port}`;
  const metadata = (await (await fetch(`${local}/.well-known/oauth-authorization-server`)).json()) as { token_endpoint: string };
  return metadata.token_endpoint.replace(PUBLIC_ISSUER, local);
}

describe('the ID-JAG replay cache shared in Redis between replicas', { skip }, () => {
  let company: Awaited<ReturnType<typeof startCompanyIdp>>;
  let redis: RedisConnection;
  let seenGrants: RedisSeenGrants;
  let replicas: EmbeddedIdp[];
  let tokenEndpoints: string[];

  /** One replica of the embedded provider with `grants` as its replay cache, and where it is reached (not its public issuer). */
  async function replica(grants: RedisSeenGrants): Promise<{ idp: EmbeddedIdp; tokenEndpoint: string }> {
    const port = await freePort();
    const idp = await startEmbeddedIdp({
      port,
      publicIssuer: PUBLIC_ISSUER,
      gatewayBaseUrl: GATEWAY,
      agents: [{ name: 'copilot', secret: 'copilot-secret', scopes: ['echo.read'], roles: [], description: 'an agent the company IdP grants to' }],
      scopes: ['echo.read'],
      enterpriseIdps: [{ issuer: company.issuer, jwksUri: `${company.issuer}/jwks` }],
      seenGrants: grants,
      isAutoLogin: false,
    });
    return { idp, tokenEndpoint: await tokenEndpointAt(port) };
  }

  before(async () => {
    company = await startCompanyIdp();
    redis = await connected(SHARED_REDIS_URL);
    seenGrants = new RedisSeenGrants({ commands: redis.commands, prefix: uniquePrefix('id-jag') });
    // Both answer for one public issuer; each is reached at its own port, as a load balancer would.
    const started = [await replica(seenGrants), await replica(seenGrants)];
    replicas = started.map((each) => each.idp);
    tokenEndpoints = started.map((each) => each.tokenEndpoint);
  });
  after(async () => {
    for (const idp of replicas ?? []) await idp.close();
    await redis?.close();
    company?.server.close();
  });

  const idJag = (jti?: string, lifetimeSeconds?: number) => idJagOf(company, `${GATEWAY}/mcp`, jti, lifetimeSeconds);

  it('refuses with invalid_grant on one replica an ID-JAG already traded on the other', async () => {
    const assertion = await idJag();
    const first = await trade(tokenEndpoints[0]!, assertion);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const second = await trade(tokenEndpoints[1]!, assertion);
    assert.equal(second.status, 400, JSON.stringify(second.body));
    assert.equal(second.body.error, 'invalid_grant');
    assert.match(second.body.error_description, /already used/);
  });

  it('lets exactly one of two replicas trading the same ID-JAG at once win', async () => {
    const assertion = await idJag();
    const answers = await Promise.all([trade(tokenEndpoints[0]!, assertion), trade(tokenEndpoints[1]!, assertion)]);
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 400], JSON.stringify(answers.map((answer) => answer.body)));
  });

  it('keeps a used grant id in Redis until the assertion expires, and no longer', async () => {
    const jti = randomUUID();
    assert.equal((await trade(tokenEndpoints[0]!, await idJag(jti, 120))).status, 200);
    const ttlMs = Number(await redis.commands.sendCommand(['PTTL', seenGrants.key(`${company.issuer}\u0000${jti}`)]));
    assert.ok(ttlMs > 110_000 && ttlMs <= 120_000, `the key expires in ${ttlMs} ms; the assertion in 120 s`);
  });

  it('neither accepts nor calls a replay an ID-JAG whose replay check cannot reach Redis', async () => {
    const away = openRedisConnection(`redis://127.0.0.1:${await freePort()}`, silentLogger);
    const isolated = await replica(new RedisSeenGrants({ commands: away.commands, prefix: uniquePrefix('id-jag-away') }));
    try {
      const answer = await trade(isolated.tokenEndpoint, await idJag());
      assert.equal(answer.status, 503, JSON.stringify(answer.body));
      assert.equal(answer.body.error, 'temporarily_unavailable');
      assert.match(answer.body.error_description, /replay check .* unavailable.*retry/);
    } finally {
      await isolated.idp.close();
      await away.close();
    }
  });
});

describe('gateway replicas with a Redis session store', { skip }, () => {
  let company: Awaited<ReturnType<typeof startCompanyIdp>>;
  const gateways: RunningGateway[] = [];
  const tokenEndpoints: string[] = [];

  before(async () => {
    company = await startCompanyIdp();
    const prefix = uniquePrefix('id-jag-gw');
    for (let replica = 0; replica < 2; replica++) {
      const idpPort = await freePort();
      const yaml = `gateway: { port: 0, admin_port: 0, endpoint: ${GATEWAY}/mcp }
session_store: ${SHARED_REDIS_URL}
session_key_prefix: ${JSON.stringify(prefix)}
authentication:
  embedded_idp:
    port: ${idpPort}
    public_issuer: ${PUBLIC_ISSUER}
    agents:
      - { name: copilot, secret: copilot-secret, scopes: [echo.read] }
    enterprise_idps:
      - { issuer: ${company.issuer}, jwks_uri: ${company.issuer}/jwks }
`;
      gateways.push(await startGateway(parseConfig(yaml, 'gatehouse.yaml', {}).config, { logger: silentLogger }));
      tokenEndpoints.push(await tokenEndpointAt(idpPort));
    }
  });
  after(async () => {
    for (const gateway of gateways) await gateway.close();
    company?.server.close();
  });

  it('share the replay cache: an ID-JAG traded at one replica\'s provider is refused at the other\'s', async () => {
    const assertion = await idJagOf(company, `${GATEWAY}/mcp`);
    const first = await trade(tokenEndpoints[0]!, assertion);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const second = await trade(tokenEndpoints[1]!, assertion);
    assert.equal(second.status, 400, JSON.stringify(second.body));
    assert.equal(second.body.error, 'invalid_grant');
  });
});
