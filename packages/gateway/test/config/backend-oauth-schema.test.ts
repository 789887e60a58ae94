// `auth: { type: oauth }` in gatehouse.yaml: the defaults it gets, and the
// refusals that name the file, the key and what was expected.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.ts';
import { DEFAULT_MAX_STEP_UPS, DEFAULT_OAUTH_REDIRECT_URI } from '../../src/config/backend-oauth-schema.ts';

const withAuth = (auth: string, command = false) => `backends:\n  - name: reports\n    ${command ? 'command: node' : 'url: https://reports.example.com/mcp'}\n    auth: ${auth}\n`;

function problemsOf(yaml: string): string {
  try {
    parseConfig(yaml, 'gatehouse.yaml', {});
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('a backend with auth type oauth', () => {
  it('defaults to the authorization code grant, a loopback redirect and two step-ups', () => {
    const { config } = parseConfig(withAuth('{ type: oauth }'), 'gatehouse.yaml', {});
    assert.deepEqual(config.backends[0]!.auth, { type: 'oauth', grant: 'authorization_code', redirectUri: DEFAULT_OAUTH_REDIRECT_URI, maxStepUps: DEFAULT_MAX_STEP_UPS });
  });

  it('keeps a Client ID Metadata Document URL and a pre-registered client', () => {
    const { config } = parseConfig(withAuth('{ type: oauth, client_id_metadata_url: "https://gw.example.com/.well-known/oauth-client/gatehouse.json", client_id: gh, client_secret: s3, token_endpoint_auth_method: client_secret_post }'), 'gatehouse.yaml', {});
    const auth = config.backends[0]!.auth;
    assert.equal(auth.type, 'oauth');
    assert.equal(auth.type === 'oauth' && auth.clientIdMetadataUrl, 'https://gw.example.com/.well-known/oauth-client/gatehouse.json');
    assert.equal(auth.type === 'oauth' && auth.tokenEndpointAuthMethod, 'client_secret_post');
  });

  it('refuses client_credentials without a client id, naming the file and key', () => {
    assert.match(problemsOf(withAuth('{ type: oauth, grant: client_credentials }')), /gatehouse\.yaml: backends\[0\]\.auth\.client_id: grant client_credentials needs client_id/);
  });

  it('refuses a Client ID Metadata Document URL that is not https', () => {
    assert.match(problemsOf(withAuth('{ type: oauth, client_id_metadata_url: "http://gw.example.com/client.json" }')), /backends\[0\]\.auth\.client_id_metadata_url: expected an https URL with a path/);
  });

  it('refuses a redirect URI that is not a loopback port', () => {
    assert.match(problemsOf(withAuth('{ type: oauth, redirect_uri: "https://gw.example.com/callback" }')), /backends\[0\]\.auth\.redirect_uri: expected a loopback http URL/);
  });

  it('refuses private_key_jwt without a key file', () => {
    assert.match(problemsOf(withAuth('{ type: oauth, client_id: gh, token_endpoint_auth_method: private_key_jwt }')), /backends\[0\]\.auth\.private_key_file: token_endpoint_auth_method private_key_jwt needs private_key_file/);
  });

  it('refuses a key file that cannot be read, naming the path', () => {
    assert.match(problemsOf(withAuth('{ type: oauth, grant: client_credentials, client_id: gh, private_key_file: /nonexistent/key.pem }')), /backends\[0\]\.auth\.private_key_file: cannot be read \(ENOENT: \/nonexistent\/key\.pem\)/);
  });

  it('applies to http backends only', () => {
    assert.match(problemsOf(withAuth('{ type: oauth }', true)), /"oauth" applies to http backends only/);
  });

  it('refuses two URLs for the one Client ID Metadata Document the gateway serves', () => {
    const yaml = `backends:
  - name: reports
    url: https://reports.example.com/mcp
    auth: { type: oauth, client_id_metadata_url: "https://gw.example.com/.well-known/oauth-client/gatehouse.json" }
  - name: billing
    url: https://billing.example.com/mcp
    auth: { type: oauth, client_id_metadata_url: "https://other.example.com/.well-known/oauth-client/gatehouse.json" }
`;
    assert.match(problemsOf(yaml), /backends\[1\]\.auth\.client_id_metadata_url: is https:\/\/other\.example\.com.*give every backend the same URL/);
  });

  it('refuses grant id_jag without the company IdP, naming each missing key', () => {
    const message = problemsOf(withAuth('{ type: oauth, grant: id_jag, client_id: gh, client_secret: s3 }'));
    for (const key of ['idp_token_endpoint', 'idp_client_id', 'id_token_file']) assert.match(message, new RegExp(`backends\\[0\\]\\.auth\\.${key}: grant id_jag needs ${key}`));
  });

  it('refuses grant jwt_bearer without the workload token file', () => {
    assert.match(problemsOf(withAuth('{ type: oauth, grant: jwt_bearer, client_id: gh }')), /backends\[0\]\.auth\.assertion_file: grant jwt_bearer needs assertion_file/);
  });

  it('resolves a relative workload token file from the config file\'s directory', () => {
    const { config } = parseConfig(withAuth('{ type: oauth, grant: jwt_bearer, client_id: gh, assertion_file: tokens/workload.jwt }'), 'gatehouse.yaml', { GATEHOUSE_CONFIG_DIR: '/etc/gatehouse' });
    const auth = config.backends[0]!.auth;
    assert.equal(auth.type === 'oauth' && auth.assertionFile, '/etc/gatehouse/tokens/workload.jwt');
  });
});
