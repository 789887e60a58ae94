// The `telemetry` section of gatehouse.yaml: OpenTelemetry tracing (off by
// default; on by `enabled: true` or the standard OTEL_EXPORTER_OTLP_* endpoint
// variables) and the bounds on metric labels. Keys in docs/observability.md.

import { z } from 'zod';
import { absentWhenNull, flag, httpUrl, list, text, wholeNumber } from './fields.ts';

export interface TelemetryConfig {
  tracing: {
    isEnabled: boolean;
    endpoint: string | undefined;
    protocol: 'http/protobuf' | 'http/json';
    samplingRatio: number;
    serviceName: string;
  };
  metrics: {
    /** `false` turns the Prometheus metrics off: nothing is counted and `/metrics` answers 404. */
    isEnabled: boolean;
    /** Users whose `user` label is their own name; everyone else is hashed into `userBuckets`. */
    userAllowlist: string[];
    userBuckets: number;
    maxSeriesPerMetric: number;
    sessionCapacity: number;
  };
}

const ratio = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : value),
  z.number({ error: 'expected a number from 0 to 1' }).min(0, { error: 'expected a number from 0 to 1' }).max(1, { error: 'expected a number from 0 to 1' }),
);

const telemetryShape = {
  tracing: absentWhenNull(
    z
      .strictObject(
        {
          enabled: flag().optional(),
          endpoint: httpUrl().optional(),
          protocol: z.enum(['http/protobuf', 'http/json'], { error: 'expected "http/protobuf" or "http/json"' }).default('http/protobuf'),
          sampling_ratio: ratio.default(1),
          service_name: text().default('gatehouse'),
        },
        { error: 'expected a mapping' },
      )
      .prefault({}),
  ),
  metrics: absentWhenNull(
    z
      .strictObject(
        {
          enabled: flag().default(true),
          user_allowlist: list(text()).default([]),
          user_buckets: wholeNumber(1, 1024).default(16),
          max_series_per_metric: wholeNumber(100, 1_000_000).default(10_000),
          session_capacity: wholeNumber(1, 100_000_000).default(10_000),
        },
        { error: 'expected a mapping' },
      )
      .prefault({}),
  ),
};

export const telemetrySchema = z.strictObject(telemetryShape, { error: 'expected a mapping' }).prefault({});

export function toTelemetryConfig(file: z.output<typeof telemetrySchema>, env: NodeJS.ProcessEnv = process.env): TelemetryConfig {
  const environmentEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT === undefined ? undefined : `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/traces`);
  return {
    tracing: {
      isEnabled: file.tracing.enabled ?? (file.tracing.endpoint !== undefined || environmentEndpoint !== undefined),
      endpoint: file.tracing.endpoint ?? environmentEndpoint,
      protocol: file.tracing.protocol,
      samplingRatio: file.tracing.sampling_ratio,
      serviceName: file.tracing.service_name,
    },
    metrics: {
      isEnabled: file.metrics.enabled,
      userAllowlist: file.metrics.user_allowlist,
      userBuckets: file.metrics.user_buckets,
      maxSeriesPerMetric: file.metrics.max_series_per_metric,
      sessionCapacity: file.metrics.session_capacity,
    },
  };
}
