// CEL conditions for policies (approval rules, `applies_to.when`), compiled
// once at config load with @bufbuild/cel and evaluated over a small
// activation built once per Exchange: caller, tool, backend, method, args,
// session counters and now. A bad expression is refused with its line and
// column, and so is a name the activation does not define.

import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { Exchange } from '../exchange/exchange.ts';
import type { Caller } from '../identity/caller.ts';
import { sessionFactsOf, type SessionFacts } from './session-facts.ts';

/** The variables a condition may name; docs/policies.md lists their fields. */
const CEL_VARIABLES = ['caller', 'tool', 'backend', 'method', 'args', 'session', 'now'] as const;

/** Identifiers that are CEL itself (type names usable as values), not activation variables. */
const CEL_BUILTIN_IDENTIFIERS = new Set(['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type', 'dyn', 'google']);

const KNOWN_IDENTIFIERS: ReadonlySet<string> = new Set([...CEL_VARIABLES, ...CEL_BUILTIN_IDENTIFIERS]);

/** The backend's dry-run estimate, known only to rules that fetch one (`estimate: dry_run`, policy/dry-run-estimate.ts). */
export const CEL_ESTIMATE_VARIABLE = 'estimate';

const BRAND = Symbol.for('gatehouse.CelCompileError');

export class CelCompileError extends Error {
  readonly [BRAND] = true;
  readonly code = 'invalid_cel';
  readonly source: string;
  /** 1-based, as editors count. */
  readonly line: number;
  readonly column: number;

  constructor(source: string, line: number, column: number, problem: string) {
    super(`invalid CEL at line ${line}, column ${column}: ${problem} (in \`${source}\`)`);
    this.name = 'CelCompileError';
    this.source = source;
    this.line = line;
    this.column = column;
  }
}

export function isCelCompileError(value: unknown): value is CelCompileError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** A condition could not be evaluated (a missing field, a type mismatch): each policy says what that means for it. */
interface CelFailure {
  error: string;
}

type CelVerdict = boolean | CelFailure;

export interface CelCondition {
  readonly source: string;
  /** Which of the `extraVariables` given to compileCondition the expression names (a rule then knows it must provide them). */
  readonly extraVariablesUsed: readonly string[];
  evaluate(exchange: Exchange): CelVerdict;
  /** For tests and previews: evaluate over a hand-built activation. */
  evaluateWith(activation: Record<string, unknown>): CelVerdict;
}

const environment = celEnv();

/**
 * Parses, checks the names it uses, and plans the expression once; throws a
 * CelCompileError naming the position. `extraVariables`: names the caller's
 * rule adds to the activation (`estimate`), known to no other condition.
 */
export function compileCondition(source: string, extraVariables: readonly string[] = []): CelCondition {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (error) {
    const location = (error as { location?: { start?: { line?: number; column?: number } } }).location?.start;
    const raw = (error as { rawMessage?: string }).rawMessage ?? (error instanceof Error ? error.message : String(error));
    throw new CelCompileError(source, location?.line ?? 1, location?.column ?? 1, raw);
  }
  const known = extraVariables.length === 0 ? KNOWN_IDENTIFIERS : new Set([...KNOWN_IDENTIFIERS, ...extraVariables]);
  const unknown = firstUnknownIdentifier(parsed.expr, new Set(), known);
  if (unknown !== undefined) {
    const offset = parsed.sourceInfo?.positions[String(unknown.id)] ?? 0;
    const { line, column } = lineAndColumn(source, offset);
    const hint = unknown.name === CEL_ESTIMATE_VARIABLE ? ' (estimate only in an approval rule with `estimate: dry_run`)' : '';
    throw new CelCompileError(source, line, column, `unknown name "${unknown.name}"; conditions can use ${[...CEL_VARIABLES, ...extraVariables].join(', ')}${hint}`);
  }
  // Each extra name the expression needs is the one found unknown once that name alone is withheld.
  const extraVariablesUsed = extraVariables.filter((name) => firstUnknownIdentifier(parsed.expr, new Set([]), new Set([...known].filter((other) => other !== name))) !== undefined);
  const program = plan(environment, parsed);
  const evaluateWith = (activation: Record<string, unknown>): CelVerdict => {
    const value = program(activation as never);
    if (isCelError(value)) return { error: value.message };
    if (typeof value !== 'boolean') return { error: `the condition produced ${typeof value}, not true or false` };
    return value;
  };
  return { source, extraVariablesUsed, evaluateWith, evaluate: (exchange) => evaluateWith(activationOf(exchange)) };
}

