// Validates one backend found by discovery with the very schema of a
// `backends` entry in gatehouse.yaml (same keys, defaults and messages), so
// a backend file reads like a slice of the config and a discovered Service
// or SRV record is held to the same rules (name, separator, url).

import { parseDocument } from 'yaml';
import { ConfigError, type ConfigProblem } from '../config/errors.ts';
import { interpolateEnv, type Environment } from '../config/env-interpolation.ts';
import { formatKeyPath } from '../config/errors.ts';
import { createGatewayConfigSchema } from '../config/schema.ts';
import type { BackendConfig } from '../config/backend-schema.ts';
import { describeIssues } from '../config/validation-problems.ts';
import { resolveBackendAuth } from '../config/backend-auth.ts';

const ENTRY_PREFIX = /^backends\[0\]\.?/;

/** `entry` as a `backends` entry (snake_case keys). Throws a ConfigError naming `origin` and the key. */
export function checkBackendEntry(entry: unknown, origin: string, nameSeparator: string): BackendConfig {
  const input = { gateway: { name_separator: nameSeparator }, backends: [entry] };
  const result = createGatewayConfigSchema({ hostname: 'discovery' }).safeParse(input);
  if (result.success) {
    const backend = result.data.backends[0]!;
    // Named credentials resolve from the environment as in gatehouse.yaml; passthrough is for declared backends only.
    const authProblems = resolveBackendAuth([backend], 'discovered', process.env);
    if (authProblems.length > 0) throw new ConfigError('config_invalid', origin, authProblems.map((problem) => ({ ...problem, path: problem.path.replace(ENTRY_PREFIX, '') })));
    return backend;
  }
  const problems = describeIssues(result.error.issues, input)
    .filter((problem) => problem.path.startsWith('backends[0]'))
    .map((problem): ConfigProblem => ({ ...problem, path: problem.path.replace(ENTRY_PREFIX, '') }));
  throw new ConfigError('config_invalid', origin, problems.length > 0 ? problems : [{ path: '', message: 'is not a valid backend entry' }]);
}

/** A backend file: YAML text of one `backends` entry, `${VAR}` interpolated as in gatehouse.yaml. */
export function parseBackendFile(text: string, fileName: string, nameSeparator: string, env: Environment = process.env): BackendConfig {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError('config_parse_error', fileName, document.errors.map((error) => {
      const position = error.linePos?.[0];
      const message = (error.message.split('\n', 1)[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
      return position === undefined ? { path: '', message } : { path: '', message, line: position.line, column: position.col };
    }));
  }
  const parsed: unknown = document.toJS({ maxAliasCount: 100 });
  if (parsed === null || parsed === undefined) {
    throw new ConfigError('config_invalid', fileName, [{ path: '', message: 'is empty: expected one backend, a mapping with name and url (or command), as in the config\'s backends list' }]);
  }
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('config_invalid', fileName, [{ path: '', message: 'expected one backend: a mapping with name and url (or command), not a list or a scalar' }]);
  }
  const interpolation = interpolateEnv(parsed, env);
  if (interpolation.problems.length > 0) {
    const isOnlyMissing = interpolation.problems.every((problem) => problem.kind === 'missing');
    throw new ConfigError(isOnlyMissing ? 'config_env_missing' : 'config_invalid', fileName, interpolation.problems.map((problem) => ({ path: formatKeyPath(problem.path), message: problem.message })));
  }
  return checkBackendEntry(interpolation.value, fileName, nameSeparator);
}
