// `${VAR}` and `${VAR:-default}` in the string values of a parsed gatehouse.yaml,
// applied after YAML parsing and before validation, so keys and comments are
// never touched and a substituted value cannot change the YAML structure.

import type { KeyPathSegment } from './errors.ts';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface InterpolationProblem {
  path: KeyPathSegment[];
  kind: 'missing' | 'malformed';
  /** The variable that is not set, for `missing`. */
  variable?: string;
  message: string;
}

export interface StringInterpolation {
  text: string;
  /** Variables referenced without a default and not set, in order of appearance. */
  missing: string[];
  /** Why a reference could not be read, if one could not. */
  malformed: string | undefined;
}

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/**
 * Expands one string. `$${` is a literal `${`; a `$` not followed by `{` is
 * literal. `:-` takes the default when the variable is unset or empty, as a
 * POSIX shell does. Substituted text is not expanded again, so a value in
 * the environment that contains `${...}` arrives as written.
 */
export function interpolateString(text: string, env: Environment): StringInterpolation {
  let output = '';
  const missing: string[] = [];
  let index = 0;
  while (index < text.length) {
    const dollar = text.indexOf('$', index);
    if (dollar === -1) {
      output += text.slice(index);
      break;
    }
    output += text.slice(index, dollar);
    if (text.startsWith('$${', dollar)) {
      output += '${';
      index = dollar + 3;
      continue;
    }
    if (text[dollar + 1] !== '{') {
      output += '$';
      index = dollar + 1;
      continue;
    }
    const close = text.indexOf('}', dollar + 2);
    if (close === -1) {
      return { text, missing, malformed: `"${text.slice(dollar)}" is not closed: expected \${NAME} or \${NAME:-default} (write $\${ for a literal \${)` };
    }
    const body = text.slice(dollar + 2, close);
    const match = REFERENCE.exec(body);
    if (match === null) {
      return { text, missing, malformed: `"\${${body}}" is not a variable reference: expected \${NAME} or \${NAME:-default} with NAME made of letters, digits and _ (write $\${ for a literal \${)` };
    }
    const name = match[1] as string;
    const fallback = match[2];
    if (fallback?.includes('${')) {
      return { text, missing, malformed: `"\${${body}}" nests a reference in a default, which is not supported` };
    }
    const value = env[name];
    if (fallback !== undefined) output += value === undefined || value === '' ? fallback : value;
    else if (value !== undefined) output += value;
    else missing.push(name);
    index = close + 1;
  }
  return { text: output, missing, malformed: undefined };
}

/** Expands every string value in a parsed document (not the keys); returns a new value and every problem found. */
export function interpolateEnv(document: unknown, env: Environment): { value: unknown; problems: InterpolationProblem[] } {
  const problems: InterpolationProblem[] = [];
  const value = interpolateValue(document, env, [], problems, new Set());
  return { value, problems };
}

function interpolateValue(value: unknown, env: Environment, path: KeyPathSegment[], problems: InterpolationProblem[], ancestors: Set<object>): unknown {
  if (typeof value === 'string') {
    const result = interpolateString(value, env);
    if (result.malformed !== undefined) problems.push({ path, kind: 'malformed', message: result.malformed });
    for (const variable of result.missing) {
      problems.push({
        path,
        kind: 'missing',
        variable,
        message: `environment variable ${variable} is not set (set it, or write \${${variable}:-default} to give a default)`,
      });
    }
    return result.text;
  }
  if (typeof value !== 'object' || value === null) return value;
  // A YAML alias inside its own anchor (`a: &x [*x]`) parses to a cycle.
  if (ancestors.has(value)) {
    problems.push({ path, kind: 'malformed', message: 'is an alias that contains itself; expected a finite value' });
    return undefined;
  }
  ancestors.add(value);
  const copy = Array.isArray(value)
    ? value.map((item, index) => interpolateValue(item, env, [...path, index], problems, ancestors))
    : // fromEntries defines own properties, so a `__proto__` key stays a plain (and later rejected) key.
      Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateValue(item, env, [...path, key], problems, ancestors)]));
  ancestors.delete(value);
  return copy;
}
