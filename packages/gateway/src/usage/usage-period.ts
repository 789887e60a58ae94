// The time range of a usage report, in UTC: a named calendar period (the
// audit query's `this-month`, `last-month`, ...), `last-7d` (the last 7 × 24
// hours), a month `2026-11`, or `FROM..TO` (a bare TO date includes that
// day). And the days a range covers, which the report reads one at a time.

import { UsageError } from './usage-error.ts';
import { parseTimeBound, periodRange, PERIODS, type Period } from '../audit/query.ts';

export interface UsageRange {
  since: Date;
  until: Date;
}

const DAY_MS = 86_400_000;
const LAST_DAYS = /^last-(\d{1,4})d$/;
const MONTH = /^(\d{4})-(\d{2})$/;
const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;

export const PERIOD_FORMS = `${PERIODS.join(', ')}, last-<N>d (last-7d), YYYY-MM, or FROM..TO (2026-11-01..2026-11-15)`;

export function parseUsagePeriod(text: string, now: Date): UsageRange {
  const value = text.trim();
  if ((PERIODS as readonly string[]).includes(value)) return periodRange(value as Period, now);
  const lastDays = LAST_DAYS.exec(value);
  if (lastDays !== null && Number(lastDays[1]) >= 1) return { since: new Date(now.getTime() - Number(lastDays[1]) * DAY_MS), until: now };
  const month = MONTH.exec(value);
  if (month !== null && Number(month[2]) >= 1 && Number(month[2]) <= 12) {
    const year = Number(month[1]);
    const index = Number(month[2]) - 1;
    return { since: new Date(Date.UTC(year, index, 1)), until: new Date(Date.UTC(year, index + 1, 1)) };
  }
  const parts = value.split('..');
  if (parts.length === 2 && parts[0] !== '' && parts[1] !== '') {
    const since = parseBound(parts[0]!, now);
    const to = parts[1]!.trim();
    const until = BARE_DATE.test(to) ? new Date(parseBound(to, now).getTime() + DAY_MS) : parseBound(to, now);
    if (until.getTime() <= since.getTime()) throw invalid(text, `${parts[1]} is not after ${parts[0]}`);
    return { since, until };
  }
  throw invalid(text);
}

function parseBound(text: string, now: Date): Date {
  try {
    return parseTimeBound(text, now);
  } catch {
    throw invalid(text);
  }
}

function invalid(text: string, why?: string): UsageError {
  return new UsageError('usage_query_invalid', `"${text}" is not a usage period${why === undefined ? '' : ` (${why})`}; use ${PERIOD_FORMS}`);
}

/** [since, until) cut at UTC midnights: one aggregate per day keeps each query short and lets the CLI show progress. */
export function daysOf(range: UsageRange): UsageRange[] {
  const days: UsageRange[] = [];
  let start = range.since.getTime();
  const end = range.until.getTime();
  while (start < end) {
    const next = Math.min(end, Math.floor(start / DAY_MS) * DAY_MS + DAY_MS);
    days.push({ since: new Date(start), until: new Date(next) });
    start = next;
  }
  return days;
}
