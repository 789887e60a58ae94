// Errors from reading gatehouse.yaml. Every problem names the file, the key
// path and what was expected against what was found, so that a user can fix
// the file from the message alone; all problems are reported at once.

export type ConfigErrorCode = 'config_invalid' | 'config_not_found' | 'config_parse_error' | 'config_env_missing';

export type KeyPathSegment = string | number;

/** One thing wrong with the file. `path` is a key path such as `backends[1].url`, empty for the file as a whole. */
export interface ConfigProblem {
  path: string;
  message: string;
  /** 1-based position, for problems found while reading the YAML text itself. */
  line?: number;
  column?: number;
}

const BRAND = Symbol.for('gatehouse.ConfigError');

/**
 * A configuration that cannot be used. Permanent: retrying with the same file
 * fails the same way, the file (or the environment it interpolates) must change.
 */
export class ConfigError extends Error {
  readonly [BRAND] = true;
  readonly code: ConfigErrorCode;
  /** The file name as the user gave it, the prefix of every problem line. */
  readonly file: string;
  readonly problems: readonly ConfigProblem[];
  constructor(code: ConfigErrorCode, file: string, problems: readonly ConfigProblem[], options: { cause?: unknown } = {}) {
    super(problems.map((problem) => formatProblem(file, problem)).join('\n'), { cause: options.cause });
    this.name = 'ConfigError';
    this.code = code;
    this.file = file;
    this.problems = problems;
  }
}

/** Checked by brand rather than `instanceof`, so that two loaded copies of this module recognise each other. */
export function isConfigError(value: unknown): value is ConfigError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** `file:line:column: message` for YAML text problems (editors make it a link), `file: path: message` otherwise. */
export function formatProblem(file: string, problem: ConfigProblem): string {
  if (problem.line !== undefined) {
    const position = problem.column === undefined ? `${problem.line}` : `${problem.line}:${problem.column}`;
    return `${file}:${position}: ${problem.message}`;
  }
  return problem.path === '' ? `${file}: ${problem.message}` : `${file}: ${problem.path}: ${problem.message}`;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `backends[1].headers.X-Api-Key`; keys that would read ambiguously are quoted: `headers["a.b"]`. */
export function formatKeyPath(segments: readonly KeyPathSegment[]): string {
  let text = '';
  for (const segment of segments) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}
