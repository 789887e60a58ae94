// `x-mcp-header` annotations (2026-07-28 transports, "Custom Headers from Tool
// Parameters"): which tool arguments are mirrored into `Mcp-Param-{Name}`
// headers. Pure: read once per tool definition when the catalog refreshes.

export interface HeaderParameter {
  /** The `{Name}` in `Mcp-Param-{Name}`. */
  header: string;
  /** Chain of `properties` keys from the schema root. */
  path: string[];
  type: 'string' | 'integer' | 'boolean';
}

export type HeaderParameterScan = { isValid: true; parameters: HeaderParameter[] } | { isValid: false; reason: string };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const NESTING_KEYWORDS = ['items', 'prefixItems', 'additionalProperties', 'oneOf', 'anyOf', 'allOf', 'not', 'if', 'then', 'else', '$defs', 'definitions', 'patternProperties'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Finds every annotation and checks the spec's constraints; one bad annotation invalidates the tool. */
export function scanHeaderParameters(inputSchema: unknown): HeaderParameterScan {
  const parameters: HeaderParameter[] = [];
  const seen = new Set<string>();
  let failure: string | undefined;

  function visit(schema: Record<string, unknown>, path: string[], isReachable: boolean): void {
    if (failure !== undefined) return;
    const annotation = schema['x-mcp-header'];
    if (annotation !== undefined && path.length > 0) {
      if (!isReachable) return void (failure = `x-mcp-header at "${path.join('.')}" is not reachable through properties alone`);
      if (typeof annotation !== 'string' || !TOKEN.test(annotation)) return void (failure = `x-mcp-header at "${path.join('.')}" is not an HTTP token`);
      const type = schema.type;
      if (type !== 'string' && type !== 'integer' && type !== 'boolean') {
        return void (failure = `x-mcp-header at "${path.join('.')}" is on a ${String(type)} parameter; only string, integer and boolean are allowed`);
      }
      const key = annotation.toLowerCase();
      if (seen.has(key)) return void (failure = `x-mcp-header "${annotation}" is used twice`);
      seen.add(key);
      parameters.push({ header: annotation, path, type });
    }
    const properties = schema.properties;
    if (isObject(properties)) {
      for (const [key, child] of Object.entries(properties)) if (isObject(child)) visit(child, [...path, key], isReachable);
    }
    for (const keyword of NESTING_KEYWORDS) {
      const nested = schema[keyword];
      const children = Array.isArray(nested) ? nested : [nested];
      for (const child of children) if (isObject(child)) visit(child, [...path, keyword], false);
    }
  }

  if (isObject(inputSchema)) visit(inputSchema, [], true);
  return failure === undefined ? { isValid: true, parameters } : { isValid: false, reason: failure };
}

/** Reads the argument at a parameter's path; `undefined` or `null` means "omit the header". */
export function readHeaderArgument(args: unknown, path: readonly string[]): unknown {
  let value: unknown = args;
  for (const key of path) {
    if (!isObject(value)) return undefined;
    value = value[key];
  }
  return value;
}

/** The header text for an argument value (integers as decimal, booleans lowercase). */
export function headerArgumentText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}
