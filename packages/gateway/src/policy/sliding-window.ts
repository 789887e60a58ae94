// The sliding-window estimate over two aligned fixed windows (the
// approximation Cloudflare and others use): the previous window's count,
// weighted by how much of it still overlaps the sliding window, plus the
// current window's count. Pure arithmetic; rate-limit.ts keeps the counts.

export interface WindowCounts {
  /** Requests counted in the previous aligned window (clamped to the limit). */
  previous: number;
  /** Requests counted in the current window, this one included. */
  current: number;
  /** Milliseconds since the current window began. */
  elapsedMs: number;
  windowMs: number;
}

export function slidingEstimate({ previous, current, elapsedMs, windowMs }: WindowCounts): number {
  return previous * (1 - elapsedMs / windowMs) + current;
}

/**
 * How long until one more request fits under `limit`, given the counts
 * without the refused request. Within this window the previous window's
 * weight decays; failing that, the next window starts with this window's
 * count as its "previous".
 */
export function slidingRetryAfterMs(limit: number, { previous, current, elapsedMs, windowMs }: WindowCounts): number {
  const room = limit - 1 - current;
  if (room >= 0) {
    if (previous <= room) return 0;
    const neededElapsed = windowMs * (1 - room / previous);
    if (neededElapsed < windowMs) return Math.max(0, Math.ceil(neededElapsed - elapsedMs));
  }
  const untilNextWindow = windowMs - elapsedMs;
  const carried = Math.min(current, limit);
  const intoNext = carried <= limit - 1 ? 0 : windowMs * (1 - (limit - 1) / carried);
  return Math.ceil(untilNextWindow + intoNext);
}
