// The identity keys of gatehouse.yaml (config/identity-schema.ts): each
// documented key is accepted and reaches the options type identity/ takes;
// each wrong value is refused with the file, the key path and what was expected.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isConfigError } from '../../src/config/errors.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { GatewayConfig } from '../../src/config/schema.ts';

const BACKENDS = 'backends:\n  - name: crm\n    url: http://crm.internal/mcp\n';

function parse(text: string, env: Record<string, string> = {}): GatewayConfig {
  return parseConfig(text, 'gatehouse.yaml', env, { hostname: 'testhost' }).config;
}

function problemLines(text: string): string[] {
  try {
    parse(text);
  } catch (error) {
    assert.ok(isConfigError(error), `expected a ConfigError, got ${String(error)}`);
    return error.message.split('\n');
  }
  assert.fail('the config was accepted');
}

/** `authentication:` with the given lines (indented by the caller) and one backend. */
const withIssuer = (lines: string) => `authentication:\n  oauth_issuer: https://login.example.com\n${lines}${BACKENDS}`;

describe('identity config: authentication keys reach the token verifier', () => {
  const accepted: Array<[key: string, yaml: string, check: (config: GatewayConfig) => void]> = [
    ['jwks_uri', '  jwks_uri: https://login.example.com/keys\n', (config) => assert.equal(config.authentication?.verifier.jwksUri, 'https://login.example.com/keys')],
    ['algorithms', '  algorithms: [ES256, RS256]\n', (config) => assert.deepEqual(config.authentication?.verifier.algorithms, ['ES256', 'RS256'])],
    ['clock_skew_seconds', '  clock_skew_seconds: 5\n', (config) => assert.equal(config.authentication?.verifier.clockToleranceSeconds, 5)],
    ['token_cache_entries', '  token_cache_entries: 500\n', (config) => assert.equal(config.authentication?.verifier.cacheMaxEntries, 500)],
    ['jwks_refetch_floor_seconds', '  jwks_refetch_floor_seconds: 10\n', (config) => assert.deepEqual(config.authentication?.verifier.jwks, { minRefetchIntervalMs: 10_000 })],
    ['jwks_max_age_seconds', '  jwks_max_age_seconds: 120\n', (config) => assert.deepEqual(config.authentication?.verifier.jwks, { maxAgeMs: 120_000 })],
    [
      'introspection',
      '  introspection:\n    endpoint: https://login.example.com/introspect\n    client_id: rs\n    client_secret: s3cret\n    max_cache_seconds: 15\n',
      (config) => assert.deepEqual(config.authentication?.verifier.introspection, { endpoint: 'https://login.example.com/introspect', client: { clientId: 'rs', clientSecret: 's3cret' }, maxCacheSeconds: 15 }),
    ],
    ['introspection without endpoint (discovered)', '  introspection: { client_id: rs, client_secret: s }\n', (config) => assert.deepEqual(config.authentication?.verifier.introspection, { client: { clientId: 'rs', clientSecret: 's' } })],
    [
      'claims',
      '  claims:\n    agent: [cid, azp]\n    user: uid\n    scopes: scp\n    roles: [groups, realm_access.roles]\n    role_map: { "CRM Support": support }\n',
      (config) => assert.deepEqual(config.authentication?.verifier.claims, { agentClaims: ['cid', 'azp'], userClaim: 'uid', scopeClaims: ['scp'], roleClaims: ['groups', 'realm_access.roles'], roleMap: { 'CRM Support': 'support' } }),
    ],
    ['scope_hierarchy', '  scope_hierarchy: { crm.admin: ["crm.*"] }\n', (config) => assert.deepEqual(config.authentication?.verifier.claims, { scopeHierarchy: { 'crm.admin': ['crm.*'] } })],
    ['scopes_supported', '  scopes_supported: [crm.read, crm.invoke]\n', (config) => assert.deepEqual(config.authentication?.scopesSupported, ['crm.read', 'crm.invoke'])],
    ['mode', '  mode: on_behalf_of\n', (config) => assert.equal(config.authentication?.mode, 'on_behalf_of')],
    ['audience', '  audience: api://mcp-gateway\n', (config) => assert.equal(config.authentication?.audience, 'api://mcp-gateway')],
    ['service_client', '  service_client: { client_id: gw, client_secret: s }\n', (config) => assert.deepEqual(config.authentication?.serviceClient, { clientId: 'gw', clientSecret: 's' })],
    ['embedded_idp: false beside oauth_issuer', '  embedded_idp: false\n', (config) => assert.equal(config.authentication?.embeddedIdp, undefined)],
  ];
  for (const [key, yaml, check] of accepted) {
    it(`accepts ${key}`, () => check(parse(withIssuer(yaml))));
  }

  it('leaves every verifier option at its default when no key is set', () => {
    const config = parse(withIssuer(''));
    assert.deepEqual(config.authentication?.verifier, {});
    assert.equal(config.authentication?.mode, 'hybrid');
  });

  const refused: Array<[behaviour: string, yaml: string, expected: string]> = [
    ['a clock skew that is not a number', '  clock_skew_seconds: lots\n', 'gatehouse.yaml: authentication.clock_skew_seconds: expected a whole number from 0 to 600, got "lots"'],
    ['a clock skew of more than ten minutes', '  clock_skew_seconds: 601\n', 'gatehouse.yaml: authentication.clock_skew_seconds: expected a whole number from 0 to 600, got 601'],
    ['a token cache of no entries', '  token_cache_entries: 0\n', 'gatehouse.yaml: authentication.token_cache_entries: expected a whole number from 1 to 10000000, got 0'],
    ['a refetch floor of zero (forged kids would flood the issuer)', '  jwks_refetch_floor_seconds: 0\n', 'gatehouse.yaml: authentication.jwks_refetch_floor_seconds: expected a whole number from 1 to 86400, got 0'],
    ['a JWKS age that is a list', '  jwks_max_age_seconds: [1]\n', 'gatehouse.yaml: authentication.jwks_max_age_seconds: expected a whole number from 1 to 604800, got a list of 1'],
    ['alg none', '  algorithms: [none]\n', 'gatehouse.yaml: authentication.algorithms[0]: expected an asymmetric JWS algorithm: one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519 (never none or HS*), got "none"'],
    ['an HMAC algorithm', '  algorithms: [HS256]\n', 'gatehouse.yaml: authentication.algorithms[0]: expected an asymmetric JWS algorithm: one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519 (never none or HS*), got "HS256"'],
    ['an empty algorithm list', '  algorithms: []\n', 'gatehouse.yaml: authentication.algorithms: expected at least one algorithm, got a list of 0'],
    ['introspection without a client', '  introspection: { endpoint: https://x/introspect }\n', 'gatehouse.yaml: authentication.introspection.client_id: required: expected a non-empty string, got nothing'],
    ['an introspection endpoint that is no URL', '  introspection: { endpoint: nowhere, client_id: a, client_secret: b }\n', 'gatehouse.yaml: authentication.introspection.endpoint: expected an http(s) URL, got "nowhere"'],
    ['a misspelt introspection key, with a suggestion', '  introspection: { client_id: a, client_secret: b, max_cache_second: 5 }\n', 'gatehouse.yaml: authentication.introspection.max_cache_second: unknown key (did you mean "max_cache_seconds"?)'],
    ['does not echo a refused introspection secret', '  introspection: { client_id: a, client_secret: [hunter2] }\n', 'gatehouse.yaml: authentication.introspection.client_secret: expected a non-empty string, got a list of 1'],
    ['a claim list that is a mapping', '  claims: { agent: { a: 1 } }\n', 'gatehouse.yaml: authentication.claims.agent: expected a claim name or a list of claim names, got a mapping'],
    ['a user claim that is a list', '  claims: { user: [sub] }\n', 'gatehouse.yaml: authentication.claims.user: expected a claim name such as azp or realm_access.roles, got a list of 1'],
    ['a role map to a list', '  claims: { role_map: { admins: [admin] } }\n', 'gatehouse.yaml: authentication.claims.role_map.admins: expected a role name, got a list of 1'],
    ['an unknown claims key, with a suggestion', '  claims: { role: [roles] }\n', 'gatehouse.yaml: authentication.claims.role: unknown key (did you mean "roles"?)'],
    ['a scope hierarchy entry that is not a list', '  scope_hierarchy: { crm.admin: crm.read }\n', 'gatehouse.yaml: authentication.scope_hierarchy["crm.admin"]: expected a list, got "crm.read"'],
    ['a scope with a space', '  scopes_supported: ["crm read"]\n', 'gatehouse.yaml: authentication.scopes_supported[0]: expected a scope: printable characters without spaces, " or \\, got "crm read"'],
    ['embedded_idp beside oauth_issuer', '  embedded_idp: { port: 8082 }\n', 'gatehouse.yaml: authentication.embedded_idp: applies only without oauth_issuer: the embedded identity provider issues tokens when no company issuer is set; remove one of them'],
    ['a removed key: authorization_servers (one issuer per gateway)', '  authorization_servers: [https://other.example.com]\n', 'gatehouse.yaml: authentication.authorization_servers: unknown key'],
  ];
  for (const [behaviour, yaml, expected] of refused) {
    it(`refuses ${behaviour}`, () => {
      const lines = problemLines(withIssuer(yaml));
      assert.ok(lines.includes(expected), `missing:\n${expected}\nin:\n${lines.join('\n')}`);
    });
  }
});

