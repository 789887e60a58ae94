import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BACKEND_NAME, BACKEND_NAME_MAX_LENGTH } from '../../src/config/backend-schema.ts';
import { checkBackendEntry } from '../../src/discovery/backend-entry.ts';
import {
  backendNameFor, latestLiveEntries, namespaceFromEndpoint, OFFICIAL_META, proposalFromServerJson, proposalsFromServerJson,
  serverJsonFromBackend, serverListFromBackends, serverResponseSchema, type ServerResponse,
} from '../../src/registry/mcp-registry-format.ts';
import { registryEntry } from '../fixtures/mcp-registry-server.ts';

function entry(name: string, server: Record<string, unknown> = {}, official: Record<string, unknown> = {}): ServerResponse {
  return serverResponseSchema.parse(registryEntry(name, server, official));
}

const npmStdio = (identifier: string, extra: Record<string, unknown> = {}) => ({ registryType: 'npm', identifier, version: '1.0.2', transport: { type: 'stdio' }, ...extra });

describe('MCP Registry entry -> proposal', () => {
  const cases: Array<[string, ServerResponse, Record<string, unknown> | undefined, string | undefined]> = [
    ['a streamable-http remote becomes an http backend with its URL',
      entry('com.example/weather', { remotes: [{ type: 'streamable-http', url: 'https://mcp.example.com/mcp' }] }),
      { name: 'weather', url: 'https://mcp.example.com/mcp' }, 'remotes[0]'],
    ['an npm package over stdio becomes npx -y with the pinned version and its package arguments',
      entry('io.modelcontextprotocol/filesystem', { packages: [npmStdio('@modelcontextprotocol/server-filesystem', { packageArguments: [{ type: 'positional', value: '/srv/data' }, { type: 'named', name: '--mode', value: 'ro' }] })] }),
      { name: 'filesystem', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem@1.0.2', '/srv/data', '--mode=ro'] }, 'packages[0]'],
    ['a pypi package over stdio becomes uvx with name==version',
      entry('io.github.someone/time', { packages: [{ registryType: 'pypi', identifier: 'mcp-server-time', version: '0.6.2', transport: { type: 'stdio' } }] }),
      { name: 'time', command: 'uvx', args: ['mcp-server-time==0.6.2'] }, 'packages[0]'],
    ['an oci package over stdio becomes docker run -i --rm with the tag',
      entry('io.github.someone/fetch', { packages: [{ registryType: 'oci', identifier: 'docker.io/mcp/fetch', version: '1.2.0', transport: { type: 'stdio' } }] }),
      { name: 'fetch', command: 'docker', args: ['run', '-i', '--rm', 'docker.io/mcp/fetch:1.2.0'] }, 'packages[0]'],
    ['a remote is preferred to a package when both exist',
      entry('com.example/both', { packages: [npmStdio('both-server')], remotes: [{ type: 'streamable-http', url: 'https://both.example.com/mcp' }] }),
      { name: 'both', url: 'https://both.example.com/mcp' }, 'remotes[0]'],
    ['a remote URL template is filled from its variables\' defaults',
      entry('com.example/tenant', { remotes: [{ type: 'streamable-http', url: 'https://{region}.example.com/mcp', variables: { region: { default: 'eu' } } }] }),
      { name: 'tenant', url: 'https://eu.example.com/mcp' }, 'remotes[0]'],
    ['an SSE-only remote falls back to a package',
      entry('com.example/legacy', { remotes: [{ type: 'sse', url: 'https://legacy.example.com/sse' }], packages: [npmStdio('legacy-server')] }),
      { name: 'legacy', command: 'npx', args: ['-y', 'legacy-server@1.0.2'] }, 'packages[0]'],
    ['a nuget package is not mapped',
      entry('com.example/dotnet', { packages: [{ registryType: 'nuget', identifier: 'Example.Mcp', version: '1.0.0', transport: { type: 'stdio' } }] }),
      undefined, undefined],
    ['a remote whose URL variable has no value is not mapped',
      entry('com.example/unknown', { remotes: [{ type: 'streamable-http', url: 'https://{host}/mcp' }] }),
      undefined, undefined],
  ];
  for (const [name, input, backend, source] of cases) {
    test(name, () => {
      const proposal = proposalFromServerJson(input);
      assert.deepEqual(proposal.backend, backend);
      assert.equal(proposal.backendSource, source);
      if (backend !== undefined) checkBackendEntry(proposal.backend, 'proposal', '__');
    });
  }

  test('notes every secret, required input and unmapped choice a reviewer must fill in', () => {
    const proposal = proposalFromServerJson(entry('com.example/github', {
      remotes: [
        { type: 'sse', url: 'https://old.example.com/sse' },
        { type: 'streamable-http', url: 'https://api.example.com/mcp', headers: [{ name: 'Authorization', isRequired: true, isSecret: true }] },
      ],
    }, { status: 'deprecated', statusMessage: 'use github-v2' }));
    assert.deepEqual(proposal.notes, [
      'deprecated in the registry: use github-v2',
      'remotes[0]: an SSE remote (the 2024-11-05 HTTP+SSE transport) is not mapped; Gatehouse speaks Streamable HTTP to backends',
      'remotes[1]: needs header Authorization (a secret); give the backend an auth (static_header or a named credential)',
    ]);
    assert.equal(proposal.status, 'deprecated');
  });

  test('notes required environment variables and arguments without values, and never writes a secret', () => {
    const proposal = proposalFromServerJson(entry('com.example/db', { packages: [npmStdio('db-server', {
      packageArguments: [{ type: 'positional', valueHint: 'database_url', isRequired: true }],
      environmentVariables: [{ name: 'DB_PASSWORD', isRequired: true, isSecret: true }, { name: 'LOG_LEVEL', default: 'info' }],
    })] }));
    assert.deepEqual(proposal.backend, { name: 'db', command: 'npx', args: ['-y', 'db-server@1.0.2'] });
    assert.deepEqual(proposal.notes, [
      'packages[0]: argument database_url needs a value; add it to args',
      'packages[0]: needs environment variable DB_PASSWORD (a secret); add it to env',
    ]);
    assert.deepEqual(proposal.packages[0]!.environmentVariables, [{ name: 'DB_PASSWORD', isRequired: true, isSecret: true }, { name: 'LOG_LEVEL', isRequired: false, isSecret: false }]);
  });

  test('flags a remote that points at an internal address without fetching it', () => {
    const proposal = proposalFromServerJson(entry('com.example/metadata', { remotes: [{ type: 'streamable-http', url: 'http://169.254.169.254/latest' }] }));
    assert.match(proposal.notes.join('\n'), /remotes\[0\]: http:\/\/169\.254\.169\.254\/latest points at a metadata address/);
  });
});

describe('backend names from registry names', () => {
  const cases: Array<[string, string[], string]> = [
    ['io.github.user/weather', [], 'weather'],
    ['com.example/my_server.v2', [], 'my-server-v2'],
    ['com.example/___', [], 'server'],
    ['com.example/a-very-long-server-name-that-goes-past-the-limit', [], 'a-very-long-server-name-that-goe'],
    ['com.other/weather', ['weather'], 'weather-2'],
    ['com.other/Weather', ['weather', 'weather-2'], 'Weather-3'],
  ];
  for (const [registryName, taken, expected] of cases) {
    test(`${registryName} with ${taken.length === 0 ? 'no names taken' : taken.join(', ')} taken is ${expected}`, () => {
      assert.equal(backendNameFor(registryName, new Set(taken)), expected);
    });
  }

  test('any registry name the spec allows gives a valid backend name, unique against those taken (property)', () => {
    const registryName = fc.stringMatching(/^[a-zA-Z0-9.-]{1,20}\/[a-zA-Z0-9._-]{1,60}$/);
    fc.assert(fc.property(registryName, fc.array(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,31}$/), { maxLength: 5 }), (name, taken) => {
      const backend = backendNameFor(name, new Set(taken));
      return BACKEND_NAME.test(backend) && backend.length <= BACKEND_NAME_MAX_LENGTH && !taken.includes(backend.toLowerCase());
    }));
  });

  test('an import gives two servers with the same tail two backend names', () => {
    const proposals = proposalsFromServerJson([entry('com.a/search'), entry('com.b/search')], ['crm']);
    assert.deepEqual(proposals.map((proposal) => proposal.backendName), ['search', 'search-2']);
  });
});

