// The snapshot-level classifier: tools, annotations, resources, templates,
// prompts, and the version rule that lets a breaking change pass.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diffSnapshots } from '../../src/schema-diff/schema-diff.ts';
import { buildSnapshot, type SchemaSnapshot } from '../../src/schema-diff/schema-snapshot.ts';

const getCustomer = {
  name: 'get_customer',
  description: 'Look up one customer.',
  inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
  outputSchema: { type: 'object', properties: { id: { type: 'string' }, tier: { type: 'string' } }, required: ['id', 'tier'] },
  annotations: { readOnlyHint: true },
};

function snapshot(version: string, overrides: Partial<Parameters<typeof buildSnapshot>[0]> = {}): SchemaSnapshot {
  return buildSnapshot({
    serverInfo: { name: 'crm', version },
    tools: [getCustomer],
    resources: [{ uri: 'crm://customers', mimeType: 'application/json' }],
    resourceTemplates: [{ uriTemplate: 'crm://customers/{id}' }],
    prompts: [{ name: 'summarize', arguments: [{ name: 'id', required: true }, { name: 'tone' }] }],
    ...overrides,
  });
}

const codes = (before: SchemaSnapshot, after: SchemaSnapshot) => diffSnapshots(before, after).changes.map((entry) => `${entry.severity} ${entry.code}`).sort();

