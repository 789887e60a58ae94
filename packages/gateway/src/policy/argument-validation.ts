// Argument validation against the backend tool's inputSchema (docs/policies.md),
// before the call leaves the gateway. Schemas compile once per (backend, tool,
// schema hash) with ajv: JSON Schema 2020-12, the MCP
// default dialect (2025-11-25 basic, JSON Schema usage), or draft-07 when the
// schema says so; a changed definition drops the old validator.

import { z } from 'zod';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { allowOnce, type Decision, type Policy } from './policy.ts';
import { PolicyError } from './policy-error.ts';
import { oneOf } from './settings-schema.ts';
import { argumentsOf } from './tool-selector.ts';
import { canonicalHash } from './canonical-hash.ts';
import type { ToolDefinitions } from './tool-definitions.ts';

// ajv-formats is CommonJS: under Node's ESM loader its default import is module.exports, the plugin itself.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export const argumentValidationSettings = z.strictObject({
  /** A tool the lookup does not know (a catalog not yet loaded): let the backend judge. */
  on_unknown_tool: oneOf(['allow', 'deny']).default('allow'),
  /** A backend schema ajv cannot compile: the backend's bug, not the agent's. */
  on_invalid_schema: oneOf(['allow', 'deny']).default('allow'),
  /** Check `format` (email, date-time, uri...) as well as structure. */
  check_formats: z.boolean({ error: 'expected true or false' }).default(true),
  /** How many problems one error message names. */
  max_reported_errors: z.number({ error: 'expected a number' }).int().min(1).max(20).default(3),
});

export type ArgumentValidationSettings = z.infer<typeof argumentValidationSettings>;

export type SchemaCheck = { isValid: true } | { isValid: false; problems: string[] } | { isValid: 'unknown'; reason: string };

/** The answer for valid arguments, shared by every call. */
const VALID: SchemaCheck = Object.freeze({ isValid: true as const });

interface CachedValidator {
  hash: string;
  validate: ValidateFunction | undefined;
  compileError: string | undefined;
  schema: Record<string, unknown> | undefined;
}

const DRAFT_07 = /json-schema\.org\/draft-0[467]\/schema/;

/** The compiled validators of every (backend, tool); one per process is enough. */
export class ArgumentValidators {
  readonly #modern: Ajv2020;
  readonly #draft07: Ajv;
  readonly #byTool = new Map<string, CachedValidator>();
  readonly #bySchema = new WeakMap<object, CachedValidator>();

  constructor(options: { checkFormats?: boolean } = {}) {
    // strict: false: backends' schemas carry keywords of their own (x-mcp-header, examples); they are not ours to refuse.
    this.#modern = new Ajv2020({ strict: false, allErrors: true, validateFormats: options.checkFormats ?? true });
    this.#draft07 = new Ajv({ strict: false, allErrors: true, validateFormats: options.checkFormats ?? true });
    if (options.checkFormats ?? true) {
      addFormats(this.#modern);
      addFormats(this.#draft07);
    }
  }

  check(backend: string, tool: string, inputSchema: unknown, args: unknown): SchemaCheck {
    if (typeof inputSchema !== 'object' || inputSchema === null) return { isValid: 'unknown', reason: 'the tool has no inputSchema' };
    const cached = this.#validatorFor(backend, tool, inputSchema as Record<string, unknown>);
    if (cached.validate === undefined) return { isValid: 'unknown', reason: `the tool's inputSchema does not compile: ${cached.compileError}` };
    if (cached.validate(args)) return VALID;
    return { isValid: false, problems: (cached.validate.errors ?? []).map((error) => describeProblem(error, args)) };
  }

  /** Drops the validators of a backend (its definitions changed or it was removed), or of every backend. */
  invalidate(backend?: string): void {
    for (const [key, cached] of this.#byTool) {
      if (backend === undefined || key.startsWith(`${backend}\u0000`)) {
        this.#release(cached);
        this.#byTool.delete(key);
      }
    }
  }

  get size(): number {
    return this.#byTool.size;
  }

  #validatorFor(backend: string, tool: string, schema: Record<string, unknown>): CachedValidator {
    const known = this.#bySchema.get(schema);
    if (known !== undefined) return known;
    // A new definition object: the catalog refreshed. Same hash keeps the compiled function.
    const key = `${backend}\u0000${tool}`;
    const hash = canonicalHash(schema);
    let cached = this.#byTool.get(key);
    if (cached === undefined || cached.hash !== hash) {
      if (cached !== undefined) this.#release(cached);
      cached = this.#compile(schema, hash);
      this.#byTool.set(key, cached);
    }
    this.#bySchema.set(schema, cached);
    return cached;
  }

  #compile(schema: Record<string, unknown>, hash: string): CachedValidator {
    // `$id` and `$schema` are dropped from the copy: two backends may reuse one `$id`, which ajv would refuse as a duplicate.
    const { $id: _id, $schema, ...rest } = schema;
    const engine = typeof $schema === 'string' && DRAFT_07.test($schema) ? this.#draft07 : this.#modern;
    try {
      return { hash, validate: engine.compile(rest), compileError: undefined, schema: rest };
    } catch (error) {
      return { hash, validate: undefined, compileError: error instanceof Error ? error.message : String(error), schema: undefined };
    }
  }

