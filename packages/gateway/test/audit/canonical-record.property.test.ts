// Property: any JSON text a client can send as a call's arguments becomes a
// record that canonicalises, is kept by the store, and verifies, including
// numbers JSON.parse turns into Infinity (1e400), numbers that lose
// precision, lone surrogates, NUL and nesting deeper than a record keeps.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { canonicalJson } from '../../src/audit/canonical-json.ts';
import { resolveAuditSettings } from '../../src/audit/settings.ts';
import { AuditTrail } from '../../src/audit/trail.ts';
import { verifyStore } from '../../src/audit/verify.ts';
import { createTempDirectory, dropSchema, factsFor, POSTGRES_URL, postgresSkip, uniqueSchema, type TempDirectory } from './fixtures/audit-fixtures.ts';

const pgSkip = await postgresSkip();

const numberText = fc.oneof(
  fc.constantFrom('1e400', '-1e400', '1E+999', '-0', '4.9e-325', '1.7976931348623159e308', '123456789012345678901234567890', '0.30000000000000004', '9007199254740993'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => JSON.stringify(value)),
  fc.integer().map(String),
);
const stringText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }).map((value) => JSON.stringify(value)),
  fc.constantFrom('"\\ud800"', '"x\\udfff"', '"\\u0000"', '"$number"', '"\\u2028"'),
);

/** JSON texts as a client writes them, not as JSON.stringify would: number literals are kept verbatim. */
const { object: argumentsText } = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 12 }, numberText, stringText, fc.constantFrom('true', 'false', 'null'), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
  object: fc.array(fc.tuple(stringText, tie('value')), { maxLength: 4 }).map((entries) => `{${entries.map(([key, value]) => `${key}:${value}`).join(',')}}`),
}));

/** Deeper than the record keeps (redaction walks 32 levels, canonical JSON 64), as a client may send when the edge allows it. */
const deepText = fc.integer({ min: 30, max: 400 }).map((depth) => `{"deep":${'['.repeat(depth)}1e400${']'.repeat(depth)}}`);

const anyArguments = fc.oneof({ weight: 9, arbitrary: argumentsText }, { weight: 1, arbitrary: deepText });

async function checkStore(trail: AuditTrail, runs: number): Promise<void> {
  let kept = 0;
  await fc.assert(
    fc.asyncProperty(anyArguments, async (text) => {
      const args = JSON.parse(text) as Record<string, unknown>;
      // fail_mode closed: a record that cannot be kept rejects here, so the property fails on it.
      const receipt = await trail.record(factsFor('tool_invocation', kept, { startedAt: Date.now(), arguments: args }));
      assert.notEqual(receipt, undefined);
      kept += 1;
    }),
    { numRuns: runs },
  );
  const report = await verifyStore(trail.store!);
  assert.equal(report.failure, undefined, JSON.stringify(report.failure));
}

describe('any JSON a client can send as arguments', () => {
  let directory: TempDirectory;
  before(async () => {
    directory = await createTempDirectory();
  });
  after(() => directory.remove());

  it('canonicalises to text that parses back to the same canonical text', () => {
    fc.assert(
      fc.property(anyArguments, (text) => {
        const once = canonicalJson(JSON.parse(text));
        assert.equal(canonicalJson(JSON.parse(once)), once);
      }),
      { numRuns: 500 },
    );
  });

  it('is kept in the SQLite store as a record that verifies', { timeout: 120_000 }, async () => {
    const settings = resolveAuditSettings({ audit: { backend: undefined, retentionDays: undefined, raw: { path: join(directory.path, 'audit.db'), fail_mode: 'closed', retention_interval_hours: 0 } } });
    const trail = await AuditTrail.open({ settings, gatewayId: 'gw-property' });
    try {
      await checkStore(trail, 300);
    } finally {
      await trail.close();
    }
  });

  it('is kept in the PostgreSQL store as a record that verifies', { skip: pgSkip, timeout: 120_000 }, async () => {
    const schema = uniqueSchema('property');
    const settings = resolveAuditSettings({ audit: { backend: undefined, retentionDays: undefined, raw: { postgres_url: POSTGRES_URL, postgres_schema: schema, fail_mode: 'closed', retention_interval_hours: 0, signing_key: join(directory.path, 'pg-key.pem') } } });
    const trail = await AuditTrail.open({ settings, gatewayId: 'gw-property' });
    try {
      await checkStore(trail, 150);
    } finally {
      await trail.close();
      await dropSchema(schema);
    }
  });
});
