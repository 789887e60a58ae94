import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isConfigError } from '../../src/config/errors.ts';
import { parseConfig } from '../../src/config/load.ts';
import { closestKey, describeFound, editDistance } from '../../src/config/validation-problems.ts';

/** The problem lines parseConfig throws for a text, or fails the test if it accepts it. */
function problemLines(text: string): string[] {
  try {
    parseConfig(text, 'gatehouse.yaml', {}, { hostname: 'testhost' });
  } catch (error) {
    assert.ok(isConfigError(error), `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.code, 'config_invalid');
    return error.message.split('\n');
  }
  assert.fail('the config was accepted');
}

const HTTP = (name: string, extra = '') => `  - name: ${name}\n    url: http://${name}.internal/mcp\n${extra}`;

describe('config problems', () => {
  const table: Array<[behaviour: string, yaml: string, expected: string]> = [
    ['names a non-http url with what it found', `backends:\n${HTTP('a')}  - name: b\n    url: ftp://x\n`, 'gatehouse.yaml: backends[1].url: expected an http(s) URL, got "ftp://x"'],
    ['suggests the key meant by a misspelt one', `backends:\n${HTTP('a', '    tiemout_ms: 5\n')}`, 'gatehouse.yaml: backends[0].tiemout_ms: unknown key (did you mean "timeout_ms"?)'],
    ['reports an unknown key without a suggestion when none is close', `backends:\n${HTTP('a')}colour: blue\n`, 'gatehouse.yaml: colour: unknown key'],
    ['suggests keys inside the gateway section', 'gateway:\n  admin_prot: 1\n', 'gatehouse.yaml: gateway.admin_prot: unknown key (did you mean "admin_port"?)'],
    ['suggests keys of the auth form its type names', `backends:\n${HTTP('a', '    auth: { type: static_header, header: X-Key, valeu: x }\n')}`, 'gatehouse.yaml: backends[0].auth.valeu: unknown key (did you mean "value"?)'],
    ['rejects a port outside 0-65535', 'gateway:\n  port: 70000\n', 'gatehouse.yaml: gateway.port: expected a whole number from 0 to 65535, got 70000'],
    ['rejects a fractional timeout', `backends:\n${HTTP('a', '    timeout_ms: 1.5\n')}`, 'gatehouse.yaml: backends[0].timeout_ms: expected a whole number from 1 to 86400000, got 1.5'],
    ['says a required key is missing', 'backends:\n  - url: http://a\n', 'gatehouse.yaml: backends[0].name: required: expected a name of letters, digits and "-" that starts with a letter or digit, at most 32 characters (no "_": the default name separator is "__"), got nothing'],
    ['rejects an underscore in a backend name', `backends:\n${HTTP('my_crm')}`, 'gatehouse.yaml: backends[0].name: expected a name of letters, digits and "-" that starts with a letter or digit, at most 32 characters (no "_": the default name separator is "__"), got "my_crm"'],
    [
      'forbids the configured separator inside a backend name and says why',
      `gateway:\n  name_separator: "-"\nbackends:\n${HTTP('demo-crm')}`,
      'gatehouse.yaml: backends[0].name: "demo-crm" contains "-", a character of gateway.name_separator "-": the separator must never appear in a backend name, so that namespaced names always split back into backend and name',
    ],
    ['rejects a separator outside the safe set', 'gateway:\n  name_separator: "/"\n', 'gatehouse.yaml: gateway.name_separator: expected 1 to 3 characters, each "_" or "-", got "/"'],
    ['rejects two backends with one name', `backends:\n${HTTP('crm')}${HTTP('CRM')}`, 'gatehouse.yaml: backends[1].name: "CRM" is already the name of backends[0]; backend names must be unique (ignoring case)'],
    ['rejects two policies with one name', `backends:\n${HTTP('a')}policies:\n  - { name: p, type: rate_limit }\n  - { name: p, type: rate_limit }\n`, 'gatehouse.yaml: policies[1].name: "p" is already the name of policies[0]; policy names must be unique'],
    ['rejects a backend with both url and command', 'backends:\n  - name: a\n    url: http://a\n    command: a\n', 'gatehouse.yaml: backends[0]: has both url and command: an http backend has a url, a stdio backend has a command; keep one'],
    ['rejects a backend with neither url nor command', 'backends:\n  - name: a\n', 'gatehouse.yaml: backends[0]: has neither url (an http backend) nor command (a stdio backend); add one'],
    ['rejects a transport that contradicts the url', 'backends:\n  - name: a\n    transport: stdio\n    url: http://a\n', 'gatehouse.yaml: backends[0].transport: is "stdio" but the backend has a url, which makes it http'],
    ['rejects stdio-only keys on an http backend', `backends:\n${HTTP('a', '    args: [x]\n')}`, 'gatehouse.yaml: backends[0].args: only stdio backends (with a command) take args; this backend is http'],
    ['rejects a process pool on an http backend', `backends:\n${HTTP('a', '    processes: 2\n')}`, 'gatehouse.yaml: backends[0].processes: only stdio backends (with a command) take processes; this backend is http'],
    ['rejects a pool of no processes', 'backends:\n  - name: a\n    command: a\n    processes: 0\n', 'gatehouse.yaml: backends[0].processes: expected a whole number from 1 to 64, got 0'],
    ['rejects header credentials on a stdio backend', 'backends:\n  - name: a\n    command: a\n    auth: { type: static_header, header: X-Key, value: x }\n', 'gatehouse.yaml: backends[0].auth.type: "static_header" applies to http backends only; give a stdio backend its credentials through env'],
    ['lists the auth types for an unknown one', `backends:\n${HTTP('a', '    auth: { type: kerberos }\n')}`, 'gatehouse.yaml: backends[0].auth.type: expected a type: one of "none", "named", "static_header", "oauth_client_credentials", "token_exchange", "oauth_passthrough", "oauth", got "kerberos"'],
    ['rejects a list where a mapping belongs', 'gateway: [a]\n', 'gatehouse.yaml: gateway: expected a mapping, got a list of 1'],
    ['rejects a session store that is neither memory nor redis', 'session_store: postgres://db\n', 'gatehouse.yaml: session_store: expected "memory" or a redis:// URL, got "postgres://db"'],
    ['rejects settings written both inline and under settings', `backends:\n${HTTP('a')}policies:\n  - name: p\n    type: rate_limit\n    settings: { a: 1 }\n    b: 2\n`, 'gatehouse.yaml: policies[0].b: this policy has a settings: mapping, so its settings cannot also be written inline; move this key under settings'],
    ['rejects an admin port equal to the client port', 'gateway:\n  port: 9000\n  admin_port: 9000\n', "gatehouse.yaml: gateway.admin_port: is the same as gateway.port (9000); the admin listener needs its own port"],
    ['refuses a header the gateway writes itself', `backends:\n${HTTP('a', '    headers: { Mcp-Session-Id: abc }\n')}`, 'gatehouse.yaml: backends[0].headers.Mcp-Session-Id: is written by the gateway on every request (MCP transport headers); remove it'],
    ['does not echo a header value it rejects', `backends:\n${HTTP('a', '    headers: { Authorization: [secret] }\n')}`, 'gatehouse.yaml: backends[0].headers.Authorization: expected a string, got a list of 1'],
    ['rejects an origin that is not one', 'gateway:\n  allowed_origins: [localhost]\n', 'gatehouse.yaml: gateway.allowed_origins[0]: expected an origin such as https://app.example.com, http://localhost:* (any port) or * (any origin), got "localhost"'],
    ['rejects an unknown authentication mode', 'authentication:\n  mode: sometimes\n', 'gatehouse.yaml: authentication.mode: expected one of "agent_as_service", "on_behalf_of", "hybrid", got "sometimes"'],
  ];
  for (const [behaviour, yaml, expected] of table) {
    it(behaviour, () => {
      assert.ok(problemLines(yaml).includes(expected), `missing:\n${expected}\nin:\n${problemLines(yaml).join('\n')}`);
    });
  }

  it('reports every problem of a file at once', () => {
    const lines = problemLines('gateway:\n  port: -1\nbackends:\n  - name: a_b\n    url: ftp://x\n');
    assert.equal(lines.length, 3);
  });

  it('refuses a top level that is not a mapping', () => {
    assert.deepEqual(problemLines('- a\n- b\n'), ['gatehouse.yaml: expected a mapping of settings, got a list of 2']);
  });
});

describe('edit distance', () => {
  const table: Array<[from: string, to: string, distance: number]> = [
    ['timeout_ms', 'timeout_ms', 0],
    ['tiemout_ms', 'timeout_ms', 1],
    ['timeout', 'timeout_ms', 3],
    ['prot', 'port', 1],
    ['', 'url', 3],
    ['kitten', 'sitting', 3],
  ];
  for (const [from, to, distance] of table) {
    it(`counts ${distance} edits from "${from}" to "${to}"`, () => assert.equal(editDistance(from, to), distance));
  }
});

describe('closest key', () => {
  const known = ['name', 'url', 'timeout_ms', 'headers', 'required_scope'];
  const table: Array<[key: string, suggestion: string | undefined]> = [
    ['tiemout_ms', 'timeout_ms'],
    ['URL', 'url'],
    ['header', 'headers'],
    ['requred_scop', 'required_scope'],
    ['colour', undefined],
  ];
  for (const [key, suggestion] of table) {
    it(`suggests ${suggestion === undefined ? 'nothing' : `"${suggestion}"`} for "${key}"`, () => assert.equal(closestKey(key, known), suggestion));
  }
});

describe('found values in messages', () => {
  const table: Array<[value: unknown, path: string[], text: string]> = [
    [undefined, [], 'nothing'],
    [null, [], 'an empty value'],
    ['ftp://x', ['url'], '"ftp://x"'],
    [42, [], '42'],
    [[1, 2], [], 'a list of 2'],
    [{ a: 1 }, [], 'a mapping'],
    ['hunter2', ['env', 'PASSWORD'], 'a string of 7 characters (not shown)'],
    ['abc', ['auth', 'client_secret'], 'a string of 3 characters (not shown)'],
    ['x'.repeat(100), [], `"${'x'.repeat(77)}..."`],
  ];
  for (const [value, path, text] of table) {
    it(`describes ${JSON.stringify(value)?.slice(0, 20) ?? 'undefined'} at ${path.join('.') || 'the root'} as ${text.slice(0, 30)}`, () => assert.equal(describeFound(value, path), text));
  }
});