  #release(cached: CachedValidator): void {
    if (cached.schema === undefined) return;
    this.#modern.removeSchema(cached.schema);
    this.#draft07.removeSchema(cached.schema);
  }
}

export interface ArgumentValidationDependencies {
  toolDefinitions: ToolDefinitions;
  validators?: ArgumentValidators;
}

export function createArgumentValidation(name: string, settings: ArgumentValidationSettings, dependencies: ArgumentValidationDependencies): Policy & { validators: ArgumentValidators } {
  const allow = allowOnce(name);
  const validators = dependencies.validators ?? new ArgumentValidators({ checkFormats: settings.check_formats });
  const skipped = (reason: string): Decision => ({ policy: name, decision: 'allow', details: { skipped: reason } });

  return {
    name,
    type: 'argument_validation',
    validators,
    onRequest(exchange): Decision {
      const target = exchange.target;
      if (target?.kind !== 'tool' || target.name === undefined) return allow;
      const definition = dependencies.toolDefinitions(target.backend, target.name);
      if (definition === undefined) {
        if (settings.on_unknown_tool === 'allow') return skipped('unknown tool');
        const message = `Tool "${target.name}" of backend "${target.backend}" has no known definition, so its arguments cannot be checked; call tools/list and try again in a moment`;
        return deny(name, message, { code: 'invalid_arguments', reason: 'unknown_tool' });
      }
      const result = validators.check(target.backend, target.name, definition.inputSchema, argumentsOf(exchange));
      if (result.isValid === true) return allow;
      if (result.isValid === 'unknown') {
        if (settings.on_invalid_schema === 'allow') return skipped(result.reason);
        return deny(name, `The arguments of tool "${target.name}" cannot be checked because ${result.reason}; the backend "${target.backend}" must fix its tool definition, so tell the user this tool is unavailable`, { code: 'invalid_arguments', reason: 'invalid_schema' });
      }
      const shown = result.problems.slice(0, settings.max_reported_errors);
      const more = result.problems.length - shown.length;
      const message = `Invalid arguments for tool "${target.name}": ${shown.join('; ')}${more > 0 ? `; and ${more} more problem${more === 1 ? '' : 's'}` : ''}. Fix the arguments to match the tool's inputSchema (see tools/list) and call it again`;
      return deny(name, message, { code: 'invalid_arguments', problems: result.problems.length });
    },
  };
}

function deny(policy: string, message: string, details: Record<string, unknown>): Decision {
  return { policy, decision: 'deny', reason: message, details, error: new PolicyError(policy, 'invalid_arguments', message, { details }) };
}

// --- messages: name the field and say what was expected, in the agent's terms

function describeProblem(error: ErrorObject, args: unknown): string {
  const params = error.params as Record<string, unknown>;
  const at = fieldName(error.instancePath);
  const got = () => describeValue(valueAt(args, error.instancePath));
  switch (error.keyword) {
    case 'required':
      return `field "${joinField(at, String(params.missingProperty))}" is required but missing`;
    case 'additionalProperties':
      return `field "${joinField(at, String(params.additionalProperty))}" is not accepted by this tool (remove it)`;
    case 'type':
      return `${subject(at)} expected ${String(params.type)}, got ${got()}`;
    case 'enum':
      return `${subject(at)} expected one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}, got ${got()}`;
    case 'const':
      return `${subject(at)} expected ${JSON.stringify(params.allowedValue)}, got ${got()}`;
    case 'format':
      return `${subject(at)} expected a string in the "${String(params.format)}" format, got ${got()}`;
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
      return `${subject(at)} expected a number ${String(params.comparison)} ${String(params.limit)}, got ${got()}`;
    case 'minLength':
      return `${subject(at)} expected a string of at least ${String(params.limit)} characters, got ${got()}`;
    case 'maxLength':
      return `${subject(at)} expected a string of at most ${String(params.limit)} characters, got ${got()}`;
    case 'minItems':
      return `${subject(at)} expected at least ${String(params.limit)} items, got ${got()}`;
    case 'maxItems':
      return `${subject(at)} expected at most ${String(params.limit)} items, got ${got()}`;
    case 'pattern':
      return `${subject(at)} expected a string matching ${String(params.pattern)}, got ${got()}`;
    default:
      return `${subject(at)} ${error.message ?? 'does not match the schema'}`;
  }
}

function subject(field: string | undefined): string {
  return field === undefined ? 'the arguments:' : `field "${field}":`;
}

/** JSON Pointer (RFC 6901) `/customer/0/id` -> `customer[0].id`. */
function fieldName(pointer: string): string | undefined {
  if (pointer === '') return undefined;
  let name = '';
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    name += /^\d+$/.test(part) ? `[${part}]` : name === '' ? part : `.${part}`;
  }
  return name;
}

function joinField(parent: string | undefined, child: string): string {
  return parent === undefined ? child : `${parent}.${child}`;
}

function valueAt(root: unknown, pointer: string): unknown {
  let current = root;
  if (pointer === '') return current;
  for (const raw of pointer.slice(1).split('/')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[raw.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return current;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : `${JSON.stringify(value)} (string)`;
  if (typeof value === 'object') return 'an object';
  return `${String(value)} (${typeof value})`;
}