describe('diffSnapshots', () => {
  it('finds nothing between a snapshot and itself, and passes', () => {
    const diff = diffSnapshots(snapshot('1.0.0'), snapshot('1.0.0'));
    assert.deepEqual(diff.changes, []);
    assert.equal(diff.passes, true);
  });

  it('classifies a removed tool as breaking and fails without a major bump', () => {
    const diff = diffSnapshots(snapshot('1.0.0'), snapshot('1.1.0', { tools: [] }));
    assert.deepEqual(diff.changes.map((entry) => [entry.severity, entry.code, entry.path]), [['breaking', 'tool_removed', 'tools/get_customer']]);
    assert.equal(diff.passes, false);
  });

  it('lets the same breaking change pass with a major version bump', () => {
    const diff = diffSnapshots(snapshot('1.0.0'), snapshot('2.0.0', { tools: [] }));
    assert.equal(diff.breaking, 1);
    assert.equal(diff.passes, true);
    assert.match(diff.version.reason, /major version 1 -> 2/);
  });

  it('classifies a new tool as additive and passes on a minor bump', () => {
    const diff = diffSnapshots(snapshot('1.0.0'), snapshot('1.1.0', { tools: [getCustomer, { name: 'export', inputSchema: { type: 'object' } }] }));
    assert.deepEqual(codes(snapshot('1.0.0'), snapshot('1.1.0', { tools: [getCustomer, { name: 'export', inputSchema: { type: 'object' } }] })), ['additive tool_added']);
    assert.equal(diff.passes, true);
  });

  it('classifies a removed output field as breaking', () => {
    const narrowed = { ...getCustomer, outputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } };
    assert.deepEqual(codes(snapshot('1.0.0'), snapshot('1.0.1', { tools: [narrowed] })), ['breaking output_field_removed']);
  });

  it('classifies a dropped output schema as breaking and a new one as additive', () => {
    const { outputSchema: _dropped, ...withoutOutput } = getCustomer;
    assert.deepEqual(codes(snapshot('1.0.0'), snapshot('1.0.1', { tools: [withoutOutput] })), ['breaking output_schema_removed']);
    assert.deepEqual(codes(snapshot('1.0.0', { tools: [withoutOutput] }), snapshot('1.0.1')), ['additive output_schema_added']);
  });

  it('classifies readOnlyHint or destructiveHint changes as breaking, in either direction', () => {
    const writable = { ...getCustomer, annotations: { readOnlyHint: false, destructiveHint: false } };
    // No longer read-only, it is no longer implicitly safe to repeat either.
    assert.deepEqual(codes(snapshot('1.0.0'), snapshot('1.0.1', { tools: [writable] })), ['breaking annotation_idempotentHint_changed', 'breaking annotation_readOnlyHint_changed']);
    const destructive = { ...writable, annotations: { readOnlyHint: false } };
    assert.deepEqual(codes(snapshot('1.0.0', { tools: [writable] }), snapshot('1.0.1', { tools: [destructive] })), ['breaking annotation_destructiveHint_changed']);
  });

  it('compares an annotation left out as its spec default', () => {
    const explicitDefaults = { ...getCustomer, annotations: { readOnlyHint: true, destructiveHint: true, idempotentHint: false, openWorldHint: true } };
    assert.deepEqual(codes(snapshot('1.0.0'), snapshot('1.0.1', { tools: [explicitDefaults] })), []);
  });

  it('classifies a tool that stops being idempotent as breaking and one that becomes so as additive', () => {
    const update = { ...getCustomer, annotations: { readOnlyHint: false, destructiveHint: false } };
    const idempotent = { ...update, annotations: { ...update.annotations, idempotentHint: true } };
    assert.deepEqual(codes(snapshot('1.0.0', { tools: [idempotent] }), snapshot('1.0.1', { tools: [update] })), ['breaking annotation_idempotentHint_changed']);
    assert.deepEqual(codes(snapshot('1.0.0', { tools: [update] }), snapshot('1.0.1', { tools: [idempotent] })), ['additive annotation_idempotentHint_changed']);
  });

  it('treats a read-only tool as neither destructive nor repeat-unsafe, as the spec reads the hints', () => {
    const readOnlyWithStrayHints = { ...getCustomer, annotations: { readOnlyHint: true, destructiveHint: true, idempotentHint: false } };
    assert.deepEqual(codes(snapshot('1.0.0'), snapshot('1.0.1', { tools: [readOnlyWithStrayHints] })), []);
  });

  it('reports a description change as informational only', () => {
    const reworded = { ...getCustomer, description: 'Find a customer by ID.' };
    const diff = diffSnapshots(snapshot('1.0.0'), snapshot('1.0.0', { tools: [reworded] }));
    assert.deepEqual(diff.changes.map((entry) => entry.severity), ['informational']);
    assert.equal(diff.passes, true);
  });

  it('classifies removed resources and templates and a changed MIME type as breaking', () => {
    assert.deepEqual(codes(snapshot('1.0.0'), snapshot('1.0.1', { resources: [], resourceTemplates: [] })), ['breaking resource_removed', 'breaking resource_template_removed']);
    assert.deepEqual(codes(snapshot('1.0.0'), snapshot('1.0.1', { resources: [{ uri: 'crm://customers', mimeType: 'text/csv' }] })), ['breaking mime_type_changed']);
  });

  it('classifies prompt argument changes', () => {
    const changed = [{ name: 'summarize', arguments: [{ name: 'id', required: true }, { name: 'tone', required: true }, { name: 'length', required: true }] }];
    assert.deepEqual(codes(snapshot('1.0.0'), snapshot('1.0.1', { prompts: changed })), ['breaking prompt_argument_now_required', 'breaking prompt_required_argument_added']);
    assert.deepEqual(codes(snapshot('1.0.0'), snapshot('1.0.1', { prompts: [] })), ['breaking prompt_removed']);
  });
});

describe('buildSnapshot', () => {
  it('is the same for the same server whatever order it lists things in', () => {
    const tools = [getCustomer, { name: 'alpha', inputSchema: { type: 'object', required: ['b', 'a'], properties: { b: {}, a: {} } } }];
    const one = buildSnapshot({ serverInfo: { name: 's', version: '1' }, tools });
    const other = buildSnapshot({ serverInfo: { name: 's', version: '1' }, tools: [...tools].reverse().map((tool) => ({ ...tool, inputSchema: { ...tool.inputSchema, required: [...(tool.inputSchema.required ?? [])].reverse() } })) });
    assert.equal(JSON.stringify(one), JSON.stringify(other));
    assert.deepEqual(one.tools.map((tool) => tool.name), ['alpha', 'get_customer']);
    assert.deepEqual(one.tools[0]?.inputSchema.required, ['a', 'b']);
  });

  it('leaves out what a listing may vary call to call (_meta, cursors)', () => {
    const snapshotWithMeta = buildSnapshot({ serverInfo: { name: 's', version: '1' }, tools: [{ ...getCustomer, _meta: { seen: Date.now() } }] });
    assert.equal('_meta' in (snapshotWithMeta.tools[0] as object), false);
  });
});
