import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readRegistry, readRegistryFile, RegistryImportError, serverListUrl, normalizeUpdatedSince } from '../../src/registry/mcp-registry-client.ts';
import { proposalsFromServerJson } from '../../src/registry/mcp-registry-format.ts';
import { registryEntry, startRegistryFixture, type RegistryFixture } from '../fixtures/mcp-registry-server.ts';
import { startCountingListener, type CountingListener } from '../fixtures/counting-listener.ts';
import { createTempDirectory, type TempDirectory } from '../fixtures/config-files.ts';

function rejectsWith(code: string, pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof RegistryImportError, String(error));
    assert.equal(error.code, code, error.message);
    if (pattern !== undefined) assert.match(error.message, pattern);
    return true;
  };
}

const ENTRIES = [
  registryEntry('com.example/alpha', { remotes: [{ type: 'streamable-http', url: 'https://alpha.example.com/mcp' }] }, { updatedAt: '2025-01-01T00:00:00Z' }),
  registryEntry('com.example/beta', {}, { updatedAt: '2025-03-01T00:00:00Z' }),
  { server: { name: 'no-slash', description: 'broken', version: '1.0.0' } },
  registryEntry('com.example/gamma', {}, { updatedAt: '2025-06-01T00:00:00Z' }),
  registryEntry('com.example/delta', {}, { updatedAt: '2025-09-01T00:00:00Z' }),
];

describe('reading a registry over HTTP', () => {
  let registry: RegistryFixture;
  before(async () => {
    registry = await startRegistryFixture({ entries: ENTRIES, pageSize: 2 });
  });
  after(() => registry.close());

  test('follows nextCursor through every page and skips a malformed entry with its JSON path', async () => {
    registry.requests.length = 0;
    const pages: number[] = [];
    const read = await readRegistry(registry.origin, { onPage: (progress) => pages.push(progress.page) });
    assert.deepEqual(read.entries.map((entry) => entry.server.name), ['com.example/alpha', 'com.example/beta', 'com.example/gamma', 'com.example/delta']);
    assert.equal(read.pages, 3);
    assert.deepEqual(pages, [1, 2, 3]);
    assert.equal(read.problems.length, 1);
    assert.match(read.problems[0]!.where, /^page 2 \(.*\): servers\[0\]\.server\.name \(no-slash\)$/);
    assert.match(read.problems[0]!.message, /reverse-DNS name with one slash/);
    assert.deepEqual(registry.requests.map((query) => [query.get('limit'), query.get('version'), query.has('cursor')]), [['100', 'latest', false], ['100', 'latest', true], ['100', 'latest', true]]);
  });

  test('asks the registry for updated_since and gets only the servers updated since then', async () => {
    registry.requests.length = 0;
    const read = await readRegistry(`${registry.origin}/v0.1/servers`, { updatedSince: normalizeUpdatedSince('2025-05-01') });
    assert.deepEqual(read.entries.map((entry) => entry.server.name), ['com.example/gamma', 'com.example/delta']);
    assert.equal(registry.requests[0]!.get('updated_since'), '2025-05-01T00:00:00.000Z');
  });

  test('never connects to the hosts that entries name: their remotes are proposed, not fetched', async () => {
    const elsewhere: CountingListener = await startCountingListener();
    const pointing = await startRegistryFixture({ entries: [registryEntry('com.evil/probe', { remotes: [{ type: 'streamable-http', url: `${elsewhere.origin}/mcp` }], repository: { url: `${elsewhere.origin}/repo`, source: 'github' }, icons: [{ src: `${elsewhere.origin}/icon.png` }] })] });
    try {
      const read = await readRegistry(pointing.origin);
      const [proposal] = proposalsFromServerJson(read.entries);
      assert.deepEqual(proposal!.backend, { name: 'probe', url: `${elsewhere.origin}/mcp` });
      assert.match(proposal!.notes.join('\n'), /points at a loopback address/);
      assert.equal(elsewhere.accepted(), 0);
    } finally {
      await pointing.close();
      await elsewhere.close();
    }
  });
});

describe('a registry answer that tries to steer the importer', () => {
  test('a redirect from the operator\'s registry to an internal address is refused before any connection', async () => {
    const internal = await startCountingListener();
    const registry = await startRegistryFixture({
      entries: ENTRIES,
      override: (page, _request, response) => {
        if (page !== 2) return false;
        response.writeHead(302, { location: `${internal.origin}/v0.1/servers` }).end();
        return true;
      },
    });
    try {
      await assert.rejects(readRegistry(registry.origin), rejectsWith('registry_refused', /page 2 .*Refused to connect to 127\.0\.0\.1:\d+ .*a loopback address/));
      assert.equal(internal.accepted(), 0);
    } finally {
      await registry.close();
      await internal.close();
    }
  });

  test('a cursor that comes back again stops the import instead of looping', async () => {
    const registry = await startRegistryFixture({
      entries: [],
      override: (_page, _request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"servers":[],"metadata":{"nextCursor":"same"}}');
        return true;
      },
    });
    try {
      await assert.rejects(readRegistry(registry.origin), rejectsWith('registry_cursor_loop', /gave the cursor "same" a second time/));
    } finally {
      await registry.close();
    }
  });

  test('an answer larger than the page bound is refused', async () => {
    const registry = await startRegistryFixture({ entries: ENTRIES });
    try {
      await assert.rejects(readRegistry(registry.origin, { guard: { maxResponseBytes: 200 } }), rejectsWith('registry_refused', /larger than 200 bytes/));
    } finally {
      await registry.close();
    }
  });

  test('more pages than allowed stop the import with a way forward', async () => {
    const registry = await startRegistryFixture({ entries: ENTRIES, pageSize: 1 });
    try {
      await assert.rejects(readRegistry(registry.origin, { maxPages: 2 }), rejectsWith('registry_too_many_pages', /--updated-since or raise --max-pages/));
    } finally {
      await registry.close();
    }
  });
});

