// Reads gatehouse.yaml: YAML text, then `${VAR}` interpolation, then the
// schema, then warnings for keys this version accepts but does not act on.
// Every failure is a ConfigError listing all of its problems at once.

import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { ConfigError, formatKeyPath, type ConfigProblem } from './errors.ts';
import { interpolateEnv, type Environment } from './env-interpolation.ts';
import { createGatewayConfigSchema, type GatewayConfig } from './schema.ts';
import { describeIssues } from './validation-problems.ts';
import { collectWarnings } from './warnings.ts';
import { resolveBackendAuth } from './backend-auth.ts';

export interface LoadedConfig {
  config: GatewayConfig;
  warnings: string[];
  /** Absolute path of the file read, or the name given to parseConfig. */
  path: string;
}

/** The root of the Gatehouse checkout (this file is packages/gateway/src/config/load.ts). */
export const GATEHOUSE_ROOT = fileURLToPath(new URL('../../../../', import.meta.url)).replace(/\/$/, '');

/** yaml's cap on alias expansion, against "billion laughs" files that are small but expand to huge ones. */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses config text. `fileName` prefixes every message. The environment
 * gets GATEHOUSE_ROOT (the checkout root) when it lacks one, so the shipped
 * config can point at files of this repository wherever it is checked out.
 */
export function parseConfig(text: string, fileName: string, env: Environment = process.env, options: { hostname?: string } = {}): LoadedConfig {
  const document = parseDocument(text, { prettyErrors: true, merge: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error) => positionedProblem(error.message, error.linePos?.[0]));
    throw new ConfigError('config_parse_error', fileName, problems);
  }
  const yamlWarnings = document.warnings.map((warning) => {
    const position = warning.linePos?.[0];
    return position === undefined ? `${fileName}: ${firstLine(warning.message)}` : `${fileName}:${position.line}:${position.col}: ${firstLine(warning.message)}`;
  });
  let parsed: unknown;
  try {
    parsed = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw new ConfigError('config_parse_error', fileName, [{ path: '', message: `cannot be read as YAML: ${(error as Error).message}` }], { cause: error });
  }
  if (parsed === null || parsed === undefined) {
    throw new ConfigError('config_invalid', fileName, [{ path: '', message: 'is empty: expected a mapping with at least a backends list (gatehouse init writes a starter)' }]);
  }

  const interpolation = interpolateEnv(withoutExtensionKeys(parsed), { ...env, GATEHOUSE_ROOT: env.GATEHOUSE_ROOT ?? GATEHOUSE_ROOT });
  if (interpolation.problems.length > 0) {
    const isOnlyMissing = interpolation.problems.every((problem) => problem.kind === 'missing');
    const problems = interpolation.problems.map((problem) => ({ path: formatKeyPath(problem.path), message: problem.message }));
    throw new ConfigError(isOnlyMissing ? 'config_env_missing' : 'config_invalid', fileName, problems);
  }

  const result = createGatewayConfigSchema({ hostname: options.hostname ?? hostname() }).safeParse(interpolation.value);
  if (!result.success) {
    throw new ConfigError('config_invalid', fileName, describeIssues(result.error.issues, interpolation.value));
  }
  const authProblems = resolveBackendAuth(result.data.backends, result.data.authentication, env);
  if (authProblems.length > 0) throw new ConfigError('config_invalid', fileName, authProblems);
  const warnings = [...yamlWarnings, ...collectWarnings(result.data, interpolation.value as Record<string, unknown>, fileName)];
  return { config: result.data, warnings, path: fileName };
}

/**
 * Reads and parses a config file. Besides GATEHOUSE_ROOT, the environment
 * gets GATEHOUSE_CONFIG_DIR (the file's directory) when it lacks one, for
 * paths that should not depend on where the gateway was started from.
 */
export async function loadConfig(path: string, env: Environment = process.env): Promise<LoadedConfig> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new ConfigError('config_not_found', path, [unreadableProblem(error, absolute)], { cause: error });
  }
  const loaded = parseConfig(text, path, { ...env, GATEHOUSE_CONFIG_DIR: env.GATEHOUSE_CONFIG_DIR ?? dirname(absolute) });
  return { ...loaded, path: absolute };
}

/**
 * Top-level `x-` keys hold YAML anchors for reuse (`x-defaults: &defaults`), as
 * in the Compose file format; they are dropped before interpolation and validation.
 */
function withoutExtensionKeys(parsed: unknown): unknown {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return parsed;
  return Object.fromEntries(Object.entries(parsed).filter(([key]) => !key.startsWith('x-')));
}

function unreadableProblem(error: unknown, absolute: string): ConfigProblem {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return { path: '', message: `no such file (looked for ${absolute}); "gatehouse init" writes a starter` };
  if (code === 'EISDIR') return { path: '', message: `is a directory (${absolute}); give the path of the YAML file` };
  return { path: '', message: `cannot be read (${absolute}): ${(error as Error).message}` };
}

/** yaml's messages end with "at line L, column C:" and a code excerpt; the position goes in front instead. */
function positionedProblem(message: string, position: { line: number; col: number } | undefined): ConfigProblem {
  const text = firstLine(message).replace(/ at line \d+, column \d+:?$/, '');
  return position === undefined ? { path: '', message: text } : { path: '', message: text, line: position.line, column: position.col };
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? message;
}
