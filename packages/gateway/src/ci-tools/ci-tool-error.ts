// The errors the CI and review tools raise: a stable code and a message that
// says what went wrong and what to do, printed alone by the CLI (exit 2, so
// CI tells "the tool could not run" apart from "the check failed", exit 1).

export type CiToolErrorCode =
  | 'target_invalid'
  | 'target_unreachable'
  | 'snapshot_invalid'
  | 'identity_invalid'
  | 'source_invalid'
  | 'answers_invalid'
  | 'format_invalid';

export class CiToolError extends Error {
  readonly code: CiToolErrorCode;
  constructor(code: CiToolErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'CiToolError';
    this.code = code;
  }
}

export function isCiToolError(value: unknown): value is CiToolError {
  return value instanceof CiToolError;
}
