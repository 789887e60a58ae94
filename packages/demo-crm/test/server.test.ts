// The demo CRM seen through the SDK v2 client, in both protocol eras, both
// in process and over real HTTP to `main.ts --http` in a child process.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createDemoCrmState } from '../src/index.ts';
import {
  connectInProcess,
  connectOverHttp,
  type ChildServer,
  type Connection,
  type Era,
  startChildServer,
} from './fixtures/clients.ts';

function textOf(result: { content?: unknown }): string {
  const content = result.content as Array<{ type: string; text?: string }>;
  return content
    .filter((block) => block.type === 'text')
    .map((block) => block.text)
    .join('\n');
}

interface Setup {
  name: string;
  connect(era: Era): Promise<Connection>;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

let child: ChildServer | undefined;
const setups: Setup[] = [
  { name: 'in process', connect: (era) => connectInProcess(era) },
  {
    name: 'over HTTP to a child process',
    connect: (era) => connectOverHttp(child!.url, era),
    start: async () => {
      child = await startChildServer();
    },
    stop: async () => child?.stop(),
  },
];

for (const setup of setups) {
  for (const era of ['modern', 'legacy'] as const) {
    describe(`demo CRM ${setup.name}, ${era} era`, () => {
      let connection: Connection;
      before(async () => {
        await setup.start?.();
        connection = await setup.connect(era);
      });
      after(async () => {
        await connection?.close();
        await setup.stop?.();
      });

      it(`negotiates the ${era} era`, () => {
        assert.equal(connection.client.getProtocolEra(), era);
      });

      it('lists every CRM tool with a description and an output schema', async () => {
        const { tools } = await connection.client.listTools();
        const names = tools.map((tool) => tool.name).sort();
        assert.deepEqual(names, [
          'echo',
          'get_customer',
          'search_customers',
          'send_email',
          'send_mass_email',
          'update_customer',
        ]);
        for (const tool of tools) {
          assert.match(tool.description ?? '', /Use (when|only when)/, `${tool.name} says when to use it`);
          assert.equal(tool.outputSchema?.type, 'object', `${tool.name} has an output schema`);
        }
      });

      it('returns a customer record as structured content', async () => {
        const result = await connection.client.callTool({ name: 'get_customer', arguments: { customer_id: 'C-1001' } });
        assert.notEqual(result.isError, true);
        const { customer } = result.structuredContent as { customer: { id: string; name: string; ssn: string } };
        assert.equal(customer.id, 'C-1001');
        assert.equal(customer.name, 'Maria Gonzalez');
        assert.match(customer.ssn, /^\d{3}-\d{2}-\d{4}$/);
      });

      it('explains an unknown customer id and suggests search_customers', async () => {
        const result = await connection.client.callTool({ name: 'get_customer', arguments: { customer_id: 'C-42' } });
        assert.equal(result.isError, true);
        assert.equal(
          textOf(result),
          'Customer C-42 not found in active records; try search_customers with part of the name or email',
        );
      });

      it('finds customers by part of an email address', async () => {
        const result = await connection.client.callTool({
          name: 'search_customers',
          arguments: { query: 'gonzalez', limit: 5 },
        });
        const { customers, total } = result.structuredContent as { customers: Array<{ id: string }>; total: number };
        assert.equal(total, 1);
        assert.equal(customers[0]?.id, 'C-1001');
      });

      it('leaves the record unchanged on a dry-run update and reports the diff', async () => {
        const preview = await connection.client.callTool({
          name: 'update_customer',
          arguments: { customer_id: 'C-1003', updates: { tier: 'pro' }, dry_run: true },
        });
        assert.deepEqual(preview.structuredContent, {
          customer_id: 'C-1003',
          dry_run: true,
          applied: false,
          changes: [{ field: 'tier', before: 'free', after: 'pro' }],
          would: 'change tier of C-1003',
          estimate: { customers_changed: 1, fields_changed: 1 },
        });
        const after = await connection.client.callTool({ name: 'get_customer', arguments: { customer_id: 'C-1003' } });
        assert.equal((after.structuredContent as { customer: { tier: string } }).customer.tier, 'free');
      });

      it('sends an email once per idempotency key and marks the repeat as a replay', async () => {
        const email = {
          to: 'maria.gonzalez@example.com',
          subject: 'Your renewal',
          body: 'Hi Maria, your renewal is ready.',
          idempotency_key: `renewal-${era}-${setup.name}`,
        };
        const first = await connection.client.callTool({ name: 'send_email', arguments: email });
        const repeat = await connection.client.callTool({ name: 'send_email', arguments: email });
        const firstOutput = first.structuredContent as { message_id: string; replayed: boolean };
        const repeatOutput = repeat.structuredContent as { message_id: string; replayed: boolean };
        assert.equal(firstOutput.replayed, false);
        assert.equal(repeatOutput.replayed, true);
        assert.equal(repeatOutput.message_id, firstOutput.message_id);
        assert.match(textOf(repeat), /^Replay: .*nothing was sent again$/);
      });

      it('echoes the message unchanged', async () => {
        const result = await connection.client.callTool({ name: 'echo', arguments: { message: 'ping ✓' } });
        assert.equal(textOf(result), 'ping ✓');
      });

      it('reads a customer record through the resource template', async () => {
        const { contents } = await connection.client.readResource({ uri: 'doc://team/customers/C-1002' });
        const record = JSON.parse((contents[0] as { text: string }).text) as { id: string; name: string };
        assert.equal(record.id, 'C-1002');
        assert.equal(record.name, "James O'Connor");
      });

      it('reads the team handbook as markdown', async () => {
        const { contents } = await connection.client.readResource({ uri: 'doc://team/handbook' });
        assert.equal(contents[0]?.mimeType, 'text/markdown');
        assert.match((contents[0] as { text: string }).text, /^# Customer Success Handbook/);
      });

      it('completes customer ids for the resource template', async () => {
        const { completion } = await connection.client.complete({
          ref: { type: 'ref/resource', uri: 'doc://team/customers/{customer_id}' },
          argument: { name: 'customer_id', value: 'c-101' },
        });
        assert.deepEqual(completion.values, ['C-1010', 'C-1011', 'C-1012']);
      });

      it('drafts a reply prompt that embeds the customer record', async () => {
        const prompt = await connection.client.getPrompt({
          name: 'draft_customer_reply',
          arguments: { customer_id: 'C-1005', tone: 'formal' },
        });
        const [record, instructions] = prompt.messages;
        assert.equal(record?.content.type, 'resource');
        assert.equal(instructions?.content.type, 'text');
        assert.match((instructions?.content as { text: string }).text, /^Draft a formal email reply to Sophie Laurent/);
      });

      it('completes the tone argument of the reply prompt', async () => {
        const { completion } = await connection.client.complete({
          ref: { type: 'ref/prompt', name: 'draft_customer_reply' },
          argument: { name: 'tone', value: 'f' },
        });
        assert.deepEqual(completion.values, ['friendly', 'formal']);
      });
    });
  }
}

describe('demo CRM state', () => {
  it('applies an update that later requests see, because requests share one state', async () => {
    const state = createDemoCrmState();
    const connection = await connectInProcess('modern', state);
    try {
      const result = await connection.client.callTool({
        name: 'update_customer',
        arguments: { customer_id: 'C-1003', updates: { tier: 'pro', notes: 'Upgraded after the trial.' } },
      });
      assert.equal((result.structuredContent as { applied: boolean }).applied, true);
      const after = await connection.client.callTool({ name: 'get_customer', arguments: { customer_id: 'C-1003' } });
      assert.equal((after.structuredContent as { customer: { tier: string } }).customer.tier, 'pro');
      assert.equal(state.customers.get('C-1003').notes, 'Upgraded after the trial.');
    } finally {
      await connection.close();
    }
  });

  it('never sends an email twice for one idempotency key', async () => {
    const state = createDemoCrmState();
    const connection = await connectInProcess('legacy', state);
    try {
      const email = { to: 'noah.johnson@example.com', subject: 'Hello', body: 'Welcome aboard.', idempotency_key: 'welcome-noah-1' };
      await connection.client.callTool({ name: 'send_email', arguments: email });
      await connection.client.callTool({ name: 'send_email', arguments: email });
      assert.equal(state.outbox.sent().length, 1);
    } finally {
      await connection.close();
    }
  });

  it('refuses an idempotency key reused for a different email', async () => {
    const connection = await connectInProcess('modern');
    try {
      const email = { to: 'noah.johnson@example.com', subject: 'Hello', body: 'Welcome aboard.', idempotency_key: 'welcome-noah-2' };
      await connection.client.callTool({ name: 'send_email', arguments: email });
      const reused = await connection.client.callTool({
        name: 'send_email',
        arguments: { ...email, subject: 'Something else' },
      });
      assert.equal(reused.isError, true);
      assert.match(textOf(reused), /already used for a different email.*use a new idempotency_key/);
    } finally {
      await connection.close();
    }
  });
});
