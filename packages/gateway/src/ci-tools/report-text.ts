// A report for a person at a terminal: one line per check, its findings
// indented under it, and a closing verdict line.

import { countFindings, isReportFailing, type CiReport } from './ci-report.ts';

const STATUS_MARK = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' } as const;

export function renderTextReport(report: CiReport): string {
  const lines = [`gatehouse ${report.tool}: ${report.subject}`];
  for (const check of report.checks) {
    lines.push(`${STATUS_MARK[check.status]} ${check.id}: ${check.summary}`);
    for (const finding of check.findings) {
      lines.push(`  ${finding.severity}: ${finding.message}${finding.location === undefined ? '' : ` (${finding.location})`}`);
    }
  }
  const counts = countFindings(report);
  lines.push(`${isReportFailing(report) ? 'FAILED' : 'PASSED'}: ${counts.error} error(s), ${counts.warning} warning(s), ${counts.note} note(s)`);
  return `${lines.join('\n')}\n`;
}
