// The fingerprint of a call's arguments: a key reused with other arguments
// is a mistake the agent must hear about, not a replay. Keys are sorted so
// that argument order does not matter; the key and dry_run are left out.

import { createHash } from 'node:crypto';

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function argumentsFingerprint(args: Record<string, unknown>): string {
  const { idempotency_key: _key, dry_run: _dryRun, ...rest } = args;
  return createHash('sha256').update(canonical(rest)).digest('base64url');
}

/**
 * The store key: per tool and per subject, so two users' keys never collide.
 * JSON keeps the parts apart without a separator byte (PostgreSQL text refuses NUL).
 */
export function idempotencyStoreKey(tool: string, subject: string, key: string): string {
  return JSON.stringify([tool, subject, key]);
}