describe('latest live entries', () => {
  test('keeps the latest version of each server and leaves out deleted servers', () => {
    const { entries, deleted } = latestLiveEntries([
      entry('com.example/a', { version: '1.0.0' }, { isLatest: false }),
      entry('com.example/a', { version: '1.1.0' }, { isLatest: true }),
      entry('com.example/b', { version: '2.0.0' }, { status: 'deleted' }),
      entry('com.example/c', { version: '0.1.0' }, { isLatest: false, updatedAt: '2025-01-01T00:00:00Z' }),
      entry('com.example/c', { version: '0.2.0' }, { isLatest: false, updatedAt: '2025-02-01T00:00:00Z' }),
    ]);
    assert.deepEqual(entries.map((item) => `${item.server.name}@${item.server.version}`), ['com.example/a@1.1.0', 'com.example/c@0.2.0']);
    assert.deepEqual(deleted, ['com.example/b']);
  });
});

describe('backend -> MCP Registry entry', () => {
  const options = { namespace: 'com.company.mcp', gatewayEndpoint: 'https://mcp.company.com/', now: new Date('2026-01-02T03:04:05Z') };

  test('publishes the gateway\'s per-backend endpoint, never the backend\'s own URL or command', () => {
    const exported = serverJsonFromBackend({ backendName: 'crm', description: 'Customer records', version: '2.1.0', repositoryUrl: 'https://github.com/company/crm-mcp' }, options);
    assert.deepEqual(exported, {
      server: {
        $schema: 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json',
        name: 'com.company.mcp/crm',
        description: 'Customer records',
        version: '2.1.0',
        repository: { url: 'https://github.com/company/crm-mcp', source: 'github' },
        remotes: [{ type: 'streamable-http', url: 'https://mcp.company.com/servers/crm/mcp' }],
      },
      _meta: { [OFFICIAL_META]: { status: 'active', publishedAt: '2026-01-02T03:04:05.000Z', updatedAt: '2026-01-02T03:04:05.000Z', isLatest: true } },
    });
  });

  test('every exported entry has the spec\'s shape, a long description cut to its 100 characters', () => {
    const list = serverListFromBackends([{ backendName: 'a' }, { backendName: 'b', description: 'x'.repeat(300), status: 'deprecated', statusMessage: 'moving to c' }], options);
    assert.equal(list.metadata.count, 2);
    for (const item of list.servers) assert.ok(serverResponseSchema.safeParse(item).success, JSON.stringify(item));
    assert.equal(list.servers[1]!.server.description.length, 100);
  });

  test('round trip: an exported backend imports as a proposal of the same name, version, description and gateway URL', () => {
    const backends = [
      { backendName: 'crm', description: 'Customer records', version: '2.1.0', status: 'active' as const },
      { backendName: 'Wiki-2', description: 'Team wiki', version: '0.3.0', status: 'deprecated' as const, statusMessage: 'read only' },
    ];
    const proposals = proposalsFromServerJson(serverListFromBackends(backends, options).servers);
    assert.deepEqual(proposals.map((proposal) => ({ name: proposal.backendName, description: proposal.description, version: proposal.version, status: proposal.status, statusMessage: proposal.statusMessage, backend: proposal.backend })), [
      { name: 'crm', description: 'Customer records', version: '2.1.0', status: 'active', statusMessage: undefined, backend: { name: 'crm', url: 'https://mcp.company.com/servers/crm/mcp' } },
      { name: 'Wiki-2', description: 'Team wiki', version: '0.3.0', status: 'deprecated', statusMessage: 'read only', backend: { name: 'Wiki-2', url: 'https://mcp.company.com/servers/Wiki-2/mcp' } },
    ]);
  });

  test('round trip for any backend name: export then import gives the same name and the gateway URL (property)', () => {
    fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,31}$/), fc.stringMatching(/^[a-z0-9-]{1,10}(\.[a-z0-9-]{1,10}){0,3}$/), (backendName, namespace) => {
      const exported = serverJsonFromBackend({ backendName }, { ...options, namespace });
      assert.ok(serverResponseSchema.safeParse(exported).success);
      const proposal = proposalFromServerJson(serverResponseSchema.parse(JSON.parse(JSON.stringify(exported))));
      assert.equal(proposal.backendName, backendName);
      assert.deepEqual(proposal.backend, { name: proposal.backendName, url: `https://mcp.company.com/servers/${backendName}/mcp` });
    }));
  });

  const namespaces: Array<[string, string]> = [
    ['https://mcp-gateway.company.com', 'com.company.mcp-gateway'],
    ['http://127.0.0.1:8080/', '1.0.0.127'],
    ['not a url', 'local.gatehouse'],
  ];
  for (const [endpoint, namespace] of namespaces) {
    test(`the namespace of ${endpoint} is ${namespace}`, () => assert.equal(namespaceFromEndpoint(endpoint), namespace));
  }
});
