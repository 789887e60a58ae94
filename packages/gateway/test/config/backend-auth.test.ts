import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.ts';
import { isConfigError } from '../../src/config/errors.ts';
import { credentialVariable } from '../../src/config/backend-auth.ts';
import { createTempDirectory, type TempDirectory } from '../fixtures/config-files.ts';
import { checkBackendEntry } from '../../src/discovery/backend-entry.ts';

const AUTHENTICATION = 'authentication:\n  oauth_issuer: https://login.example.com\n  audience: mcp-gateway\n';

function problemsOf(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(yaml, 'gatehouse.yaml', env);
  } catch (error) {
    if (isConfigError(error)) return error.message.split('\n');
    throw error;
  }
  return [];
}

function backendWith(auth: string, extra = ''): string {
  return `${extra}backends:\n  - name: crm\n    url: http://crm.internal/mcp\n    auth: ${auth}\n`;
}

describe('keys refused rather than accepted and left inactive', () => {
  const insteadOfPassthrough = "to call this backend on the caller's behalf, use auth: { type: token_exchange, token_url: ..., audience: <the backend's audience> } (RFC 8693), which gets a token issued for the backend";
  const table: Array<[behaviour: string, yaml: string, problem: string]> = [
    [
      'refuses audit.backend, pointing at the store and at gatehouse audit export',
      'audit:\n  backend: audit-pipeline.company.com\nbackends: []\n',
      'gatehouse.yaml: audit.backend: is not supported: audit records are kept in the gateway\'s own store (audit.store: sqlite with audit.path, or postgres with audit.postgres_url), which is what makes them tamper-evident and queryable; to ship them to an external pipeline, run "gatehouse audit export --to <destination>" (a file, an https webhook or NATS JetStream; docs/audit.md). Remove this key',
    ],
    [
      'refuses audit.categories, since security records can never be dropped, pointing at retention per category',
      'audit:\n  categories: [routine]\nbackends: []\n',
      'gatehouse.yaml: audit.categories: is not supported: every record is stored, and security records (denials, authentication failures, approvals) can never be left out; what differs per category is how long records are kept: use retention_days: { security: 2555, routine: 365 }. Remove this key',
    ],
    [
      'refuses a named credential the environment does not define, naming both variables',
      backendWith('service-account-crm'),
      'gatehouse.yaml: backends[0].auth: the credential "service-account-crm" is not defined: set GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CRM (the bearer token) or GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CRM_FILE (the path of a file holding it, such as a mounted Kubernetes or Docker secret) in the gateway\'s environment',
    ],
    [
      'refuses a named credential on a stdio backend, which has no request to carry it',
      'backends:\n  - name: files\n    command: files-server\n    auth: service-account-files\n',
      'gatehouse.yaml: backends[0].auth: the named credential "service-account-files" is sent as an Authorization header, and a stdio backend has no HTTP request to carry it; give a stdio backend its credentials through env (env: { API_TOKEN: ${GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_FILES} })',
    ],
    [
      'refuses oauth-passthrough without authentication: there is no caller token',
      backendWith('oauth-passthrough'),
      `gatehouse.yaml: backends[0].auth: oauth-passthrough needs authentication on: with no caller token there is nothing to pass; ${insteadOfPassthrough}`,
    ],
    [
      'refuses oauth-passthrough with no declared audience, citing the MCP authorization spec',
      backendWith('oauth-passthrough', AUTHENTICATION),
      `gatehouse.yaml: backends[0].auth: token passthrough is forbidden by the MCP authorization spec (Security Best Practices, "Token Passthrough"): the caller's token was issued for the gateway, not for this backend; ${insteadOfPassthrough}. Only if this backend validates tokens issued for the gateway's own audience, declare it: auth: { type: oauth_passthrough, audience: <authentication.audience> }`,
    ],
    [
      "refuses oauth_passthrough declared for an audience that is not the gateway's",
      backendWith('{ type: oauth_passthrough, audience: github }', AUTHENTICATION),
      `gatehouse.yaml: backends[0].auth: audience "github" is not the gateway's audience "mcp-gateway" (authentication.audience): the caller's token is issued for the gateway, so passing it on is allowed only to a backend that accepts exactly that audience; ${insteadOfPassthrough}`,
    ],
    [
      'refuses oauth_passthrough when the gateway has no audience to compare with',
      backendWith('{ type: oauth_passthrough, audience: mcp-gateway }', 'authentication:\n  oauth_issuer: https://login.example.com\n'),
      'gatehouse.yaml: backends[0].auth: audience "mcp-gateway" cannot be checked: authentication.audience is not set, so the gateway\'s audience is not known at load; set authentication.audience to the audience the gateway\'s tokens carry',
    ],
  ];
  for (const [behaviour, yaml, problem] of table) {
    it(behaviour, () => assert.deepEqual(problemsOf(yaml), [problem]));
  }

  it('accepts oauth_passthrough declared for the gateway\'s own audience', () => {
    const config = parseConfig(backendWith('{ type: oauth_passthrough, audience: mcp-gateway }', AUTHENTICATION), 'gatehouse.yaml', {}).config;
    assert.deepEqual(config.backends[0]?.auth, { type: 'oauth_passthrough', audience: 'mcp-gateway' });
  });
});

