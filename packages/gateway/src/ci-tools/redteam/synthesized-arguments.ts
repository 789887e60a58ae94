// Arguments for a tool the red team calls, made from its input schema alone:
// each required field gets a value its schema allows (an example, a default,
// the first enum value, an "e.g." from its description), so the call
// reaches the tool instead of argument validation. Pure.

type Schema = Record<string, unknown>;

export function synthesizeArguments(inputSchema: Schema, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const properties = (inputSchema.properties ?? {}) as Record<string, Schema>;
  const required = Array.isArray(inputSchema.required) ? inputSchema.required.map(String) : [];
  const args: Record<string, unknown> = {};
  for (const name of required) args[name] = valueFor(properties[name] ?? {});
  return { ...args, ...overrides };
}

/** The first string property of a schema, preferring required ones: where a probe payload goes. */
export function firstStringProperty(inputSchema: Schema): string | undefined {
  const properties = (inputSchema.properties ?? {}) as Record<string, Schema>;
  const required = Array.isArray(inputSchema.required) ? inputSchema.required.map(String) : [];
  const names = [...required, ...Object.keys(properties)];
  return names.find((name) => properties[name]?.type === 'string' && properties[name]?.enum === undefined);
}

function valueFor(schema: Schema): unknown {
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object':
      return synthesizeArguments(schema);
    default: {
      const example = /\be\.g\.,?\s*["'`]?([\w@.:/-]+?)["'`]?(?:[\s),.;]|$)/i.exec(String(schema.description ?? ''))?.[1];
      if (example !== undefined) return example;
      if (schema.format === 'email') return 'redteam@example.com';
      if (schema.format === 'uri') return 'https://example.com/';
      return typeof schema.minLength === 'number' ? 'x'.repeat(schema.minLength) : 'test';
    }
  }
}
