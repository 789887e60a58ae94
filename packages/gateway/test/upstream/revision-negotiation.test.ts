import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { META } from '../../src/protocol/revisions.ts';
import { isBackendError } from '../../src/upstream/backend.ts';
import type { BackendCodec } from '../../src/upstream/backend-codec.ts';
import { negotiateRevision, type NegotiationOptions } from '../../src/upstream/revision-negotiation.ts';
import { LegacyBackendCodec } from '../../src/upstream/rev2025/legacy-backend-codec.ts';
import type { DiscoverOutcome } from '../../src/upstream/rev2026/discover.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';

const clientInfo = { name: 'gatehouse', version: '1.0.0' };
const options: NegotiationOptions = {
  backend: 'weather', location: ' at http://weather.test/mcp', firstVersion: '2026-07-28',
  clientInfo, clientCapabilities: { sampling: {} }, logger: silentLogger,
};
const legacyCodec: BackendCodec = new LegacyBackendCodec('weather', { era: 'legacy', protocolVersion: '2025-11-25', capabilities: {}, serverInfo: undefined, instructions: undefined });

/** A channel that answers each probe with the next outcome and records what it was asked. */
function channel(outcomes: DiscoverOutcome[]) {
  const probes: Array<{ version: string; params: Record<string, unknown> }> = [];
  let initializeCalls = 0;
  return {
    probes,
    initializeCalls: () => initializeCalls,
    discover(version: string, params: Record<string, unknown>): Promise<DiscoverOutcome> {
      probes.push({ version, params });
      return Promise.resolve(outcomes.shift()!);
    },
    initialize(): Promise<BackendCodec> {
      initializeCalls++;
      return Promise.resolve(legacyCodec);
    },
  };
}

const discovered: DiscoverOutcome = { kind: 'result', result: { supportedVersions: ['2026-07-28'], capabilities: { tools: {} } } };

describe('negotiateRevision', () => {
  test('probes with the envelope of the first version and returns a 2026 codec for a DiscoverResult', async () => {
    const probing = channel([discovered]);
    const codec = await negotiateRevision(probing, options);
    assert.equal(codec.handshake.era, 'modern');
    assert.equal(probing.initializeCalls(), 0);
    const meta = probing.probes[0]!.params._meta as Record<string, unknown>;
    assert.equal(probing.probes[0]!.version, '2026-07-28');
    assert.equal(meta[META.protocolVersion], '2026-07-28');
    assert.deepEqual(meta[META.clientCapabilities], { sampling: {} });
  });

  test('falls back to the channel initialize when the probe says legacy', async () => {
    const probing = channel([{ kind: 'error', error: { code: -32601, message: 'Method not found' } }]);
    assert.equal(await negotiateRevision(probing, options), legacyCodec);
    assert.equal(probing.initializeCalls(), 1);
  });

  test('re-probes once with the version a -32022 names, then gives up with a protocol error', async () => {
    const unsupported: DiscoverOutcome = { kind: 'error', error: { code: -32022, message: 'unsupported', data: { supported: ['2026-07-28'] } } };
    const probing = channel([unsupported, unsupported]);
    await assert.rejects(negotiateRevision(probing, options), (error: unknown) => isBackendError(error) && error.code === 'backend_protocol_error');
    assert.equal(probing.probes.length, 2);
  });

  test('fails a transient refusal as unavailable and names where the backend is', async () => {
    const probing = channel([{ kind: 'http-status', status: 503 }]);
    await assert.rejects(negotiateRevision(probing, options), (error: unknown) =>
      isBackendError(error) && error.code === 'backend_unavailable' && error.message.startsWith('Backend "weather" at http://weather.test/mcp: '));
  });
});

describe('backend codecs', () => {
  test('a 2026 codec adds the envelope and the caller capabilities, and mirrors method and name in headers', async () => {
    const codec = await negotiateRevision(channel([discovered]), options);
    const params = codec.encodeParams({ name: 'forecast', _meta: { progressToken: 7 } }, { elicitation: {} })!;
    const meta = params._meta as Record<string, unknown>;
    assert.equal(meta.progressToken, 7);
    assert.deepEqual(meta[META.clientCapabilities], { elicitation: {} });
    const headers = codec.httpHeaders({ accept: 'application/json' }, 'tools/call', { name: 'forecast' }, undefined);
    assert.equal(headers['mcp-method'], 'tools/call');
    assert.equal(headers['mcp-name'], 'forecast');
  });

  test('a 2025 codec sends params as they are and mirrors nothing', () => {
    const params = { name: 'forecast' };
    assert.equal(legacyCodec.encodeParams(params, { elicitation: {} }), params);
    const headers = legacyCodec.httpHeaders({ accept: 'application/json' }, 'tools/call', params, undefined);
    assert.equal(headers['mcp-method'], undefined);
    assert.equal(headers['mcp-name'], undefined);
  });
});