describe('identity config: the embedded identity provider', () => {
  const embedded = (lines: string) => `authentication:\n  embedded_idp:\n${lines}${BACKENDS}`;

  it('is on, with its defaults, when authentication names no issuer', () => {
    const config = parse(`authentication:\n  mode: hybrid\n${BACKENDS}`);
    assert.deepEqual(config.authentication?.embeddedIdp, {});
  });

  it('accepts every documented setting and converts agents and users to the directory', () => {
    const config = parse(embedded(`    host: 0.0.0.0
    port: 9082
    public_issuer: https://idp.example.com
    auto_login: false
    access_token_ttl_seconds: 300
    agents:
      - { name: reader, secret: reader-secret, scopes: [crm.read], roles: [research], description: reads }
      - { name: bare, secret: bare-secret }
    users:
      - { id: bob, name: Bob, email: bob@example.com, roles: [support], scopes: [crm.read] }
      - { id: carol }
`));
    assert.deepEqual(config.authentication?.embeddedIdp, {
      host: '0.0.0.0',
      port: 9082,
      publicIssuer: 'https://idp.example.com',
      isAutoLogin: false,
      accessTokenTtlSeconds: 300,
      agents: [
        { name: 'reader', secret: 'reader-secret', scopes: ['crm.read'], roles: ['research'], description: 'reads' },
        { name: 'bare', secret: 'bare-secret', scopes: [], roles: [], description: 'configured agent' },
      ],
      users: [
        { id: 'bob', name: 'Bob', email: 'bob@example.com', roles: ['support'], scopes: ['crm.read'] },
        { id: 'carol', name: 'carol', roles: [], scopes: [] },
      ],
    });
  });

  it('reads an interpolated port as a number', () => {
    const config = parse(embedded('    port: ${IDP_PORT:-8082}\n'));
    assert.equal(config.authentication?.embeddedIdp?.port, 8082);
  });

  it('is off with allow_anonymous', () => {
    assert.equal(parse(`authentication:\n  allow_anonymous: true\n${BACKENDS}`).authentication?.embeddedIdp, undefined);
  });

  it('uses service_client as its gateway client', () => {
    const config = parse(`authentication:\n  service_client: { client_id: gw, client_secret: s }\n${BACKENDS}`);
    assert.deepEqual(config.authentication?.serviceClient, { clientId: 'gw', clientSecret: 's' });
    assert.deepEqual(config.authentication?.embeddedIdp, {});
  });

  const refused: Array<[behaviour: string, yaml: string, expected: string]> = [
    ['a port out of range', '    port: 70000\n', 'gatehouse.yaml: authentication.embedded_idp.port: expected a whole number from 0 to 65535, got 70000'],
    ['a public issuer that is no URL', '    public_issuer: idp\n', 'gatehouse.yaml: authentication.embedded_idp.public_issuer: expected an http(s) URL, got "idp"'],
    ['auto_login that is not a flag', '    auto_login: sometimes\n', 'gatehouse.yaml: authentication.embedded_idp.auto_login: expected true or false, got "sometimes"'],
    ['a token lifetime of zero', '    access_token_ttl_seconds: 0\n', 'gatehouse.yaml: authentication.embedded_idp.access_token_ttl_seconds: expected a whole number from 1 to 86400, got 0'],
    ['an agent without a secret', '    agents: [{ name: a }]\n', 'gatehouse.yaml: authentication.embedded_idp.agents[0].secret: required: expected a non-empty string, got nothing'],
    ['an agent scope list that is a string', '    agents: [{ name: a, secret: s, scopes: "crm.read crm.invoke" }]\n', 'gatehouse.yaml: authentication.embedded_idp.agents[0].scopes: expected a list, got "crm.read crm.invoke"'],
    ['a misspelt agent key, with a suggestion', '    agents: [{ name: a, secret: s, scope: [x] }]\n', 'gatehouse.yaml: authentication.embedded_idp.agents[0].scope: unknown key (did you mean "scopes"?)'],
    ['two agents with one name', '    agents: [{ name: a, secret: s }, { name: a, secret: t }]\n', 'gatehouse.yaml: authentication.embedded_idp.agents[1].name: "a" is already the name of embedded_idp.agents[0]; agent names must be unique'],
    ['an agent named like the gateway client', '    agents: [{ name: gatehouse-gateway, secret: s }]\n', 'gatehouse.yaml: authentication.embedded_idp.agents[0].name: "gatehouse-gateway" is the gateway\'s own service client; give the agent another name'],
    ['an empty agent list', '    agents: []\n', 'gatehouse.yaml: authentication.embedded_idp.agents: expected at least one agent, got a list of 0'],
    ['a user without an id', '    users: [{ name: Bob }]\n', 'gatehouse.yaml: authentication.embedded_idp.users[0].id: required: expected a user id of letters, digits, ".", "_", "@" and "-", got nothing'],
    ['two users with one id', '    users: [{ id: bob }, { id: bob }]\n', 'gatehouse.yaml: authentication.embedded_idp.users[1].id: "bob" is already the id of embedded_idp.users[0]; user ids must be unique'],
    ['an unknown setting, with a suggestion', '    prot: 1\n', 'gatehouse.yaml: authentication.embedded_idp.prot: unknown key (did you mean "port"?)'],
  ];
  for (const [behaviour, yaml, expected] of refused) {
    it(`refuses ${behaviour}`, () => {
      const lines = problemLines(embedded(yaml));
      assert.ok(lines.includes(expected), `missing:\n${expected}\nin:\n${lines.join('\n')}`);
    });
  }

  it('refuses embedded_idp: false without an issuer, since nobody would issue tokens', () => {
    assert.ok(problemLines(`authentication:\n  embedded_idp: false\n${BACKENDS}`).includes(
      'gatehouse.yaml: authentication.embedded_idp: is false and no oauth_issuer is set, so nobody issues tokens: set oauth_issuer, or turn the embedded provider on, or set allow_anonymous: true',
    ));
  });
});

