import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.ts';
import { LOCAL_ORIGINS, type GatewayConfig } from '../../src/config/schema.ts';
import type { BackendAuthConfig } from '../../src/config/backend-schema.ts';
import { DEFAULT_RESILIENCE } from '../../src/config/resilience-settings.ts';
import { MINIMAL_YAML, SEED_CHAPTER_6_AS_RUN_YAML, SEED_CHAPTER_6_CREDENTIALS, SEED_CHAPTER_8_SESSION_YAML } from '../fixtures/config-files.ts';

function parse(text: string, env: Record<string, string> = {}): GatewayConfig {
  return parseConfig(text, 'gatehouse.yaml', env, { hostname: 'testhost' }).config;
}

describe('config schema', () => {
  it("accepts the playbook's chapter-6 gateway example in the keys Gatehouse acts on", () => {
    const config = parse(SEED_CHAPTER_6_AS_RUN_YAML, { ...SEED_CHAPTER_6_CREDENTIALS });
    assert.equal(config.gateway.endpoint, 'https://mcp-gateway.company.com');
    assert.deepEqual(config.authentication, {
      oauthIssuer: 'https://login.company.com',
      audience: 'mcp-gateway',
      mode: 'hybrid',
      isAnonymousAllowed: false,
      embeddedIdp: undefined,
      verifier: {},
      scopesSupported: undefined,
      serviceClient: undefined,
    });
    assert.deepEqual(config.audit, { backend: undefined, retentionDays: 2555, raw: { retention_days: 2555 } });
    assert.deepEqual(config.backends[0], {
      kind: 'http',
      name: 'salesforce',
      url: 'http://mcp-salesforce.internal:8000',
      headers: {},
      timeoutMs: 5000,
      auth: { type: 'named', name: 'service-account-salesforce', secret: 'salesforce-service-token' },
      requiredScope: 'salesforce.access',
      enabled: true,
      resilience: DEFAULT_RESILIENCE,
    });
    assert.deepEqual(config.backends[2]?.auth, { type: 'oauth_passthrough', audience: 'mcp-gateway' });
    assert.deepEqual(config.policies, [
      { name: 'rate_limit_per_user', type: 'rate_limit', settings: { requests_per_minute: 60 } },
      { name: 'cost_ceiling', type: 'cost_per_session', settings: { max_usd: 10 } },
      { name: 'pii_redaction', type: 'response_filter', settings: { patterns: ['ssn', 'credit_card', 'full_email'] } },
    ]);
  });

  it("accepts chapter 8's session settings as top-level keys", () => {
    const config = parse(`${MINIMAL_YAML}${SEED_CHAPTER_8_SESSION_YAML}`);
    assert.deepEqual(config.session, {
      store: 'redis://session-store.internal:6379/0',
      ttlSeconds: 3600,
      maxConcurrentSessionsPerUser: 10,
      maxMessageSizeBytes: 1_048_576,
      maxJsonDepth: 64,
      streamTimeoutSeconds: 300,
      keyPrefix: 'gatehouse:',
    });
  });

  it('fills every default when a config names only its backends', () => {
    const config = parse(MINIMAL_YAML);
    assert.deepEqual(config.gateway, {
      endpoint: undefined,
      id: 'gatehouse-testhost',
      host: '127.0.0.1',
      port: 8080,
      adminHost: '127.0.0.1',
      adminPort: 8081,
      nameSeparator: '__',
      allowedOrigins: [...LOCAL_ORIGINS],
      drainTimeoutSeconds: 25,
    });
    assert.equal(config.authentication, undefined);
    assert.equal(config.audit, undefined);
    assert.deepEqual(config.policies, []);
    assert.deepEqual(config.session, { store: 'memory', ttlSeconds: 3600, maxConcurrentSessionsPerUser: 10, maxMessageSizeBytes: 1_048_576, maxJsonDepth: 64, streamTimeoutSeconds: 300, keyPrefix: 'gatehouse:' });
    assert.deepEqual(config.backends, [
      { kind: 'stdio', name: 'crm', command: 'node', args: ['server.js'], env: {}, cwd: undefined, timeoutMs: 30_000, auth: { type: 'none' }, requiredScope: undefined, enabled: true, resilience: DEFAULT_RESILIENCE },
    ]);
  });

  it('reads policy settings from a settings mapping the same as from inline keys', () => {
    const config = parse(`${MINIMAL_YAML}policies:\n  - name: limit\n    type: rate_limit\n    settings:\n      requests_per_minute: 60\n`);
    assert.deepEqual(config.policies, [{ name: 'limit', type: 'rate_limit', settings: { requests_per_minute: 60 } }]);
  });

  it('accepts an explicit transport that agrees with url or command', () => {
    const config = parse('backends:\n  - name: a\n    transport: http\n    url: https://a.example.com/mcp\n  - name: b\n    transport: stdio\n    command: b\n');
    assert.deepEqual(config.backends.map((backend) => backend.kind), ['http', 'stdio']);
  });

  it('turns digit strings from interpolation into numbers and true/false strings into booleans', () => {
    const config = parse('gateway:\n  port: ${PORT:-9000}\nbackends:\n  - name: a\n    url: http://a\n    enabled: ${A_ENABLED}\n', { A_ENABLED: 'false' });
    assert.equal(config.gateway.port, 9000);
    assert.equal(config.backends[0]?.enabled, false);
  });

  it('treats an empty section (key with no value) as absent', () => {
    const config = parse(`${MINIMAL_YAML}gateway:\npolicies:\naudit:\n`);
    assert.equal(config.gateway.port, 8080);
    assert.deepEqual(config.policies, []);
    assert.equal(config.audit, undefined);
  });

  it('stringifies numbers in env and headers, which are text on the wire', () => {
    const config = parse('backends:\n  - name: a\n    command: a\n    env: { PORT: 8080, DEBUG: true }\n  - name: b\n    url: http://b\n    headers: { X-Tenant: 42 }\n');
    assert.deepEqual(config.backends[0]?.kind === 'stdio' && config.backends[0].env, { PORT: '8080', DEBUG: 'true' });
    assert.deepEqual(config.backends[1]?.kind === 'http' && config.backends[1].headers, { 'X-Tenant': '42' });
  });

  it('accepts the documented authentication and audit keys', () => {
    const config = parse(`${MINIMAL_YAML}authentication:
  oauth_issuer: https://login.example.com
  audience: mcp-gateway
  jwks_uri: https://login.example.com/jwks
  scopes_supported: [crm.read]
  mode: hybrid
  embedded_idp: false
audit:
  retention_days: 30
  store: sqlite
  path: ./audit.db
`);
    assert.equal(config.authentication?.mode, 'hybrid');
    assert.equal(config.authentication?.verifier.jwksUri, 'https://login.example.com/jwks');
    assert.equal(config.audit?.raw.path, './audit.db');
  });

  const authTable: Array<[yaml: string, expected: BackendAuthConfig]> = [
    ['none', { type: 'none' }],
    ['service-account-crm', { type: 'named', name: 'service-account-crm', secret: 'crm-token' }],
    ['{ type: none }', { type: 'none' }],
    ['{ type: named, name: service-account-crm }', { type: 'named', name: 'service-account-crm', secret: 'crm-token' }],
    ['{ type: static_header, header: X-Api-Key, value: abc }', { type: 'static_header', header: 'X-Api-Key', value: 'abc' }],
    [
      '{ type: oauth_client_credentials, token_url: "https://idp/token", client_id: gh, client_secret: s3, scope: read }',
      { type: 'oauth_client_credentials', tokenUrl: 'https://idp/token', clientId: 'gh', clientSecret: 's3', scope: 'read' },
    ],
    ['{ type: token_exchange, token_url: "https://idp/token", audience: crm }', { type: 'token_exchange', tokenUrl: 'https://idp/token', audience: 'crm' }],
    ['{ type: oauth_passthrough, audience: mcp-gateway }', { type: 'oauth_passthrough', audience: 'mcp-gateway' }],
  ];
  for (const [yaml, expected] of authTable) {
    it(`reads backend auth ${yaml} as ${expected.type}`, () => {
      const authentication = 'authentication:\n  oauth_issuer: https://login.example.com\n  audience: mcp-gateway\n';
      const config = parse(`${authentication}backends:\n  - name: a\n    url: http://a\n    auth: ${yaml}\n`, { GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CRM: 'crm-token' });
      assert.deepEqual(config.backends[0]?.auth, expected);
    });
  }
});

