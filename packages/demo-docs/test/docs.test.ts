// The demo documents server through the official SDK client in both eras:
// the doc:// hierarchy, restricted pages, search with opaque cursors, updates
// with dry run and idempotency, ETags, and subscriptions.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { MemoryAuditSink } from '@gatehouse/server-kit';
import { connectTestClient, type TestClient, type TestIdentity } from '@gatehouse/server-kit/testing';
import pino from 'pino';

import { createDemoDocsServer } from '../src/index.ts';

const reader: TestIdentity = { subject: 'ana', scopes: ['docs:read'] };
const editor: TestIdentity = { subject: 'ben', scopes: ['docs:read', 'docs:write'] };
const board: TestIdentity = { subject: 'cy', scopes: ['docs:read', 'docs:restricted'] };

const clients: TestClient[] = [];
after(async () => {
  await Promise.all(clients.map((client) => client.close()));
});

function docs() {
  return createDemoDocsServer({ audit: new MemoryAuditSink(), logger: pino({ level: 'silent' }) });
}

async function connect(kit: ReturnType<typeof docs>['kit'], identity: TestIdentity, era: 'modern' | 'legacy') {
  const client = await connectTestClient(kit, { identity, era });
  clients.push(client);
  return client;
}

for (const era of ['modern', 'legacy'] as const) {
  describe(`demo-docs (${era} era)`, () => {
    it('reads a page by its place in the hierarchy, and a folder as its index', async () => {
      const { kit } = docs();
      const client = await connect(kit, reader, era);
      const page = await client.readResource('doc://engineering/runbooks/deploy');
      assert.match((page.contents[0] as { text: string }).text, /^# Deploy runbook/);
      assert.equal(page._meta?.['gatehouse.dev/etag'], '"engineering/runbooks/deploy@1"');
      const folder = await client.readResource('doc://engineering/runbooks');
      assert.deepEqual((folder.contents[0] as { text: string }).text.split('\n').length, 3);
    });

    it('hides restricted pages from list, read and search unless the caller has docs:restricted', async () => {
      const { kit } = docs();
      const client = await connect(kit, reader, era);
      const listed = (await client.client.listResources()).resources.map((resource) => resource.uri);
      assert.ok(listed.includes('doc://hr/policies/leave'));
      assert.ok(!listed.some((uri) => uri.startsWith('doc://board/')));
      await assert.rejects(client.readResource('doc://board/minutes/2026-q3'), /not found/);
      const search = await client.callTool('search_docs', { query: 'budget' });
      assert.equal((search.structuredContent as { total: number }).total, 0);
      const member = await connect(kit, board, era);
      const found = await member.callTool('search_docs', { query: 'budget' });
      assert.deepEqual((found.structuredContent as { results: Array<{ uri: string }> }).results.map((hit) => hit.uri), ['doc://board/minutes/2026-q3']);
    });

    it('pages through search results with opaque cursors, each result once', async () => {
      const { kit } = docs();
      const client = await connect(kit, reader, era);
      const seen: string[] = [];
      let cursor: string | undefined;
      let total = 0;
      do {
        const page = (await client.callTool('search_docs', { query: 'on', page_size: 2, ...(cursor !== undefined && { cursor }) })).structuredContent as { results: Array<{ uri: string }>; total: number; next_cursor?: string };
        assert.ok(page.results.length <= 2);
        seen.push(...page.results.map((hit) => hit.uri));
        total = page.total;
        cursor = page.next_cursor;
      } while (cursor !== undefined);
      assert.ok(total > 2);
      assert.equal(seen.length, total);
      assert.equal(new Set(seen).size, total);
    });

    it('refuses a cursor another caller was given', async () => {
      const { kit } = docs();
      const ana = await connect(kit, reader, era);
      const ben = await connect(kit, editor, era);
      const first = (await ana.callTool('search_docs', { query: 'on', page_size: 1 })).structuredContent as { next_cursor: string };
      const stolen = await ben.callTool('search_docs', { query: 'on', page_size: 1, cursor: first.next_cursor });
      assert.equal((stolen._meta?.['gatehouse.dev/error'] as { code: string }).code, 'invalid_cursor');
    });

    it('previews an update with a dry run, applies it once per idempotency key, and changes the ETag', async () => {
      const { kit, library } = docs();
      const client = await connect(kit, editor, era);
      const preview = await client.callTool('update_doc', { path: 'support/refunds', text: 'Refunds need approval.', dry_run: true });
      assert.deepEqual(preview.structuredContent, {
        dry_run: true,
        would: 'replace doc://support/refunds (revision 1 -> 2)',
        estimate: { documents_changed: 1, characters_before: library.get('support/refunds')!.text.length, characters_after: 22 },
      });
      assert.equal(library.get('support/refunds')!.revision, 1);
      const applied = await client.callTool('update_doc', { path: 'support/refunds', text: 'Refunds need approval.', idempotency_key: 'u-1' });
      const retried = await client.callTool('update_doc', { path: 'support/refunds', text: 'Refunds need approval.', idempotency_key: 'u-1' });
      assert.deepEqual(applied.structuredContent, { uri: 'doc://support/refunds', revision: 2, created: false, dry_run: false });
      assert.deepEqual(retried.structuredContent, applied.structuredContent);
      assert.equal(library.get('support/refunds')!.revision, 2);
      const read = await client.readResource('doc://support/refunds');
      assert.equal(read._meta?.['gatehouse.dev/etag'], '"support/refunds@2"');
    });

    it('refuses an update without docs:write, naming the scope', async () => {
      const { kit } = docs();
      const client = await connect(kit, reader, era);
      const refused = await client.callTool('update_doc', { path: 'support/refunds', text: 'x' });
      assert.equal((refused._meta?.['gatehouse.dev/error'] as { scope: string }).scope, 'docs:write');
    });

    it('tells a subscriber of a document that it changed', async () => {
      const { kit } = docs();
      const watcher = await connect(kit, reader, era);
      const writer = await connect(kit, editor, era);
      const updated: string[] = [];
      watcher.client.setNotificationHandler('notifications/resources/updated', (notification) => {
        updated.push(notification.params.uri);
      });
      if (era === 'modern') await watcher.client.listen({ resourceSubscriptions: ['doc://engineering/oncall'] });
      else {
        await new Promise((resolve) => setTimeout(resolve, 100));
        await watcher.client.subscribeResource({ uri: 'doc://engineering/oncall' });
      }
      await writer.callTool('update_doc', { path: 'engineering/oncall', text: '# On-call rota\nTwo weeks now.' });
      for (let waited = 0; waited < 3000 && updated.length === 0; waited += 25) await new Promise((resolve) => setTimeout(resolve, 25));
      assert.deepEqual(updated, ['doc://engineering/oncall']);
    });
  });
}
