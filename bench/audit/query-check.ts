// Checks the answers `npm run bench:audit` times: each record a compliance
// question returns must satisfy it, and the pages together must hold exactly
// the records of the synthetic dataset that satisfy it, so a timing is never
// of a query that silently returned the wrong records or stopped early.
// Pure: the question's filters applied to a record's index columns, the
// projection the stores query (audit/record-index.ts).

import { indexColumns } from '../../packages/gateway/src/audit/record-index.ts';
import type { AuditQuery } from '../../packages/gateway/src/audit/query.ts';
import type { AuditRecord } from '../../packages/gateway/src/audit/record.ts';

/** The filters the bench's questions use; any other filter is refused rather than ignored. */
const CHECKED_FILTERS = new Set(['since', 'until', 'agent', 'target', 'types', 'decision']);

export class UncheckedFilterError extends Error {
  readonly code = 'bench_unchecked_filter';
}

export function recordMatches(record: AuditRecord, query: AuditQuery): boolean {
  for (const [filter, value] of Object.entries(query)) {
    if (value !== undefined && !CHECKED_FILTERS.has(filter)) throw new UncheckedFilterError(`the bench cannot check the "${filter}" filter; add it to query-check.ts`);
  }
  const columns = indexColumns(record);
  if (query.since !== undefined && columns.timestampMs < query.since.getTime()) return false;
  if (query.until !== undefined && columns.timestampMs >= query.until.getTime()) return false;
  if (query.agent !== undefined && columns.agent !== query.agent) return false;
  if (query.target !== undefined && !columns.targets.includes(query.target)) return false;
  if (query.types !== undefined && query.types.length > 0 && !query.types.includes(columns.operationType as never)) return false;
  if (query.decision !== undefined && columns.decision !== query.decision) return false;
  return true;
}

/** How many of `total` records (`recordAt(0)` .. `recordAt(total - 1)`, generated in order) each query matches. */
export function countMatches(total: number, recordAt: (index: number) => AuditRecord, queries: readonly AuditQuery[]): number[] {
  const counts = queries.map(() => 0);
  for (let index = 0; index < total; index++) {
    const record = recordAt(index);
    queries.forEach((query, position) => {
      if (recordMatches(record, query)) counts[position]! += 1;
    });
  }
  return counts;
}
