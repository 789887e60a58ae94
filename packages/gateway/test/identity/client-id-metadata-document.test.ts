import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import { startEmbeddedIdp, type EmbeddedIdp } from '../../src/identity/embedded-idp.ts';
import { createTokenVerifier } from '../../src/identity/token-verifier.ts';
import { OutboundGuard } from '../../src/outbound/outbound-guard.ts';
import { makeTestCertificate } from '../fixtures/test-certificate.ts';
import { followAuthorization } from './fixtures/browser.ts';

const GATEWAY = 'http://127.0.0.1:48080';
const REDIRECT = 'http://127.0.0.1:47012/callback';

// Metadata document URLs must be https (draft-ietf-oauth-client-id-metadata-document).
const certificate = makeTestCertificate();

describe('Client ID Metadata Documents at the embedded IdP', { skip: certificate === undefined && process.env.CI !== 'true' ? 'openssl is not installed, so no https server for the metadata document can be made' : false }, () => {
  let documents: Server;
  let clientId: string;
  let idp: EmbeddedIdp;
  let documentFetches = 0;

  before(async () => {
    assert.ok(certificate, 'openssl is needed to serve a metadata document over https');
    documents = createServer(certificate, (request, response) => {
      documentFetches++;
      if (request.url !== '/oauth/client.json') return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
      response.end(JSON.stringify({
        client_id: clientId,
        client_name: 'Metadata document client',
        redirect_uris: [REDIRECT],
        application_type: 'native',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      }));
    });
    await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve));
    clientId = `https://127.0.0.1:${(documents.address() as AddressInfo).port}/oauth/client.json`;
    // The outbound guard refuses loopback unless allow-listed (test/identity/embedded-idp-ssrf.test.ts); this one opens 127.0.0.1 and trusts the test certificate.
    idp = await startEmbeddedIdp({
      gatewayBaseUrl: GATEWAY,
      outbound: new OutboundGuard({ allow: ['127.0.0.1'], ca: certificate.cert }),
    });
  });
  after(async () => {
    await idp?.close();
    documents?.closeAllConnections();
    await new Promise((resolve) => documents?.close(resolve));
  });

  test('accepts an https URL as client_id, fetches its document, and completes the code flow for it', async () => {
    const issuerUrl = new URL(idp.issuer);
    const as = await oauth.processDiscoveryResponse(issuerUrl, await oauth.discoveryRequest(issuerUrl, { algorithm: 'oauth2', [oauth.allowInsecureRequests]: true }));
    const client: oauth.Client = { client_id: clientId };
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'crm.read',
      state,
      resource: `${GATEWAY}/mcp`,
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    }).toString();
    const callback = await followAuthorization(url, REDIRECT);
    const parameters = oauth.validateAuthResponse(as, client, callback, state);
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), parameters, REDIRECT, codeVerifier, {
      additionalParameters: { resource: `${GATEWAY}/mcp` },
      [oauth.allowInsecureRequests]: true,
    });
    const { access_token } = await oauth.processAuthorizationCodeResponse(as, client, response);
    const caller = await createTokenVerifier({ issuer: idp.issuer, audiences: [`${GATEWAY}/mcp`] }).verify(access_token);
    assert.equal(caller.agent, clientId);
    assert.equal(caller.user, 'alice');
    assert.ok(documentFetches >= 1);
  });

  test('refuses a redirect URI that the metadata document does not list', async () => {
    const url = new URL(`${idp.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: 'http://127.0.0.1:47012/elsewhere',
      response_type: 'code',
      scope: 'crm.read',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const response = await fetch(url, { redirect: 'manual' });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /redirect_uri/);
  });
});
