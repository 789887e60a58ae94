// Compares two JSON Schemas of one tool and says what a client would feel.
// Direction matters: an input schema is what the server accepts, so
// narrowing it breaks callers; an output schema is what the server promises,
// so widening it (or dropping a field) breaks readers. Pure.

import { canonicalJson } from './canonical-json.ts';
import { change, type SchemaChange } from './schema-change.ts';

export type SchemaDirection = 'input' | 'output';
type Schema = Record<string, unknown>;

const COMPOSITES = ['anyOf', 'oneOf', 'allOf', 'not', '$ref', 'if', 'then', 'else'] as const;
/** Bounds where a larger new value narrows what is allowed, and those where a smaller one does. */
const LOWER_BOUNDS = ['minLength', 'minimum', 'exclusiveMinimum', 'minItems', 'minProperties'] as const;
const UPPER_BOUNDS = ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems', 'maxProperties'] as const;

export function diffJsonSchema(before: unknown, after: unknown, direction: SchemaDirection, path: string): SchemaChange[] {
  const old = asSchema(before);
  const now = asSchema(after);
  const changes: SchemaChange[] = [];
  // Widening what a server accepts helps callers; widening what it returns can break readers.
  const narrowed = direction === 'input' ? 'breaking' : 'additive';
  const widened = direction === 'input' ? 'additive' : 'breaking';

  const oldTypes = typeSet(old);
  const newTypes = typeSet(now);
  if (!sameSet(oldTypes, newTypes)) {
    const description = `${direction} type ${show(oldTypes)} -> ${show(newTypes)}`;
    if (!coversTypes(newTypes, oldTypes)) changes.push(change(narrowed, `${direction}_type_narrowed`, path, `${description}: narrowed`));
    if (!coversTypes(oldTypes, newTypes)) changes.push(change(widened, `${direction}_type_widened`, path, `${description}: widened`));
  }

  const oldValues = valueSet(old);
  const newValues = valueSet(now);
  if (!sameSet(oldValues, newValues)) {
    const removed = oldValues === undefined ? undefined : [...oldValues].filter((value) => newValues !== undefined && !newValues.has(value));
    const isNarrowed = newValues !== undefined && (oldValues === undefined || (removed?.length ?? 0) > 0);
    const isWidened = oldValues !== undefined && (newValues === undefined || [...newValues].some((value) => !oldValues.has(value)));
    if (isNarrowed) changes.push(change(narrowed, `${direction}_enum_narrowed`, path, `${direction} allowed values ${show(oldValues)} -> ${show(newValues)}`));
    if (isWidened) changes.push(change(widened, `${direction}_enum_widened`, path, `${direction} allowed values ${show(oldValues)} -> ${show(newValues)}`));
  }

  for (const bound of LOWER_BOUNDS) compareBound(old, now, bound, 1);
  for (const bound of UPPER_BOUNDS) compareBound(old, now, bound, -1);
  if (old.pattern !== now.pattern && now.pattern !== undefined) {
    changes.push(change(narrowed, `${direction}_pattern_changed`, path, `${direction} pattern ${JSON.stringify(old.pattern)} -> ${JSON.stringify(now.pattern)}`));
  } else if (old.pattern !== undefined && now.pattern === undefined) {
    changes.push(change(widened, `${direction}_pattern_removed`, path, `${direction} pattern ${JSON.stringify(old.pattern)} removed`));
  }

  for (const keyword of COMPOSITES) {
    if (canonicalJson(old[keyword] ?? null) !== canonicalJson(now[keyword] ?? null)) {
      changes.push(change('breaking', `${direction}_composite_changed`, path, `${direction} "${keyword}" changed in a way this check cannot prove compatible; review it by hand`));
    }
  }

  changes.push(...diffProperties(old, now, direction, path));
  if (old.items !== undefined || now.items !== undefined) {
    if (old.items !== undefined && now.items !== undefined) changes.push(...diffJsonSchema(old.items, now.items, direction, `${path}/items`));
    else changes.push(change(now.items === undefined ? widened : narrowed, `${direction}_items_changed`, `${path}/items`, `${direction} array items ${now.items === undefined ? 'no longer' : 'now'} constrained`));
  }
  return changes;

  function compareBound(oldSchema: Schema, newSchema: Schema, keyword: string, tighterSign: 1 | -1): void {
    const a = oldSchema[keyword];
    const b = newSchema[keyword];
    if (a === b) return;
    const tighter = typeof b === 'number' && (typeof a !== 'number' || Math.sign(b - a) === tighterSign);
    changes.push(change(tighter ? narrowed : widened, `${direction}_${keyword}_changed`, path, `${direction} ${keyword} ${a ?? 'none'} -> ${b ?? 'none'}`));
  }
}

