// How backend primitives are named in the federated catalog: `{backend}{sep}{name}`.
// The separator is forbidden in backend names (config validation), so splitting
// at its first occurrence always recovers the pair; names a strict client
// could not take ([A-Za-z0-9_-]{1,64}) are made safe and carry a hash of the
// original so that two originals never land on one name.

import { createHash } from 'node:crypto';

/** The narrowest tool-name rule clients enforce (several desktop clients and LLM APIs). */
export const CLIENT_SAFE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const UNSAFE_CHARACTERS = /[^A-Za-z0-9_-]/g;
const HASH_LENGTH = 8;

export interface QualifiedName {
  backend: string;
  name: string;
}

/** The catalog name of a backend's tool or prompt. Pure; deterministic. */
export function qualifyName(backend: string, name: string, separator: string): string {
  const plain = `${backend}${separator}${name}`;
  if (CLIENT_SAFE_NAME.test(plain)) return plain;
  const digest = createHash('sha256').update(plain).digest('hex').slice(0, HASH_LENGTH);
  const safe = plain.replace(UNSAFE_CHARACTERS, '_');
  return `${safe.slice(0, 64 - HASH_LENGTH - 1)}-${digest}`;
}

/** Whether `qualifyName` kept the name readable and reversible by `splitQualifiedName` alone. */
export function isPlainQualifiedName(backend: string, name: string, separator: string): boolean {
  return CLIENT_SAFE_NAME.test(`${backend}${separator}${name}`);
}

/**
 * Splits a plain qualified name at the first separator. Backend names cannot
 * contain the separator, so the first occurrence is the boundary even when the
 * backend's own name contains the separator (the bug a split on any `_` has).
 */
export function splitQualifiedName(qualified: string, separator: string): QualifiedName | undefined {
  const boundary = qualified.indexOf(separator);
  if (boundary <= 0) return undefined;
  const name = qualified.slice(boundary + separator.length);
  if (name.length === 0) return undefined;
  return { backend: qualified.slice(0, boundary), name };
}
