// Card numbers hidden where the red team hid them (after an invoice number,
// after an expiry date, next to an id, in fullwidth digits), through the real
// gateway with both official SDK clients and both endpoints: the demo CRM's
// answer comes back redacted, and the stored audit record's arguments too.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, stdioBackend } from '../fixtures/gateway-config.ts';
import { connectV1, connectV2 } from '../fixtures/clients.ts';

const demoCrm = fileURLToPath(new URL('../../../demo-crm/src/main.ts', import.meta.url));
const MASK = '[REDACTED:credit_card]';

/** Each case: a client, an endpoint, and a note holding a card as the red team wrote it. */
const CASES = [
  { client: 'SDK v1 (2025-11-25)', endpoint: '/mcp', before: 'Invoice 2024 ', card: '4111 1111 1111 1111' },
  { client: 'SDK v2 (2026-07-28)', endpoint: '/mcp', before: 'exp 2027-08 ', card: '5555 5555 5555 4444' },
  { client: 'SDK v1 (2025-11-25)', endpoint: '/servers/crm/mcp', before: 'card2 ', card: '4012-8888-8888-1881' },
  { client: 'SDK v2 (2026-07-28)', endpoint: '/servers/crm/mcp', before: 'Amex on file: ', card: '３７８２ ８２２４６３ １０００５' },
] as const;

const asciiDigits = (text: string) => text.normalize('NFKC').replace(/\D/g, '');

describe('redaction of card numbers hidden in a CRM record, through the gateway', () => {
  let directory: string;
  let gateway: RunningGateway;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-redaction-e2e-'));
    const config = gatewayConfig([stdioBackend('crm', process.execPath, [demoCrm, '--stdio'])]);
    config.audit = { backend: undefined, retentionDays: undefined, raw: { store: 'sqlite', path: 'audit.db', sqlite_synchronous: 'normal' } };
    config.policies = [{ name: 'pii_redaction', type: 'response_filter', settings: { patterns: ['ssn', 'credit_card', 'full_email'] } }];
    gateway = await startGateway(config, { logger: silentLogger, hasAdmin: false, configPath: join(directory, 'gatehouse.yaml') });
  });
  after(async () => {
    await gateway?.close();
    await rm(directory, { recursive: true, force: true });
  });

  /** The stored audit records (as JSON) of calls whose arguments mention `needle`, read from the store itself. */
  function storedRecordsMentioning(needle: string): Record<string, any>[] {
    const database = new DatabaseSync(join(directory, 'audit.db'), { readOnly: true });
    try {
      const rows = database.prepare('SELECT record FROM audit_entries').all() as { record: string }[];
      return rows.map((row) => JSON.parse(row.record) as Record<string, any>).filter((record) => JSON.stringify(record.operation?.arguments ?? {}).includes(needle));
    } finally {
      database.close();
    }
  }

  for (const [index, { client: kind, endpoint, before: words, card }] of CASES.entries()) {
    it(`redacts "${words}${card}" from the answer and the stored arguments (${kind}, ${endpoint})`, async () => {
      const url = gateway.url.replace(/\/mcp$/, endpoint);
      const client = kind.startsWith('SDK v1') ? await connectV1(url) : await connectV2(url, 'auto');
      const prefix = endpoint === '/mcp' ? 'crm__' : '';
      const marker = `case-${index}`;
      const notes = `${marker}: ${words}${card}`;
      try {
        const updated = await client.callTool({ name: `${prefix}update_customer`, arguments: { customer_id: 'C-1001', updates: { notes } } });
        assert.notEqual(updated.isError, true, JSON.stringify(updated));
        assert.ok(!asciiDigits(JSON.stringify(updated)).includes(asciiDigits(card)), `the update's answer shows the card: ${JSON.stringify(updated)}`);

        const read = await client.callTool({ name: `${prefix}get_customer`, arguments: { customer_id: 'C-1001' } });
        const answer = JSON.stringify(read);
        assert.ok(!answer.includes(card) && !asciiDigits(answer).includes(asciiDigits(card)), `the card came back: ${answer}`);
        const { customer } = read.structuredContent as { customer: { notes: string } };
        assert.equal(customer.notes, `${marker}: ${words}${MASK}`, 'the words around the card are kept');
        assert.ok(answer.includes(`${words}${MASK}`), 'the text content is redacted too');
      } finally {
        await client.close();
      }

      const records = storedRecordsMentioning(marker);
      assert.ok(records.length >= 1, 'the update was audited');
      for (const record of records) {
        const stored = JSON.stringify(record);
        assert.ok(!stored.includes(card) && !asciiDigits(stored).includes(asciiDigits(card)), `the audit record kept the card: ${stored}`);
      }
      const update = records.find((record) => record.operation.name === 'update_customer')!;
      assert.equal(update.operation.arguments.updates.notes, `${marker}: ${words}${MASK}`);
      assert.ok(update.result.redactions.includes('credit_card'), JSON.stringify(update.result));
    });
  }
});
