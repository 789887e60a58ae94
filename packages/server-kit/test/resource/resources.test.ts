// Resource patterns through the official SDK client in both eras: templates
// under a hierarchy, per-resource authorization on list, read and subscribe,
// ETags and conditional reads, cache hints, subscriptions; and the
// confirmation round of a tool, as an elicitation in both eras.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { connectTestClient, type TestClient, type TestClientOptions } from '../../src/testing/index.ts';
import { createWikiServer, wikiOwner, wikiReader, type WikiFixture } from '../fixtures/wiki-server.ts';

const clients: TestClient[] = [];
after(async () => {
  await Promise.all(clients.map((client) => client.close()));
});

async function connect(fixture: WikiFixture, options: TestClientOptions) {
  const client = await connectTestClient(fixture.kit, options);
  clients.push(client);
  return client;
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let waited = 0; waited < 3000; waited += 25) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

for (const era of ['modern', 'legacy'] as const) {
  describe(`resources (${era} era)`, () => {
    it('lists only the instances the caller may see', async () => {
      const fixture = createWikiServer();
      const reader = await connect(fixture, { identity: wikiReader, era });
      const owner = await connect(fixture, { identity: wikiOwner, era });
      const readerUris = (await reader.client.listResources()).resources.map((resource) => resource.uri);
      const ownerUris = (await owner.client.listResources()).resources.map((resource) => resource.uri);
      assert.deepEqual(readerUris.filter((uri) => uri.startsWith('wiki://team') || uri.startsWith('wiki://private')).sort(), ['wiki://team/handbook', 'wiki://team/oncall']);
      assert.ok(ownerUris.includes('wiki://private/salaries'));
    });

    it('reads a page through the template, with an ETag', async () => {
      const client = await connect(createWikiServer(), { identity: wikiReader, era });
      const result = await client.readResource('wiki://team/handbook');
      assert.equal((result.contents[0] as { text: string }).text, '# Handbook\nBe kind.');
      assert.equal(result.contents[0]?.mimeType, 'text/markdown');
      assert.match(String(result._meta?.['gatehouse.dev/etag']), /^"[A-Za-z0-9_-]+"$/);
    });

    // The index has no cache hint (ttlMs 0): a 2026 client would answer a cached page from its own cache without asking.
    it('answers a conditional read with the current ETag as not modified, and a changed resource in full', async () => {
      const fixture = createWikiServer();
      const client = await connect(fixture, { identity: wikiReader, era });
      const first = await client.readResource('wiki://index');
      const etag = first._meta?.['gatehouse.dev/etag'];
      assert.equal(etag, '"v3"');
      const again = await client.readResource('wiki://index', { 'gatehouse.dev/if-none-match': etag });
      assert.deepEqual(again.contents, []);
      assert.equal(again._meta?.['gatehouse.dev/not-modified'], true);
      fixture.pages.set('team/new', 'fresh');
      const changed = await client.readResource('wiki://index', { 'gatehouse.dev/if-none-match': etag });
      assert.match((changed.contents[0] as { text: string }).text, /team\/new/);
      assert.equal(changed._meta?.['gatehouse.dev/etag'], '"v4"');
    });

    it('reads a page the caller may not see as not found, audited as an error', async () => {
      const fixture = createWikiServer();
      const client = await connect(fixture, { identity: wikiReader, era });
      await assert.rejects(client.readResource('wiki://private/salaries'), // The SDK answers "not found" with its own code (-32602 in v2.4, -32002 in older servers); either says not found, never the content.
        (error: Error & { code?: number }) => [-32002, -32602].includes(error.code ?? 0) && /not found/.test(error.message) && !/Secret/.test(error.message));
      assert.equal(fixture.audit.records.at(-1)?.operation.type, 'resource_read');
      assert.equal(fixture.audit.records.at(-1)?.operation.name, 'wiki://private/salaries');
    });

    it('refuses a caller without the resource scope, naming it', async () => {
      const fixture = createWikiServer();
      const client = await connect(fixture, { identity: { subject: 'nobody', scopes: [] }, era });
      await assert.rejects(client.readResource('wiki://team/handbook'), /wiki:read/);
      assert.equal(fixture.audit.records.at(-1)?.result.status, 'denied');
    });

    it('tells a subscriber when a page it watches changes', async () => {
      const fixture = createWikiServer();
      const watcher = await connect(fixture, { identity: wikiReader, era });
      const editor = await connect(fixture, { identity: wikiOwner, era, onElicitation: () => ({ action: 'accept', content: { confirm: true } }) });
      const updated: string[] = [];
      watcher.client.setNotificationHandler('notifications/resources/updated', (notification) => {
        updated.push(notification.params.uri);
      });
      if (era === 'modern') await watcher.client.listen({ resourceSubscriptions: ['wiki://team/oncall'] });
      else {
        await new Promise((resolve) => setTimeout(resolve, 100));
        await watcher.client.subscribeResource({ uri: 'wiki://team/oncall' });
      }
      await editor.callTool('edit_page', { path: 'team/handbook', text: 'unwatched' });
      await editor.callTool('edit_page', { path: 'team/oncall', text: 'Page the SRE twice.' });
      await eventually(() => updated.length > 0, 'notifications/resources/updated');
      assert.deepEqual(updated, ['wiki://team/oncall']);
    });

    it('asks the user to confirm before a confirmable tool acts, and acts once confirmed', async () => {
      const fixture = createWikiServer();
      const questions: string[] = [];
      const client = await connect(fixture, {
        identity: wikiOwner,
        era,
        onElicitation: (params) => {
          questions.push(params.message);
          return { action: 'accept', content: { confirm: true } };
        },
      });
      const result = await client.callTool('edit_page', { path: 'team/handbook', text: 'new' });
      assert.equal(result.isError, undefined);
      assert.deepEqual(questions, ['Overwrite the team page team/handbook?']);
      assert.equal(fixture.pages.get('team/handbook'), 'new');
      assert.deepEqual(fixture.audit.records.at(-1)?.context.policy_decisions.map((decision) => decision.policy), ['scope', 'confirmation']);
    });

    it('changes nothing when the user declines, and says not to retry', async () => {
      const fixture = createWikiServer();
      const client = await connect(fixture, { identity: wikiOwner, era, onElicitation: () => ({ action: 'decline' }) });
      const result = await client.callTool('edit_page', { path: 'team/handbook', text: 'new' });
      assert.equal(result.isError, true);
      assert.equal((result._meta?.['gatehouse.dev/error'] as { code: string }).code, 'declined');
      assert.equal(fixture.pages.get('team/handbook'), '# Handbook\nBe kind.');
    });
  });
}

describe('cache hints', () => {
  it('gives 2026-07-28 reads the declared ttlMs and cacheScope', async () => {
    const fixture = createWikiServer();
    const response = await fixture.kit.serveMcp(
      new Request('http://kit.test/mcp', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'resources/read', 'mcp-name': 'wiki://team/handbook' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'resources/read',
          params: {
            uri: 'wiki://team/handbook',
            _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} },
          },
        }),
      }),
    );
    const body = (await response.json()) as { result?: { ttlMs?: number; cacheScope?: string }; error?: unknown };
    assert.deepEqual({ ttlMs: body.result?.ttlMs, cacheScope: body.result?.cacheScope }, { ttlMs: 60_000, cacheScope: 'private' }, JSON.stringify(body));
  });
});
