import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.ts';
import { auditShape, authenticationShape, configFileShape, gatewayShape } from '../../src/config/schema.ts';
import { backendShape } from '../../src/config/backend-schema.ts';
import { policyShape } from '../../src/config/policy-schema.ts';
import { renderStarterConfig } from '../../src/config/starter.ts';

describe('starter config', () => {
  it('validates as written, without warnings, with an http and a stdio example backend', () => {
    const loaded = parseConfig(renderStarterConfig(), 'gatehouse.yaml', {});
    assert.deepEqual(loaded.warnings, []);
    assert.deepEqual(
      loaded.config.backends.map((backend) => [backend.name, backend.kind, backend.enabled]),
      [['everything', 'stdio', true], ['remote', 'http', false]],
    );
  });

  it('shows every key of the file that is not refused, set or commented out', () => {
    const text = renderStarterConfig();
    // A key whose schema is `never` is refused with what to use instead (audit.backend, audit.categories): not a key to show.
    const isRefused = (schema: unknown) => (schema as { def?: { innerType?: { def?: { type?: string } } } }).def?.innerType?.def?.type === 'never';
    const keys = [gatewayShape, backendShape, authenticationShape, auditShape, policyShape, configFileShape].flatMap((shape) => Object.entries(shape).filter(([, schema]) => !isRefused(schema)).map(([key]) => key));
    const absent = keys.filter((key) => key !== 'settings' && !new RegExp(`\\b${key}:`).test(text));
    assert.deepEqual(absent, []);
  });

  it('puts given backends and a note in place of the examples', () => {
    const text = renderStarterConfig({ backends: '  - name: only\n    command: only\n', backendsNote: ['Imported from mcp.json.'] });
    assert.match(text, /backends:\n {2}# Imported from mcp\.json\.\n {2}- name: only\n/);
    assert.deepEqual(parseConfig(text, 'gatehouse.yaml', {}).config.backends.map((backend) => backend.name), ['only']);
  });
});
