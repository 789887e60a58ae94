// Prometheus metrics after known traffic through the real gateway: exact
// counts and labels on the admin listener's /metrics.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backendScripts, stdioCommand } from '@gatehouse/testing/backends/launch';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, stdioBackend } from '../fixtures/gateway-config.ts';
import { connectV1, connectV2 } from '../fixtures/clients.ts';
import { telemetrySchema, toTelemetryConfig } from '../../src/config/telemetry-schema.ts';

/** The value of one series in a Prometheus text exposition, or undefined. */
function sample(exposition: string, series: string): number | undefined {
  for (const line of exposition.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe('metrics on the admin listener', () => {
  let gateway: RunningGateway;

  before(async () => {
    const v2 = stdioCommand(backendScripts.v2);
    gateway = await startGateway(gatewayConfig([stdioBackend('crm', v2.command, v2.args)]), { logger: silentLogger, adminPort: 0 });
  });
  after(() => gateway?.close());

  it('counts tool calls by server, tool and status, sessions, and serves them on /metrics', async () => {
    const legacy = await connectV1(gateway.url);
    const modern = await connectV2(gateway.url, 'auto');
    try {
      for (let i = 0; i < 3; i++) await legacy.callTool({ name: 'crm__echo', arguments: { message: `m${i}` } });
      await modern.callTool({ name: 'crm__echo', arguments: { message: 'modern' } });
      await modern.callTool({ name: 'crm__fail', arguments: {} });
      const response = await fetch(`${gateway.adminUrl}/metrics`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
      const text = await response.text();
      assert.equal(sample(text, 'mcp_requests_total{server="crm",tool="echo",status="success"}'), 4, text.split('\n').filter((line) => line.startsWith('mcp_requests_total')).join('\n'));
      assert.equal(sample(text, 'mcp_requests_total{server="crm",tool="fail",status="error"}'), 1);
      assert.equal(sample(text, 'mcp_concurrent_sessions'), 1);
      assert.ok((sample(text, 'mcp_request_duration_seconds_count{server="crm",tool="echo"}') ?? 0) >= 4);
      assert.ok((sample(text, 'mcp_backend_call_duration_seconds_count{server="crm",backend="crm"}') ?? 0) >= 5);
    } finally {
      await legacy.close();
      await modern.close();
    }
  });
});

describe('metrics turned off (telemetry.metrics.enabled: false)', () => {
  it('serves calls as before, counts nothing and answers 404 on /metrics', async () => {
    const v2 = stdioCommand(backendScripts.v2);
    const config = gatewayConfig([stdioBackend('crm', v2.command, v2.args)]);
    const telemetry = toTelemetryConfig(telemetrySchema.parse({ metrics: { enabled: false } }), {});
    const gateway = await startGateway({ ...config, telemetry }, { logger: silentLogger, adminPort: 0 });
    const client = await connectV2(gateway.url, 'auto');
    try {
      const result = await client.callTool({ name: 'crm__echo', arguments: { message: 'uncounted' } });
      assert.equal(result.isError, undefined);
      assert.equal(gateway.metrics.isEnabled, false);
      assert.equal((await gateway.metrics.registry.getSingleMetricAsString('mcp_requests_total')).includes('crm'), false);
      const response = await fetch(`${gateway.adminUrl}/metrics`);
      assert.equal(response.status, 404);
      await response.body?.cancel();
    } finally {
      await client.close();
      await gateway.close();
    }
  });
});
