import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, SignJWT } from 'jose';
import { startEmbeddedIdp, type EmbeddedIdp } from '../../src/identity/embedded-idp.ts';
import { OutboundGuard, type Resolve } from '../../src/outbound/outbound-guard.ts';
import { startCountingListener, type CountingListener } from '../fixtures/counting-listener.ts';
import { makeTestCertificate } from '../fixtures/test-certificate.ts';

// The red team's attack: without logging in, make the embedded provider fetch
// internal URLs (a Client ID Metadata Document, a DCR sector_identifier_uri, a
// client's jwks_uri). Each test counts the TCP connections that arrive.

const GATEWAY = 'http://127.0.0.1:48080';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const certificate = makeTestCertificate(['allowed.test']);

const resolverOf = (table: Record<string, string[]>): Resolve => async (hostname) => {
  const addresses = table[hostname];
  if (addresses === undefined) throw Object.assign(new Error(`${hostname} not found`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

async function authorize(idp: EmbeddedIdp, clientId: string): Promise<{ status: number; text: string }> {
  const url = new URL(`${idp.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: clientId, redirect_uri: 'http://127.0.0.1:47012/callback', response_type: 'code', scope: 'crm.read',
    code_challenge: CHALLENGE, code_challenge_method: 'S256',
  }).toString();
  const response = await fetch(url, { redirect: 'manual' });
  return { status: response.status, text: await response.text() };
}

async function register(idp: EmbeddedIdp, metadata: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${idp.issuer}/reg`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(metadata) });
  return { status: response.status, body: await response.json() as Record<string, unknown> };
}

describe('the embedded provider fetches no internal URL a caller names', { skip: certificate === undefined && process.env.CI !== 'true' ? 'openssl is not installed' : false }, () => {
  let inside: CountingListener;
  let idp: EmbeddedIdp;
  let resolvingIdp: EmbeddedIdp;

  before(async () => {
    assert.ok(certificate);
    inside = await startCountingListener((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('[]');
    }, certificate);
    idp = await startEmbeddedIdp({ gatewayBaseUrl: GATEWAY });
    resolvingIdp = await startEmbeddedIdp({
      gatewayBaseUrl: GATEWAY,
      outbound: new OutboundGuard({ ca: certificate.cert, resolve: resolverOf({ 'keys.corp.test': ['127.0.0.1'], 'docs.corp.test': ['127.0.0.1'] }) }),
    });
  });
  after(async () => {
    await idp?.close();
    await resolvingIdp?.close();
    await inside?.close();
  });

  test('refuses a Client ID Metadata Document on loopback, in any spelling, without connecting', async () => {
    for (const host of ['127.0.0.1', '2130706433', 'localhost', '[::ffff:127.0.0.1]']) {
      const answer = await authorize(idp, `https://${host}:${inside.port}/oauth/client.json`);
      assert.equal(answer.status, 400, host);
    }
    assert.equal(inside.accepted(), 0);
  });

  test('refuses a Client ID Metadata Document whose host name resolves to loopback, without connecting', async () => {
    const answer = await authorize(resolvingIdp, `https://docs.corp.test:${inside.port}/oauth/client.json`);
    assert.equal(answer.status, 400);
    assert.equal(inside.accepted(), 0);
  });

  test('refuses a registration whose sector_identifier_uri is on loopback, without connecting', async () => {
    const answer = await register(idp, { redirect_uris: ['https://client.example/cb'], sector_identifier_uri: `https://127.0.0.1:${inside.port}/sector.json` });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error, 'invalid_client_metadata');
    assert.equal(inside.accepted(), 0);
  });

  test('does not fetch a registered client\'s jwks_uri on a private address or a name resolving to loopback', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    for (const jwksUri of ['https://10.20.30.40/jwks.json', `https://keys.corp.test:${inside.port}/jwks.json`]) {
      const registered = await register(resolvingIdp, {
        redirect_uris: [], response_types: [], grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256', jwks_uri: jwksUri,
      });
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      const clientId = String(registered.body.client_id);
      const assertion = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'attacker' })
        .setIssuer(clientId).setSubject(clientId).setAudience(resolvingIdp.issuer).setJti(crypto.randomUUID()).setIssuedAt().setExpirationTime('1m')
        .sign(privateKey);
      const started = Date.now();
      const token = await fetch(`${resolvingIdp.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }),
      });
      assert.equal(token.status, 401, jwksUri);
      assert.equal((await token.json() as { error: string }).error, 'invalid_client');
      assert.ok(Date.now() - started < 2000, 'refused at once, not after a connect timeout');
    }
    assert.equal(inside.accepted(), 0);
  });

  test('re-checks a redirect: an allowed host sending the sector_identifier_uri fetch to loopback reaches nothing', async () => {
    const target = await startCountingListener((_request, response) => void response.writeHead(200, { 'content-type': 'application/json' }).end('["https://client.example/cb"]'), certificate);
    const bouncer = await startCountingListener((_request, response) => void response.writeHead(302, { location: `https://127.0.0.1:${target.port}/sector.json` }).end(), certificate);
    const guarded = await startEmbeddedIdp({
      gatewayBaseUrl: GATEWAY,
      outbound: new OutboundGuard({ allow: ['allowed.test'], ca: certificate!.cert, resolve: resolverOf({ 'allowed.test': ['127.0.0.1'] }) }),
    });
    try {
      const answer = await register(guarded, { redirect_uris: ['https://client.example/cb'], sector_identifier_uri: `https://allowed.test:${bouncer.port}/sector.json` });
      assert.equal(answer.status, 400);
      assert.equal(bouncer.accepted(), 1);
      assert.equal(target.accepted(), 0);
    } finally {
      await guarded.close();
      await bouncer.close();
      await target.close();
    }
  });

  test('allow-listing the CIDR lets the same sector_identifier_uri through', async () => {
    const sector = await startCountingListener((_request, response) => void response.writeHead(200, { 'content-type': 'application/json' }).end('["https://client.example/cb"]'), certificate);
    const allowed = await startEmbeddedIdp({ gatewayBaseUrl: GATEWAY, outbound: new OutboundGuard({ allow: ['127.0.0.0/8'], ca: certificate!.cert }) });
    try {
      const answer = await register(allowed, { redirect_uris: ['https://client.example/cb'], sector_identifier_uri: `https://127.0.0.1:${sector.port}/sector.json` });
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      assert.equal(sector.accepted(), 1);
    } finally {
      await allowed.close();
      await sector.close();
    }
  });
});