describe('identity config: authorization and backend scopes', () => {
  it('turns the authorization section into the global rules', () => {
    const config = parse(`authorization:\n  listing: readable\n  read_scope: "{backend}:read"\n  invoke_scope: crm.invoke\n${BACKENDS}`);
    assert.deepEqual(config.authorization, { listing: 'readable', readScope: '{backend}:read', invokeScope: 'crm.invoke' });
  });

  it('reads false as "no scope needed"', () => {
    const config = parse(`authorization:\n  read_scope: false\n  invoke_scope: false\n${BACKENDS}`);
    assert.deepEqual(config.authorization, { readScope: null, invokeScope: null });
  });

  it('has no rules when neither the section nor backend scopes are written', () => {
    assert.deepEqual(parse(BACKENDS).authorization, {});
  });

  it("turns a backend's scopes into its rules: read, invoke, tools, prompts, resources and roles", () => {
    const config = parse(`backends:
  - name: crm
    url: http://crm.internal/mcp
    required_scope: crm.access
    scopes:
      read: crm.read
      invoke: false
      tools:
        update_customer: [crm.customers.write]
        send_mass_email: { scopes: [crm.email.bulk], requires_user: true }
        "get_*": []
      prompts:
        draft_customer_reply: [crm.customers.read]
      resources:
        "doc://team/customers/*": [crm.customers.read]
      roles:
        support: ["get_*", update_customer]
        admin: ["*"]
`);
    assert.deepEqual(config.authorization, {
      backends: {
        crm: {
          readScope: 'crm.read',
          invokeScope: null,
          tools: { update_customer: { scopes: ['crm.customers.write'] }, send_mass_email: { scopes: ['crm.email.bulk'], requiresUser: true }, 'get_*': { scopes: [] } },
          prompts: { draft_customer_reply: { scopes: ['crm.customers.read'] } },
          resources: { 'doc://team/customers/*': { scopes: ['crm.customers.read'] } },
          toolsByRole: { support: ['get_*', 'update_customer'], admin: ['*'] },
        },
      },
    });
    assert.equal(config.backends[0]?.requiredScope, 'crm.access');
  });

  const refused: Array<[behaviour: string, yaml: string, expected: string]> = [
    ['an unknown listing', `authorization:\n  listing: everything\n${BACKENDS}`, 'gatehouse.yaml: authorization.listing: expected "callable" or "readable", got "everything"'],
    ['an invoke scope that is a list', `authorization:\n  invoke_scope: [a]\n${BACKENDS}`, 'gatehouse.yaml: authorization.invoke_scope: expected a scope template such as "{backend}.invoke", or false for none, got a list of 1'],
    ['a read scope of true', `authorization:\n  read_scope: true\n${BACKENDS}`, 'gatehouse.yaml: authorization.read_scope: expected a scope template such as "{backend}.read", or false for none, got true'],
    ['a misspelt authorization key, with a suggestion', `authorization:\n  invoke_scopes: a\n${BACKENDS}`, 'gatehouse.yaml: authorization.invoke_scopes: unknown key (did you mean "invoke_scope"?)'],
    ['a tool rule that is a string', `${BACKENDS}    scopes: { tools: { update_customer: crm.write } }\n`, 'gatehouse.yaml: backends[0].scopes.tools.update_customer: expected a list of scopes, or a mapping with scopes and requires_user, got "crm.write"'],
    ['requires_user that is not a flag', `${BACKENDS}    scopes: { tools: { a: { requires_user: maybe } } }\n`, 'gatehouse.yaml: backends[0].scopes.tools.a.requires_user: expected true or false, got "maybe"'],
    ['a role whose tools are not a list', `${BACKENDS}    scopes: { roles: { support: update_customer } }\n`, 'gatehouse.yaml: backends[0].scopes.roles.support: expected a list, got "update_customer"'],
    ['a misspelt backend scopes key, with a suggestion', `${BACKENDS}    scopes: { tool: {} }\n`, 'gatehouse.yaml: backends[0].scopes.tool: unknown key (did you mean "tools"?)'],
    ['backend scopes that are a list', `${BACKENDS}    scopes: [crm.read]\n`, 'gatehouse.yaml: backends[0].scopes: expected a mapping, got a list of 1'],
  ];
  for (const [behaviour, yaml, expected] of refused) {
    it(`refuses ${behaviour}`, () => {
      const lines = problemLines(yaml);
      assert.ok(lines.includes(expected), `missing:\n${expected}\nin:\n${lines.join('\n')}`);
    });
  }
});

describe('identity config: docs/identity.md', () => {
  it('documents configuration blocks that the loader accepts as written', () => {
    const text = readFileSync(new URL('../../../../docs/identity.md', import.meta.url), 'utf8');
    const section = text.slice(text.indexOf('## Configuration'), text.indexOf('\n## ', text.indexOf('## Configuration') + 3));
    const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]!);
    assert.ok(blocks.length >= 2, 'the Configuration section has its YAML blocks');
    for (const block of blocks) {
      const config = parse(block, { INTROSPECTION_SECRET: 'x', GATEHOUSE_CLIENT_SECRET: 'y', CRM_TOKEN_URL: 'https://login.company.com/token' });
      assert.ok(config.authentication !== undefined);
    }
  });
});
