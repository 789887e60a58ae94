// The gateway's throughput with audit on versus off: the same gateway child
// process (bench/gateway-process.ts) in front of the same SDK v2 backend,
// once without an audit section and once with the embedded default store
// (SQLite, synchronous=FULL, group commit), under the same closed-loop echo
// load. Rounds alternate off/on so drift on a shared machine hits both.

import { backendScripts, startHttpBackend } from '../../packages/testing/src/backends/launch.ts';
import { startGatewayProcess } from '../gateway-process.ts';
import { createIdSequence, openClientFleet } from '../client-fleet.ts';
import { startLoad } from '../load-generator.ts';
import type { EraName } from '../report.ts';

export interface ThroughputSettings {
  seconds: number;
  warmupSeconds: number;
  concurrency: number;
  rounds: number;
  era: EraName;
  /** Declare bench__echo read-only (audit.tool_effects): its calls are then recorded once, without a write-ahead attempt record. */
  isEchoReadOnly?: boolean;
  log: (line: string) => void;
}

export interface ThroughputResult {
  era: EraName;
  concurrency: number;
  /** Calls per second, each round, audit off and on. */
  offRates: number[];
  onRates: number[];
  offRate: number;
  onRate: number;
  /** onRate / offRate; the goal is at least 0.85. */
  ratio: number;
  errors: number;
  firstError: string | undefined;
}

export const AUDIT_THROUGHPUT_GOAL = 0.85;

/** The audit section added to the bench config: the embedded default's store, in the gateway's temporary directory. */
const AUDIT_YAML = 'audit:\n  store: sqlite\n  path: ${BENCH_DIR}/audit.db\n';

export async function measureGatewayThroughput(settings: ThroughputSettings): Promise<ThroughputResult> {
  const backend = await startHttpBackend(backendScripts.v2);
  const nextId = createIdSequence();
  const rates = { off: [] as number[], on: [] as number[] };
  let errors = 0;
  let firstError: string | undefined;
  try {
    for (let round = 0; round < settings.rounds; round += 1) {
      for (const mode of ['off', 'on'] as const) {
        const auditYaml = settings.isEchoReadOnly === true ? `${AUDIT_YAML}  tool_effects: {bench: read_only}\n` : AUDIT_YAML;
        const gateway = await startGatewayProcess(backend.url, mode === 'on' ? auditYaml : '');
        try {
          const fleet = await openClientFleet(gateway.url, 'bench__echo', settings.era, settings.concurrency, nextId);
          try {
            if (settings.warmupSeconds > 0) await startLoad(fleet.clients, { kind: 'duration', durationMs: settings.warmupSeconds * 1000 }, nextId).finished;
            const result = await startLoad(fleet.clients, { kind: 'duration', durationMs: settings.seconds * 1000 }, nextId).finished;
            const rate = Math.round(result.succeededInWindow / (result.windowMs / 1000));
            rates[mode].push(rate);
            errors += result.errors;
            firstError ??= result.firstError;
            settings.log(`  gateway, audit ${mode} (round ${round + 1}/${settings.rounds}): ${rate.toLocaleString('en-US')} calls/s${result.errors > 0 ? `, ${result.errors} errors` : ''}`);
          } finally {
            await fleet.close();
          }
        } finally {
          await gateway.close();
        }
      }
    }
  } finally {
    await backend.close();
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const offRate = median(rates.off);
  const onRate = median(rates.on);
  return {
    era: settings.era,
    concurrency: settings.concurrency,
    offRates: rates.off,
    onRates: rates.on,
    offRate,
    onRate,
    ratio: Math.round((onRate / offRate) * 1000) / 1000,
    errors,
    firstError,
  };
}

export function formatThroughput(result: ThroughputResult): string {
  const verdict = result.ratio >= AUDIT_THROUGHPUT_GOAL ? 'meets' : 'misses';
  return [
    `gateway throughput, ${result.era} echo calls, ${result.concurrency} clients (median of ${result.offRates.length} rounds):`,
    `  audit off ${result.offRate.toLocaleString('en-US')} calls/s, audit on ${result.onRate.toLocaleString('en-US')} calls/s: ${result.ratio}x (${verdict} the >= ${AUDIT_THROUGHPUT_GOAL}x goal)`,
    ...(result.errors > 0 ? [`  THIS RUN HAD ${result.errors} ERRORS (first: ${result.firstError}): not a valid measurement`] : []),
  ].join('\n');
}
