// The JSON Schema comparison behind `schema diff`, table-driven: each row is
// a pair of schemas and the (severity, code) pairs a client would feel.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diffJsonSchema, type SchemaDirection } from '../../src/schema-diff/json-schema-diff.ts';

type Row = [title: string, direction: SchemaDirection, before: object, after: object, expected: string[]];

const object = (properties: Record<string, object>, required: string[] = []) => ({ type: 'object', properties, required });
const str = { type: 'string' };

const rows: Row[] = [
  ['an identical schema has no change', 'input', object({ id: str }, ['id']), object({ id: str }, ['id']), []],
  ['a removed input field breaks callers', 'input', object({ id: str, note: str }), object({ id: str }), ['breaking input_field_removed']],
  ['a new required input field breaks callers', 'input', object({ id: str }), object({ id: str, region: str }, ['region']), ['breaking input_required_added']],
  ['a new optional input field is additive', 'input', object({ id: str }), object({ id: str, region: str }), ['additive input_field_added']],
  ['an optional input made required breaks callers', 'input', object({ id: str }), object({ id: str }, ['id']), ['breaking input_field_now_required']],
  ['a required input made optional is additive', 'input', object({ id: str }, ['id']), object({ id: str }), ['additive input_field_now_optional']],
  ['a required name without a property still breaks callers', 'input', object({}), object({}, ['token']), ['breaking input_required_added']],
  ['an input type narrowed from [string, number] to string breaks', 'input', { type: ['string', 'number'] }, str, ['breaking input_type_narrowed']],
  ['an input type widened from integer to number is additive', 'input', { type: 'integer' }, { type: 'number' }, ['additive input_type_widened']],
  ['an input type narrowed from number to integer breaks', 'input', { type: 'number' }, { type: 'integer' }, ['breaking input_type_narrowed']],
  ['an input type changed string -> boolean breaks both ways', 'input', str, { type: 'boolean' }, ['breaking input_type_narrowed', 'additive input_type_widened']],
  ['an input enum that loses a value breaks callers', 'input', { enum: ['a', 'b'] }, { enum: ['a'] }, ['breaking input_enum_narrowed']],
  ['an input enum that gains a value is additive', 'input', { enum: ['a'] }, { enum: ['a', 'b'] }, ['additive input_enum_widened']],
  ['a new enum on a free input narrows it', 'input', str, { ...str, enum: ['a'] }, ['breaking input_enum_narrowed']],
  ['a lower maxLength on input breaks', 'input', { ...str, maxLength: 100 }, { ...str, maxLength: 10 }, ['breaking input_maxLength_changed']],
  ['a higher maximum on input is additive', 'input', { type: 'number', maximum: 10 }, { type: 'number', maximum: 100 }, ['additive input_maximum_changed']],
  ['a new minimum on input breaks', 'input', { type: 'number' }, { type: 'number', minimum: 1 }, ['breaking input_minimum_changed']],
  ['a new pattern on input breaks', 'input', str, { ...str, pattern: '^C-' }, ['breaking input_pattern_changed']],
  ['input refusing undeclared properties breaks', 'input', object({}), { ...object({}), additionalProperties: false }, ['breaking input_additional_properties_refused']],
  ['a change inside anyOf is flagged for review', 'input', { anyOf: [str] }, { anyOf: [{ type: 'number' }] }, ['breaking input_composite_changed']],
  ['nested object fields are compared', 'input', object({ address: object({ city: str }) }), object({ address: object({ city: str, zip: str }, ['zip']) }), ['breaking input_required_added']],
  ['array items are compared', 'input', { type: 'array', items: { enum: ['a', 'b'] } }, { type: 'array', items: { enum: ['a'] } }, ['breaking input_enum_narrowed']],
  ['a removed output field breaks readers', 'output', object({ id: str, tier: str }, ['id', 'tier']), object({ id: str }, ['id']), ['breaking output_field_removed']],
  ['a new output field is additive', 'output', object({ id: str }), object({ id: str, tier: str }), ['additive output_field_added']],
  ['a required output field made optional breaks readers', 'output', object({ id: str }, ['id']), object({ id: str }), ['breaking output_field_now_optional']],
  ['an output enum that gains a value breaks readers', 'output', { enum: ['a'] }, { enum: ['a', 'b'] }, ['breaking output_enum_widened']],
  ['an output enum that loses a value is additive', 'output', { enum: ['a', 'b'] }, { enum: ['a'] }, ['additive output_enum_narrowed']],
  ['an output type widened breaks readers', 'output', str, { type: ['string', 'null'] }, ['breaking output_type_widened']],
];

describe('diffJsonSchema', () => {
  for (const [title, direction, before, after, expected] of rows) {
    it(title, () => {
      const changes = diffJsonSchema(before, after, direction, 'tools/t/inputSchema');
      assert.deepEqual(changes.map((entry) => `${entry.severity} ${entry.code}`).sort(), [...expected].sort());
    });
  }

  it('names the path of a nested change', () => {
    const [entry] = diffJsonSchema(object({ address: object({ city: str }) }), object({ address: object({}) }), 'input', 'tools/t/inputSchema');
    assert.equal(entry?.path, 'tools/t/inputSchema/properties/address/properties/city');
  });
});
