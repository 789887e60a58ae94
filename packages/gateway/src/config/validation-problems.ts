// Turns zod's issues about gatehouse.yaml into ConfigProblems that read
// "key path: expected X, got Y", with a "did you mean" for misspelt keys.
// Zod's own wording names types ("expected object"); users think in YAML.

import type { z } from 'zod';
import { formatKeyPath, type ConfigProblem, type KeyPathSegment } from './errors.ts';
import { auditShape, configFileShape, gatewayShape } from './schema.ts';
import { authShapes, backendShape } from './backend-schema.ts';
import { backendScopesShape, identityKnownKeysAt } from './identity-schema.ts';
import { directoryShape, discoveryShape, dnsSrvShape, kubernetesShape, reloadShape } from './discovery-schema.ts';
import { outboundShape } from './outbound-schema.ts';

type Issue = z.core.$ZodIssue;

const EXPECTED_TYPE: Record<string, string> = {
  string: 'expected a string',
  number: 'expected a number',
  int: 'expected a whole number',
  boolean: 'expected true or false',
  array: 'expected a list',
  object: 'expected a mapping',
  record: 'expected a mapping',
};

/** One problem per issue (per key, for unknown keys), in the order zod found them. */
export function describeIssues(issues: readonly Issue[], input: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) collect(issue, [], input, problems);
  return problems;
}

function collect(issue: Issue, base: KeyPathSegment[], input: unknown, problems: ConfigProblem[]): void {
  const path = [...base, ...(issue.path as KeyPathSegment[])];
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(path, input);
    for (const key of issue.keys) {
      const suggestion = closestKey(key, known);
      const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
      problems.push({ path: formatKeyPath([...path, key]), message: `unknown key${hint}` });
    }
    return;
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // The option whose type matched explains the problem best (a mapping under
    // `auth:` failed as a mapping, not as the string form).
    const matched = issue.errors.filter((branch) => !branch.some((inner) => inner.code === 'invalid_type' && inner.path.length === 0));
    if (matched.length === 1) {
      for (const inner of matched[0] as Issue[]) collect(inner, path, input, problems);
      return;
    }
  }
  const found = valueAt(input, path);
  const expected = expectation(issue);
  const message = expected.startsWith('expected ') ? `${expected}, got ${describeFound(found, path)}` : expected;
  problems.push({ path: formatKeyPath(path), message: found === undefined && expected.startsWith('expected ') ? `required: ${message}` : message });
}

/** Our schema words its own messages ("expected ..."); zod's defaults start with a capital and are reworded here. */
function expectation(issue: Issue): string {
  if (/^[a-z"]/.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return EXPECTED_TYPE[issue.expected] ?? `expected ${issue.expected}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'invalid_union':
      return 'expected one of the accepted forms (see docs/configuration.md)';
    default:
      return `expected a valid value (${issue.message})`;
  }
}

/** Keys whose values are likely secrets are described, never echoed. */
const SECRET_PATH = /^(headers|env|client_secret|value|password|token|secret)$/i;

/** What the file holds at a path, in words, briefly, and without echoing secrets. */
export function describeFound(value: unknown, path: readonly KeyPathSegment[] = []): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    if (path.some((segment) => typeof segment === 'string' && SECRET_PATH.test(segment))) return `a string of ${value.length} characters (not shown)`;
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  }
  return String(value);
}

/** The known key closest to a misspelt one, if one is within edit distance 2 (3 for long keys). */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const limit = key.length > 8 ? 3 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance with adjacent transposition counted as one edit (`tiemout` is one slip from `timeout`). */
export function editDistance(from: string, to: string): number {
  const rows = from.length + 1;
  const columns = to.length + 1;
  const table: number[][] = Array.from({ length: rows }, (_, row) => Array.from({ length: columns }, (_, column) => (row === 0 ? column : column === 0 ? row : 0)));
  const cell = (row: number, column: number): number => table[row]?.[column] ?? 0;
  for (let row = 1; row < rows; row += 1) {
    for (let column = 1; column < columns; column += 1) {
      const cost = from[row - 1] === to[column - 1] ? 0 : 1;
      let distance = Math.min(cell(row - 1, column) + 1, cell(row, column - 1) + 1, cell(row - 1, column - 1) + cost);
      if (row > 1 && column > 1 && from[row - 1] === to[column - 2] && from[row - 2] === to[column - 1]) {
        distance = Math.min(distance, cell(row - 2, column - 2) + 1);
      }
      (table[row] as number[])[column] = distance;
    }
  }
  return cell(rows - 1, columns - 1);
}

/** The keys a strict mapping at `path` accepts, for "did you mean" suggestions; [] where any key goes. */
function knownKeysAt(path: readonly (string | number)[], input: unknown): readonly string[] {
  const [section, index, field, ...rest] = path;
  if (section === undefined) return Object.keys(configFileShape);
  if (section === 'authentication' || section === 'authorization') return identityKnownKeysAt(path);
  if (index === undefined) {
    if (section === 'gateway') return Object.keys(gatewayShape);
    if (section === 'audit') return Object.keys(auditShape);
    if (section === 'discovery') return Object.keys(discoveryShape);
    if (section === 'reload') return Object.keys(reloadShape);
    if (section === 'outbound') return Object.keys(outboundShape);
    return [];
  }
  if (section === 'discovery' && rest.length === 0) {
    if (index === 'directory' && field === undefined) return Object.keys(directoryShape);
    if (index === 'kubernetes' && field === undefined) return Object.keys(kubernetesShape);
    if (index === 'dns_srv' && typeof field === 'number') return Object.keys(dnsSrvShape);
    return [];
  }
  if (section !== 'backends' || typeof index !== 'number' || rest.length > 0) return [];
  if (field === undefined) return Object.keys(backendShape);
  if (field === 'scopes') return Object.keys(backendScopesShape);
  if (field !== 'auth') return [];
  const type = (valueAt(input, path) as { type?: unknown } | undefined)?.type;
  const shape = typeof type === 'string' && type in authShapes ? authShapes[type as keyof typeof authShapes] : undefined;
  return shape === undefined ? [...new Set(Object.values(authShapes).flatMap((each) => Object.keys(each)))] : Object.keys(shape);
}

/** The value at a key path, or undefined where the path leads nowhere. */
function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  let value = input;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}