describe('resilience keys', () => {
  it('reads a backend\'s circuit_breaker, retry and health_check, and gateway.drain_timeout_seconds', () => {
    const config = parse(`gateway:
  drain_timeout_seconds: 40
backends:
  - name: crm
    url: http://crm
    circuit_breaker: { consecutive_failures: 2, failure_rate: 0.3, window_calls: 30, minimum_calls: 5, half_open_after_ms: 1500 }
    retry: { max_attempts: 1 }
    health_check: { interval_seconds: 0 }
  - name: files
    command: files
    circuit_breaker: false
`);
    assert.equal(config.gateway.drainTimeoutSeconds, 40);
    assert.deepEqual(config.backends[0]?.resilience, {
      circuitBreaker: { consecutiveFailures: 2, failureRate: 0.3, windowCalls: 30, minimumCalls: 5, halfOpenAfterMs: 1500 },
      retry: { maxAttempts: 1, initialDelayMs: 100, maxDelayMs: 1000 },
      healthCheck: { intervalSeconds: 0, timeoutMs: 5000 },
    });
    assert.equal(config.backends[1]?.resilience?.circuitBreaker, undefined);
  });

  const refused: Array<[yaml: string, problem: RegExp]> = [
    ['circuit_breaker: { failure_rate: 1 }', /backends\[0\]\.circuit_breaker\.failure_rate: .*less than 1/],
    ['circuit_breaker: { window_calls: 5, minimum_calls: 10 }', /backends\[0\]\.circuit_breaker\.minimum_calls: is 10, more than window_calls \(5\)/],
    ['circuit_breaker: { consecutive_failure: 3 }', /backends\[0\]\.circuit_breaker.*consecutive_failure/],
    ['circuit_breaker: true', /backends\[0\]\.circuit_breaker: expected .*false/],
    ['retry: { max_attempts: 0 }', /backends\[0\]\.retry\.max_attempts: expected a whole number from 1 to 10/],
  ];
  for (const [yaml, problem] of refused) {
    it(`refuses ${yaml}, naming the key`, () => {
      assert.throws(() => parse(`backends:\n  - name: crm\n    url: http://crm\n    ${yaml}\n`), (error: Error) => {
        assert.match(error.message, problem);
        return true;
      });
    });
  }

  it('reads max_json_depth, and refuses one outside 8 to 1000 naming the key', () => {
    assert.equal(parse('max_json_depth: 128\nbackends: []\n').session.maxJsonDepth, 128);
    for (const value of ['4', '5000', '"deep"']) {
      assert.throws(() => parse(`max_json_depth: ${value}\nbackends: []\n`), /max_json_depth: expected a whole number from 8 to 1000/);
    }
  });
});
