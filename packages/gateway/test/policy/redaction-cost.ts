// Measures the redactors on a typical 2 KB tools/call result (three CRM
// customer records as JSON text, and the same records as structuredContent),
// in process, with the default patterns and with the `pii` group.
//   node packages/gateway/test/policy/redaction-cost.ts [iterations]

import { compileRedactor, type RedactorName } from '../../src/policy/redactors.ts';
import { crmCustomer } from './fixtures.ts';

const iterations = Number(process.argv[2] ?? 20_000);

function customer(index: number): Record<string, unknown> {
  return crmCustomer({
    id: `C-100${index}`,
    name: ['Maria Gonzalez', 'Wei Chen', 'Amara Okafor'][index % 3],
    email: `contact${index}@example.com`,
    orders: [{ id: 'ORD-2024-000123', total: 1234.56, placed_at: '2024-01-15T10:20:00Z' }],
    notes: 'Primary contact for the Sunline renewal. Prefers email over phone. Invoice 2024 paid.',
  });
}

const customers = [customer(1), customer(2), customer(3)];
const text = JSON.stringify({ customers }, null, 1);

/** CPU time, best of nine rounds: the machine is shared, and the best round is the one least disturbed. */
function measure(label: string, run: () => unknown): void {
  for (let i = 0; i < 2_000; i++) run();
  let best = Infinity;
  for (let round = 0; round < 9; round++) {
    const started = process.cpuUsage();
    for (let i = 0; i < iterations; i++) run();
    const used = process.cpuUsage(started);
    best = Math.min(best, ((used.user + used.system) * 1000) / iterations);
  }
  process.stdout.write(`${label.padEnd(64)} ${best.toFixed(0).padStart(8)} ns/op\n`);
}

function measurePatterns(label: string, patterns: RedactorName[]): void {
  const redactor = compileRedactor({ patterns });
  measure(`${label}: the text`, () => redactor.redactText(text, new Set()));
  measure(`${label}: copy + structuredContent`, () => redactor.redactValue(structuredClone(customers), new Set()));
}

process.stdout.write(`node ${process.version}, ${text.length} characters of text + the same records structured, CPU time, best of 9 rounds of ${iterations}\n`);
measure('copying the structuredContent (baseline, subtract)', () => structuredClone(customers));
measurePatterns('default (ssn, credit_card, full_email)', ['ssn', 'credit_card', 'full_email']);
measurePatterns('pii (ssn, credit_card, partial_email, phone, iban)', ['pii']);