interface ExprNode {
  id: bigint;
  exprKind: { case: string | undefined; value?: unknown };
}

/** Walks the parsed AST; comprehension variables (`exists(x, ...)`) are bound inside their macro. */
function firstUnknownIdentifier(expr: ExprNode | undefined, bound: ReadonlySet<string>, known: ReadonlySet<string>): { name: string; id: bigint } | undefined {
  if (expr === undefined) return undefined;
  const { case: kind, value } = expr.exprKind;
  const node = value as Record<string, unknown>;
  switch (kind) {
    case 'identExpr': {
      const name = node.name as string;
      return known.has(name) || bound.has(name) ? undefined : { name, id: expr.id };
    }
    case 'selectExpr':
      return firstUnknownIdentifier(node.operand as ExprNode, bound, known);
    case 'callExpr':
      return firstIn([node.target as ExprNode | undefined, ...(node.args as ExprNode[])], bound, known);
    case 'listExpr':
      return firstIn(node.elements as ExprNode[], bound, known);
    case 'structExpr':
      return firstIn((node.entries as { mapKey?: ExprNode; value?: ExprNode }[]).flatMap((entry) => [entry.mapKey, entry.value]), bound, known);
    case 'comprehensionExpr': {
      const inner = new Set(bound);
      for (const name of [node.iterVar, node.iterVar2, node.accuVar]) if (typeof name === 'string' && name !== '') inner.add(name);
      return firstUnknownIdentifier(node.iterRange as ExprNode, bound, known)
        ?? firstIn([node.accuInit, node.loopCondition, node.loopStep, node.result] as ExprNode[], inner, known);
    }
    default:
      return undefined;
  }
}

function firstIn(exprs: readonly (ExprNode | undefined)[], bound: ReadonlySet<string>, known: ReadonlySet<string>): { name: string; id: bigint } | undefined {
  for (const expr of exprs) {
    const found = firstUnknownIdentifier(expr, bound, known);
    if (found !== undefined) return found;
  }
  return undefined;
}

function lineAndColumn(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

// --- the activation

type Activation = {
  caller: Record<string, unknown>;
  tool: string;
  backend: string;
  method: string;
  args: unknown;
  session: SessionFacts;
  now: unknown;
};

const activations = new WeakMap<Exchange, Activation>();
const callerActivations = new WeakMap<Caller, Record<string, unknown>>();
const ANONYMOUS_ACTIVATION = Object.freeze({ agent: 'anonymous', user: null, scopes: [], roles: [], mode: 'agent_as_service', anonymous: true });

/** The activation of an exchange, built on first use and shared by every condition evaluated on it. */
export function activationOf(exchange: Exchange): Activation {
  let activation = activations.get(exchange);
  if (activation === undefined) {
    const params = (exchange.message as { params?: Record<string, unknown> }).params;
    activation = {
      caller: callerActivation(exchange.caller as Caller | undefined),
      tool: exchange.target?.kind === 'tool' ? (exchange.target.name ?? '') : '',
      backend: exchange.target?.backend ?? '',
      method: exchange.message.method,
      args: typeof params?.arguments === 'object' && params.arguments !== null ? params.arguments : {},
      session: sessionFactsOf(exchange),
      now: timestampFromMs(Date.now()),
    };
    activations.set(exchange, activation);
  }
  return activation;
}

function callerActivation(caller: Caller | undefined): Record<string, unknown> {
  if (caller === undefined || caller.isAnonymous) return ANONYMOUS_ACTIVATION;
  let activation = callerActivations.get(caller);
  if (activation === undefined) {
    activation = { agent: caller.agent, user: caller.user ?? null, scopes: [...caller.scopes], roles: [...caller.roles], mode: caller.mode, anonymous: false };
    callerActivations.set(caller, activation);
  }
  return activation;
}