describe('named credentials from the environment', () => {
  let directory: TempDirectory;
  before(async () => {
    directory = await createTempDirectory();
  });
  after(() => directory.remove());

  it('names the variable after the credential: upper case, anything but letters and digits as _', () => {
    assert.equal(credentialVariable('service-account-crm'), 'GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CRM');
    assert.equal(credentialVariable('svc.billing_v2'), 'GATEHOUSE_CREDENTIAL_SVC_BILLING_V2');
  });

  it('reads the bearer token from the variable', () => {
    const config = parseConfig(backendWith('service-account-crm'), 'gatehouse.yaml', { GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CRM: 'crm-token' }).config;
    assert.deepEqual(config.backends[0]?.auth, { type: 'named', name: 'service-account-crm', secret: 'crm-token' });
  });

  it("reads it from the file _FILE names, relative to the config file's directory, without its trailing newline", async () => {
    await directory.write('crm.token', 'file-token\n');
    const config = parseConfig(backendWith('service-account-crm'), 'gatehouse.yaml', { GATEHOUSE_CONFIG_DIR: directory.path, GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CRM_FILE: 'crm.token' }).config;
    assert.deepEqual(config.backends[0]?.auth, { type: 'named', name: 'service-account-crm', secret: 'file-token' });
  });

  it('refuses a credential given twice, an unreadable file, an empty value and several lines, never printing the secret', async () => {
    const multiLine = await directory.write('multi.token', 'first-secret-line\nsecond-secret-line\n');
    const cases: Array<[env: Record<string, string>, problem: string]> = [
      [{ GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CRM: 'a', GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CRM_FILE: 'b' }, 'the credential "service-account-crm" is given twice, by GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CRM and GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CRM_FILE; set only one'],
      [{ GATEHOUSE_CONFIG_DIR: directory.path, GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CRM_FILE: 'absent.token' }, `the credential "service-account-crm": GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CRM_FILE names a file that cannot be read (ENOENT: absent.token); set GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CRM (the bearer token) or GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CRM_FILE (the path of a file holding it, such as a mounted Kubernetes or Docker secret) in the gateway's environment`],
      [{ GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CRM: '  ' }, 'the credential "service-account-crm" is empty; set GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CRM (the bearer token) or GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CRM_FILE (the path of a file holding it, such as a mounted Kubernetes or Docker secret) in the gateway\'s environment'],
      [{ GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CRM_FILE: multiLine }, 'the credential "service-account-crm" spans several lines; it must be one bearer token (not shown)'],
    ];
    for (const [env, problem] of cases) {
      const problems = problemsOf(backendWith('service-account-crm'), env);
      assert.deepEqual(problems, [`gatehouse.yaml: backends[0].auth: ${problem}`]);
      assert.doesNotMatch(problems.join('\n'), /secret-line/);
    }
  });
});

describe('auth of a discovered backend', () => {
  it('refuses oauth_passthrough: only a backend declared in gatehouse.yaml may be handed callers\' tokens', () => {
    assert.throws(() => checkBackendEntry({ name: 'found', url: 'http://found/mcp', auth: { type: 'oauth_passthrough', audience: 'mcp-gateway' } }, 'backends.d/found.yaml', '__'), (error: Error) => {
      assert.equal(error.message, "backends.d/found.yaml: auth: oauth_passthrough is not accepted from discovery: a backend that is handed callers' tokens must be declared in gatehouse.yaml, where it is checked against authentication.audience");
      return true;
    });
  });

  it('resolves a named credential from the environment as gatehouse.yaml does', () => {
    process.env.GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_FOUND = 'found-token';
    try {
      const backend = checkBackendEntry({ name: 'found', url: 'http://found/mcp', auth: 'service-account-found' }, 'backends.d/found.yaml', '__');
      assert.deepEqual(backend.auth, { type: 'named', name: 'service-account-found', secret: 'found-token' });
    } finally {
      delete process.env.GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_FOUND;
    }
  });
});