describe('registry failures are typed errors', () => {
  const answers: Array<[string, number, string, string, boolean, RegExp]> = [
    ['a 404 (not a registry URL) is permanent', 404, 'application/json', '{"error":"Not found"}', false, /HTTP 404 .*check the URL/],
    ['a 503 is transient', 503, 'text/plain', 'down for maintenance', true, /HTTP 503 \(down for maintenance\); retry later/],
    ['HTML instead of JSON is registry_bad_json', 200, 'text/html', '<html>hello</html>', false, /not JSON/],
    ['a list without servers is registry_wrong_shape with its path', 200, 'application/json', '{"items":[]}', false, /servers: expected a list of server entries/],
  ];
  for (const [name, status, type, body, isTransient, pattern] of answers) {
    test(name, async () => {
      const registry = await startRegistryFixture({
        entries: [],
        override: (_page, _request, response) => {
          response.writeHead(status, { 'content-type': type }).end(body);
          return true;
        },
      });
      try {
        const code = status !== 200 ? 'registry_http_status' : body.startsWith('<') ? 'registry_bad_json' : 'registry_wrong_shape';
        await assert.rejects(readRegistry(registry.origin), (error: unknown) => {
          rejectsWith(code, pattern)(error);
          assert.equal((error as RegistryImportError).isTransient, isTransient);
          return true;
        });
      } finally {
        await registry.close();
      }
    });
  }

  test('an unreachable registry is transient', async () => {
    const closed = await startCountingListener();
    await closed.close();
    await assert.rejects(readRegistry(closed.origin), (error: unknown) => {
      rejectsWith('registry_unreachable', /cannot reach the registry \(ECONNREFUSED\)/)(error);
      assert.equal((error as RegistryImportError).isTransient, true);
      return true;
    });
  });

  const urls: Array<[string, string]> = [
    ['https://registry.modelcontextprotocol.io', 'https://registry.modelcontextprotocol.io/v0.1/servers'],
    ['https://r.example.com/mirror/', 'https://r.example.com/mirror/v0.1/servers'],
    ['https://r.example.com/v0/servers', 'https://r.example.com/v0/servers'],
  ];
  for (const [from, expected] of urls) test(`the list URL of ${from} is ${expected}`, () => assert.equal(serverListUrl(from).href, expected));

  test('an --updated-since that is not a date is refused with an example', () => {
    assert.throws(() => normalizeUpdatedSince('last week'), rejectsWith('registry_bad_argument', /2025-08-07T13:15:04Z/));
  });
});

describe('reading a saved answer', () => {
  let directory: TempDirectory;
  before(async () => {
    directory = await createTempDirectory();
  });
  after(() => directory.remove());

  test('reads a saved list, a single entry and a bare server.json', async () => {
    const list = await directory.write('list.json', JSON.stringify({ servers: ENTRIES, metadata: { count: ENTRIES.length } }));
    const single = await directory.write('single.json', JSON.stringify(ENTRIES[0]));
    const bare = await directory.write('server.json', JSON.stringify((ENTRIES[1] as { server: unknown }).server));
    assert.equal((await readRegistryFile(list)).entries.length, 4);
    assert.equal((await readRegistryFile(list)).problems.length, 1);
    assert.deepEqual((await readRegistryFile(single)).entries.map((entry) => entry.server.name), ['com.example/alpha']);
    assert.deepEqual((await readRegistryFile(bare)).entries.map((entry) => entry.server.name), ['com.example/beta']);
    assert.deepEqual((await readRegistryFile(list, { updatedSince: '2025-05-01T00:00:00.000Z' })).entries.map((entry) => entry.server.name), ['com.example/gamma', 'com.example/delta']);
  });

  test('a server.json of the wrong shape names the JSON path', async () => {
    const wrong = await directory.write('wrong.json', JSON.stringify({ name: 'com.example/x', description: 'x', version: 1 }));
    await assert.rejects(readRegistryFile(wrong), rejectsWith('registry_wrong_shape', /wrong\.json: version: .*expected a \/v0\.1\/servers answer/));
  });

  test('a missing file is registry_file_unreadable', async () => {
    await assert.rejects(readRegistryFile(`${directory.path}/missing.json`), rejectsWith('registry_file_unreadable', /ENOENT/));
  });
});
