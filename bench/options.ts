// The command line of `npm run bench`: the comparison run (default) or
// `--soak`, how long each measured phase lasts, and `--json` for one
// machine-readable line at the end.

import { parseArgs } from 'node:util';

import type { StopRule } from './load-generator.ts';

export interface BenchOptions {
  mode: 'compare' | 'soak' | 'features' | 'replicas' | 'peers';
  /** With --peers: the concurrencies measured (1 and 64; 1 and 4 with --quick). */
  peerConcurrencies: number[];
  /** With --replicas: how many Redis-backed replicas go behind nginx. */
  replicas: number;
  /** With --features: the features to measure (empty: all). */
  features: string[];
  /** The measured phase of each scenario (compare) or the whole soak. */
  stop: StopRule;
  /** Unmeasured load before each scenario's measured phase (compare only). */
  warmupMs: number;
  /** Alternating direct/gateway rounds the measured phase is split into (compare only). */
  rounds: number;
  isJson: boolean;
  isHelp: boolean;
}

export const usage = `Usage: npm run bench -- [--json] [--duration SECONDS | --requests N] [--warmup SECONDS] [--rounds N]
       npm run bench -- --soak [--requests N] [--json]
       npm run bench -- --replicas 2 --redis [--duration SECONDS] [--json]
       npm run bench -- --features [--only metrics,tracing,auth,policies,audit] [--duration SECONDS] [--json]
       npm run bench -- --peers [--quick] [--duration SECONDS] [--rounds N] [--json]

  (default)         direct vs gateway, eras 2025-11-25 and 2026-07-28, concurrency 1 and 64
  --duration S      measured seconds per scenario (default 5)
  --requests N      measured requests per scenario instead of a duration;
                    with --soak, the requests in the soak (default 1000000)
  --warmup S        unmeasured warm-up seconds per scenario (default 1)
  --rounds N        split each measured phase into N rotating direct/floor/gateway rounds (default 5)
  --features        what each feature costs: a gateway with it on vs its reference gateway,
                    both eras at c=64 (metrics and tracing vs all telemetry off; auth,
                    policies and audit vs the plain gateway); docs/benchmarks.md
  --only LIST       with --features: just these (comma-separated)
  --replicas N --redis
                    N replicas on Redis sessions behind nginx round robin vs one gateway
                    on in-memory sessions, both eras at c=64 (the cost of shared state)
  --peers           the gateway (routing only, and the full chain) beside supergateway and
                    mcp-proxy, all over the same SDK v1 echo server on stdio, 2025-11-25,
                    c=1 and 64, with gateway / best peer throughput ratios
  --quick           with --peers: c=1 and 4, 0.4 s in one round, no warm-up (proves every
                    side starts and answers; not a measurement)
  --soak            drive N requests through the gateway (2026-07-28, c=64) and watch its RSS
  --json            also print the report as one JSON object on the last line
`;

export class BenchUsageError extends Error {
  readonly code = 'bench_usage';
}

function positiveNumber(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new BenchUsageError(`${flag} must be a positive number, got "${text}"`);
  return value;
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      json: { type: 'boolean', default: false },
      soak: { type: 'boolean', default: false },
      features: { type: 'boolean', default: false },
      only: { type: 'string' },
      replicas: { type: 'string' },
      redis: { type: 'boolean', default: false },
      peers: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      requests: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.duration !== undefined && values.requests !== undefined) {
    throw new BenchUsageError('choose one of --duration and --requests');
  }
  if (values.soak && values.duration !== undefined) throw new BenchUsageError('--soak is bounded by --requests, not --duration');
  if (values.soak && values.features) throw new BenchUsageError('choose one of --soak and --features');
  if (values.only !== undefined && !values.features) throw new BenchUsageError('--only selects features: use it with --features');
  const requests = values.requests === undefined ? undefined : Math.floor(positiveNumber('--requests', values.requests, 1));
  if (values.replicas !== undefined && !values.redis) throw new BenchUsageError('--replicas needs --redis: replicas share their sessions through Redis');
  if (values.redis && values.replicas === undefined) throw new BenchUsageError('--redis goes with --replicas N');
  if (values.replicas !== undefined && (values.soak || values.features)) throw new BenchUsageError('choose one of --replicas, --soak and --features');
  const replicas = values.replicas === undefined ? 0 : Math.floor(positiveNumber('--replicas', values.replicas, 2));
  if (values.peers && (values.soak || values.features || values.replicas !== undefined)) throw new BenchUsageError('choose one of --peers, --replicas, --soak and --features');
  if (values.quick && !values.peers) throw new BenchUsageError('--quick goes with --peers');
  const mode = values.soak ? 'soak' : values.features ? 'features' : values.replicas !== undefined ? 'replicas' : values.peers ? 'peers' : 'compare';
  const isQuick = values.quick;
  const stop: StopRule =
    mode === 'soak'
      ? { kind: 'requests', requests: requests ?? 1_000_000 }
      : requests !== undefined
        ? { kind: 'requests', requests }
        : { kind: 'duration', durationMs: positiveNumber('--duration', values.duration, isQuick ? 0.4 : 5) * 1000 };
  const warmupMs = values.warmup === '0' || (isQuick && values.warmup === undefined) ? 0 : positiveNumber('--warmup', values.warmup, 1) * 1000;
  const rounds = Math.floor(positiveNumber('--rounds', values.rounds, isQuick ? 1 : 5));
  if (rounds < 1) throw new BenchUsageError(`--rounds must be a whole number of at least 1, got "${values.rounds}"`);
  const features = values.only === undefined ? [] : values.only.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const peerConcurrencies = isQuick ? [1, 4] : [1, 64];
  return { mode, features, replicas, peerConcurrencies, stop, warmupMs, rounds, isJson: values.json, isHelp: values.help };
}
