// Metrics and tracing for one gateway process, from the config's `telemetry`
// section (metrics on, tracing off when the section is absent). Tests inject
// their own to read what was recorded.

import type { GatewayConfig } from '../config/schema.ts';
import { toTelemetryConfig } from '../config/telemetry-schema.ts';
import type { Logger } from '../telemetry/logger.ts';
import { GatewayMetrics } from '../telemetry/metrics.ts';
import { createTracing, type GatewayTracing } from '../telemetry/tracing.ts';
import { USAGE_PRICING } from '../usage/call-cost.ts';
import { GATEWAY_VERSION } from '../version.ts';

const DEFAULT_TELEMETRY = toTelemetryConfig({ tracing: { protocol: 'http/protobuf', sampling_ratio: 1, service_name: 'gatehouse' }, metrics: { enabled: true, user_allowlist: [], user_buckets: 16, max_series_per_metric: 10_000, session_capacity: 10_000 } }, {});

export interface GatewayTelemetry {
  metrics: GatewayMetrics;
  tracing: GatewayTracing;
}

export async function openTelemetry(config: GatewayConfig, logger: Logger, injected: Partial<GatewayTelemetry>): Promise<GatewayTelemetry> {
  const telemetry = config.telemetry ?? DEFAULT_TELEMETRY;
  const metrics = injected.metrics ?? new GatewayMetrics({
    isEnabled: telemetry.metrics.isEnabled,
    users: { allowlist: telemetry.metrics.userAllowlist, buckets: telemetry.metrics.userBuckets },
    maxSeriesPerMetric: telemetry.metrics.maxSeriesPerMetric,
    sessionCapacity: telemetry.metrics.sessionCapacity,
    onSeriesOverflow: (metric) => logger.warn({ metric }, 'metric label cap reached; new label sets count as __overflow__'),
    usage: USAGE_PRICING,
  });
  const tracing = injected.tracing ?? await createTracing({
    isEnabled: telemetry.tracing.isEnabled,
    ...(telemetry.tracing.endpoint === undefined ? {} : { endpoint: telemetry.tracing.endpoint }),
    protocol: telemetry.tracing.protocol,
    samplingRatio: telemetry.tracing.samplingRatio,
    serviceName: telemetry.tracing.serviceName,
    serviceVersion: GATEWAY_VERSION,
    serviceInstanceId: config.gateway.id,
    onExportError: (error) => logger.warn({ err: error }, 'trace export failed; the spans of that batch are dropped'),
  });
  return { metrics, tracing };
}
