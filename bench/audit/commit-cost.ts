// `node bench/audit/commit-cost.ts`: what the SQLite log writer costs per
// record when a batch holds one record (a lone caller: every call waits for
// its own commit) and when it holds many (group commit under load), for both
// durability settings, measured on the writer itself (sqlite-log-writer.ts)
// with no gateway, thread or network around it. Each record is the shape of
// an audited echo call: one argument value (one target row), the default
// chain's eight policy verdicts. Prints µs per record for building +
// serializing it and for chaining + committing it.
//
//   node bench/audit/commit-cost.ts [--batches 1,25] [--records 20000]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { canonicalJson } from '../../packages/gateway/src/audit/canonical-json.ts';
import { generateSigningKey } from '../../packages/gateway/src/audit/checkpoint.ts';
import { buildAuditRecord, type AuditRecord } from '../../packages/gateway/src/audit/record.ts';
import { SqliteLogWriter } from '../../packages/gateway/src/audit/sqlite-log-writer.ts';
import type { SqliteSynchronous } from '../../packages/gateway/src/audit/sqlite-store.ts';

function parseOptions() {
  try {
    return parseArgs({ options: { batches: { type: 'string', default: '1,25' }, records: { type: 'string', default: '20000' } } });
  } catch (error) {
    process.stderr.write(`commit-cost: ${(error as Error).message}\n`);
    process.exit(2);
  }
}
const { values } = parseOptions();
const batchSizes = values.batches!.split(',').map(Number);
const recordsPerRun = Number(values.records);
if (batchSizes.some((size) => !Number.isInteger(size) || size < 1) || !Number.isInteger(recordsPerRun) || recordsPerRun < 1) {
  process.stderr.write('commit-cost: --batches takes positive integers (1,25) and --records a positive integer\n');
  process.exit(2);
}

/** The embedded default chain's verdicts on an allowed call, details as its policies give them (three carry some). */
const VERDICTS = [
  { policy: 'scope_check', decision: 'allow' },
  { policy: 'tool_pinning', decision: 'allow' },
  { policy: 'argument_validation', decision: 'allow' },
  { policy: 'rate_limit_per_user', decision: 'allow', details: { limit: 100_000_000, remaining: 99_997_494 } },
  { policy: 'step_budget', decision: 'allow', details: { remaining: 99_999_960, run: 'session', steps: 40 } },
  { policy: 'cost_ceiling', decision: 'allow', details: { cost_usd: 0, remaining_usd: 100_000_000, run: 'session', spent_usd: 0 } },
  { policy: 'mass_email_approval', decision: 'allow' },
  { policy: 'pii_redaction', decision: 'allow' },
];
let sequence = 0;

function echoRecord(): AuditRecord {
  sequence += 1;
  return buildAuditRecord({
    type: 'tool_invocation', startedAt: Date.now(), durationMs: 1, gatewayId: 'bench', status: 'success',
    caller: { identity: 'research-agent', agent: 'research-agent', sessionId: 'session-0001', clientIp: '127.0.0.1', userAgent: 'undici' },
    server: 'b', name: 'echo', arguments: { message: `echo ${sequence}` }, outputSizeBytes: 80, policyDecisions: VERDICTS,
  });
}

const directory = await mkdtemp(join(tmpdir(), 'gatehouse-commit-cost-'));
try {
  const signingKey = generateSigningKey();
  for (const synchronous of ['normal', 'full'] as SqliteSynchronous[]) {
    const writer = new SqliteLogWriter({ path: join(directory, `${synchronous}.db`), gatewayId: 'bench', signingKey, synchronous, checkpoints: { intervalMs: 10_000, everyRecords: 100_000 } });
    try {
      for (const size of batchSizes) {
        const batches = Math.max(1, Math.floor(recordsPerRun / size));
        let buildMs = 0;
        let writeMs = 0;
        for (let index = 0; index < batches; index += 1) {
          const startedAt = performance.now();
          const records = Array.from({ length: size }, echoRecord);
          const texts = records.map(canonicalJson);
          const builtAt = performance.now();
          writer.writeRecords(texts, records);
          buildMs += builtAt - startedAt;
          writeMs += performance.now() - builtAt;
        }
        const perRecord = (ms: number) => ((ms * 1000) / (batches * size)).toFixed(1);
        process.stdout.write(`synchronous=${synchronous}, ${size} record(s) per commit: build + serialize ${perRecord(buildMs)} µs/record, chain + commit ${perRecord(writeMs)} µs/record (${batches} commits)\n`);
      }
    } finally {
      await writer.close();
    }
  }
} finally {
  await rm(directory, { recursive: true, force: true });
}
