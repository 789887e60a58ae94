// The `user` label of `mcp_requests_per_user`, kept to a bounded set: users on
// an allowlist appear by name, everyone else is hashed into one of N buckets
// (`bucket-07`), and a caller without identity is `anonymous`. An operator who
// needs to know which bucket a user falls in runs `userBucketOf` (pure, stable
// across processes and releases: FNV-1a 32-bit over UTF-16 code units).

export const ANONYMOUS_USER_LABEL = 'anonymous';

export interface UserLabelOptions {
  /** Users shown by name (for example service accounts and on-call test users). */
  allowlist?: readonly string[];
  /** How many hash buckets the other users share; 0 folds them all into `other`. Default 16. */
  buckets?: number;
}

export const DEFAULT_USER_BUCKETS = 16;

/** Maps a caller's identity to its label value; allocates nothing per call. */
export type UserLabeler = (user: string | undefined) => string;

export function createUserLabeler(options: UserLabelOptions = {}): UserLabeler {
  const allowlist = new Set(options.allowlist ?? []);
  const bucketCount = options.buckets ?? DEFAULT_USER_BUCKETS;
  if (!Number.isInteger(bucketCount) || bucketCount < 0 || bucketCount > 1024) {
    throw new RangeError(`user label buckets must be an integer from 0 to 1024, got ${bucketCount}`);
  }
  const width = String(Math.max(bucketCount - 1, 0)).length;
  const labels = Array.from({ length: bucketCount }, (_, index) => bucketLabel(index, width));
  return (user) => {
    if (user === undefined || user === '') return ANONYMOUS_USER_LABEL;
    if (allowlist.has(user)) return user;
    if (bucketCount === 0) return 'other';
    return labels[fnv1a(user) % bucketCount]!;
  };
}

/** The label `createUserLabeler({ buckets })` gives a user that is not on the allowlist. */
export function userBucketOf(user: string, buckets = DEFAULT_USER_BUCKETS): string {
  if (buckets === 0) return 'other';
  return bucketLabel(fnv1a(user) % buckets, String(Math.max(buckets - 1, 0)).length);
}

function bucketLabel(index: number, width: number): string {
  return `bucket-${String(index).padStart(Math.max(width, 2), '0')}`;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