function diffProperties(old: Schema, now: Schema, direction: SchemaDirection, path: string): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const oldProperties = asSchema(old.properties);
  const newProperties = asSchema(now.properties);
  const oldRequired = new Set(stringList(old.required));
  const newRequired = new Set(stringList(now.required));
  const field = direction === 'input' ? 'input field' : 'output field';

  for (const name of Object.keys(oldProperties)) {
    const at = `${path}/properties/${name}`;
    if (!(name in newProperties)) {
      changes.push(change('breaking', `${direction}_field_removed`, at, `${field} "${name}" removed`));
      continue;
    }
    changes.push(...diffJsonSchema(oldProperties[name], newProperties[name], direction, at));
    if (!oldRequired.has(name) && newRequired.has(name)) {
      changes.push(change(direction === 'input' ? 'breaking' : 'additive', `${direction}_field_now_required`, at, `${field} "${name}" is now required`));
    }
    if (oldRequired.has(name) && !newRequired.has(name)) {
      changes.push(change(direction === 'input' ? 'additive' : 'breaking', `${direction}_field_now_optional`, at, `${field} "${name}" is no longer required${direction === 'output' ? ': readers may not find it' : ''}`));
    }
  }
  for (const name of Object.keys(newProperties)) {
    if (name in oldProperties) continue;
    const at = `${path}/properties/${name}`;
    if (direction === 'input' && newRequired.has(name)) changes.push(change('breaking', 'input_required_added', at, `new required input field "${name}"`));
    else changes.push(change('additive', `${direction}_field_added`, at, `new ${newRequired.has(name) ? 'required' : 'optional'} ${field} "${name}"`));
  }
  // A required name with no property declared is still demanded of callers.
  for (const name of newRequired) {
    if (direction === 'input' && !(name in newProperties) && !(name in oldProperties) && !oldRequired.has(name)) {
      changes.push(change('breaking', 'input_required_added', `${path}/required/${name}`, `new required input "${name}"`));
    }
  }
  if (direction === 'input' && old.additionalProperties !== false && now.additionalProperties === false) {
    changes.push(change('breaking', 'input_additional_properties_refused', path, 'input no longer accepts properties it does not declare'));
  }
  if (direction === 'input' && old.additionalProperties === false && now.additionalProperties !== false && now.additionalProperties !== undefined) {
    changes.push(change('additive', 'input_additional_properties_accepted', path, 'input now accepts properties it does not declare'));
  }
  return changes;
}

/** The JSON types a schema allows; undefined when it does not restrict them. */
function typeSet(schema: Schema): Set<string> | undefined {
  if (typeof schema.type === 'string') return new Set([schema.type]);
  if (Array.isArray(schema.type)) return new Set(schema.type.map(String));
  return undefined;
}

/** The values a schema allows (`enum` or `const`, as JSON text); undefined when it does not list them. */
function valueSet(schema: Schema): Set<string> | undefined {
  if (Array.isArray(schema.enum)) return new Set(schema.enum.map((value) => JSON.stringify(value)));
  if ('const' in schema) return new Set([JSON.stringify(schema.const)]);
  return undefined;
}

/** Whether every type `inner` allows is allowed by `outer` (`number` allows `integer`). */
function coversTypes(outer: Set<string> | undefined, inner: Set<string> | undefined): boolean {
  if (outer === undefined) return true;
  if (inner === undefined) return false;
  return [...inner].every((type) => outer.has(type) || (type === 'integer' && outer.has('number')));
}

function sameSet(a: Set<string> | undefined, b: Set<string> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.size === b.size && [...a].every((value) => b.has(value));
}

function show(values: Set<string> | undefined): string {
  return values === undefined ? 'any' : `[${[...values].join(', ')}]`;
}

function asSchema(value: unknown): Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Schema) : {};
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}
