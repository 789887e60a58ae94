// Which URLs the token verifier reaches: the configured issuer (and a
// configured jwks_uri) as the operator wrote them, even on loopback; a
// jwks_uri the issuer's metadata names on another origin only through the
// outbound guard, so a metadata document cannot point the gateway inside.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { parseConfig } from '../../src/config/load.ts';
import { assembleIdentity } from '../../src/identity/gateway-identity.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { nowSeconds, startTestIssuer, type TestIssuer } from './fixtures/test-issuer.ts';
import { startCountingListener, type CountingListener } from '../fixtures/counting-listener.ts';

const GATEWAY = 'http://127.0.0.1:48090';

describe('the verifier reaches what the operator configured, and nothing a metadata document points at', () => {
  let issuer: TestIssuer;
  let trap: CountingListener;

  before(async () => {
    issuer = await startTestIssuer();
    trap = await startCountingListener((_request, response) => void response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}'));
  });
  after(async () => {
    await issuer?.close();
    await trap?.close();
  });

  async function verifyWith(authenticationYaml: string): Promise<unknown> {
    const { config } = parseConfig(`authentication:\n${authenticationYaml}backends:\n  - { name: crm, url: http://127.0.0.1:1/mcp }\n`, 'gatehouse.yaml', {}, { hostname: 'test' });
    const identity = await assembleIdentity(config, { publicBaseUrl: GATEWAY, backendNames: ['crm'], logger: silentLogger });
    try {
      const token = await issuer.mint({ iss: issuer.issuer, aud: `${GATEWAY}/mcp`, sub: 'research', azp: 'research', exp: nowSeconds() + 300, scope: 'crm.read' });
      return await identity.authenticateBearer({ headers: { authorization: `Bearer ${token}` } } as IncomingMessage);
    } finally {
      await identity.close();
    }
  }

  it('verifies against a configured issuer on loopback, keys on its own origin', async () => {
    issuer.jwksUri = `${issuer.issuer}/jwks`;
    const caller = await verifyWith(`  oauth_issuer: ${issuer.issuer}\n`);
    assert.equal((caller as { agent?: string } | undefined)?.agent, 'research');
  });

  it('does not fetch a jwks_uri that the metadata puts on another internal origin', async () => {
    issuer.jwksUri = `${trap.origin}/jwks`;
    const caller = await verifyWith(`  oauth_issuer: ${issuer.issuer}\n`);
    assert.equal(caller, undefined);
    assert.equal(trap.accepted(), 0);
  });

  it('does not post an opaque token to an introspection endpoint the metadata puts on another internal origin', async () => {
    issuer.introspectionEndpoint = `${trap.origin}/introspect`;
    const { config } = parseConfig(`authentication:\n  oauth_issuer: ${issuer.issuer}\n  introspection: { client_id: gateway-rs, client_secret: introspection-secret }\nbackends:\n  - { name: crm, url: http://127.0.0.1:1/mcp }\n`, 'gatehouse.yaml', {}, { hostname: 'test' });
    const identity = await assembleIdentity(config, { publicBaseUrl: GATEWAY, backendNames: ['crm'], logger: silentLogger });
    try {
      assert.equal(await identity.authenticateBearer({ headers: { authorization: 'Bearer opaque-token-value' } } as IncomingMessage), undefined);
    } finally {
      await identity.close();
      issuer.introspectionEndpoint = `${issuer.issuer}/introspect`;
    }
    assert.equal(trap.accepted(), 0);
  });

  it('fetches a jwks_uri the operator configured, wherever it is', async () => {
    issuer.jwksUri = `${issuer.issuer}/jwks`;
    await verifyWith(`  oauth_issuer: ${issuer.issuer}\n  jwks_uri: ${trap.origin}/jwks\n`);
    assert.ok(trap.accepted() >= 1);
  });
});
