// The official conformance suite's authorization-server scenarios (the
// 2026-07-28 suite package) against the embedded identity provider of a
// gateway started from YAML with the demo CRM, as `npm start` runs it.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { parseConfig, silentLogger, startGateway, type RunningGateway } from '@gatehouse/gateway';
import { runAuthorizationSuite } from '../../src/conformance/authorization-run.ts';
import { SUITES } from '../../src/conformance/scenarios.ts';

const demoCrm = fileURLToPath(new URL('../../../demo-crm/src/main.ts', import.meta.url));

describe('conformance authorization against the embedded identity provider', () => {
  let gateway: RunningGateway;
  before(async () => {
    const yaml = `gateway: { port: 0, admin_port: 0 }
authentication:
  embedded_idp: { port: 0 }
backends:
  - name: crm
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(demoCrm)}, --stdio]
`;
    gateway = await startGateway(parseConfig(yaml, 'gatehouse.yaml', {}).config, { logger: silentLogger });
  });
  after(async () => {
    await gateway?.close();
  });

  it('passes every scenario: the metadata endpoint and the authorization code grant with PKCE and a resource', async () => {
    const metadata = (await (await fetch(`${gateway.url.replace(/\/mcp$/, '')}/.well-known/oauth-protected-resource/mcp`)).json()) as { authorization_servers: string[] };
    const suite = SUITES.find((candidate) => candidate.revision === '2026-07-28')!;
    const issuer = metadata.authorization_servers[0]!;
    // The suite authenticates with `none` wherever the provider offers it (PKCE alone), so it runs as a public
    // client, registered the way an MCP client without a metadata document does (RFC 7591).
    const registration = await fetch(`${issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'conformance suite', redirect_uris: ['http://127.0.0.1/callback'], application_type: 'native', token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'] }),
    });
    assert.equal(registration.status, 201, await registration.clone().text());
    const { client_id: clientId } = (await registration.json()) as { client_id: string };
    const { outcomes, output } = await runAuthorizationSuite({ cli: suite.cli, issuer, resource: gateway.url, clientId });
    assert.deepEqual(outcomes.map((outcome) => outcome.scenario).sort(), ['authorization-code-grant', 'authorization-server-metadata-endpoint'], output);
    for (const outcome of outcomes) assert.ok(outcome.isPassed, `${outcome.scenario}: ${JSON.stringify(outcome.checks)}\n${output}`);
  });
});
