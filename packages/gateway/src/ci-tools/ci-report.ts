// The one result shape every CI tool returns (schema diff, red team, vet,
// assess), which the writers turn into text, JSON, JUnit XML or SARIF. A
// report fails (exit 1) when any check failed; a skipped check never fails
// it, and says why it was skipped.

export type FindingSeverity = 'error' | 'warning' | 'note';
export type CheckStatus = 'passed' | 'failed' | 'skipped';

export interface Finding {
  /** Stable rule identifier, e.g. `tool_removed`, `pii_in_output`. */
  ruleId: string;
  severity: FindingSeverity;
  message: string;
  /** Where: a tool, a schema path, a file. */
  location?: string;
  /** What was seen that proves the finding (a request, a response excerpt, a header), secrets masked. */
  evidence?: unknown;
}

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  /** One line: what was tried and seen, or why it was skipped. */
  summary: string;
  findings: Finding[];
  durationMs?: number;
}

export interface CiReport {
  /** `schema-diff`, `redteam`, `vet`, `assess`. */
  tool: string;
  /** What was examined, never with a credential. */
  subject: string;
  /** A file the findings are about, for SARIF's physical locations (e.g. the new snapshot). */
  artifactUri?: string;
  generatedAt: string;
  checks: CheckResult[];
  /** Tool-specific result: the diff, the verdict, the stage. */
  data?: unknown;
}

export function isReportFailing(report: CiReport): boolean {
  return report.checks.some((check) => check.status === 'failed');
}

/** 0 when the report passes, 1 when a check failed: what CI reads. (2 is left for a tool that could not run.) */
export function reportExitCode(report: CiReport): 0 | 1 {
  return isReportFailing(report) ? 1 : 0;
}

/** A check's status from its findings: any error fails it. */
export function checkFromFindings(id: string, title: string, summary: string, findings: Finding[], durationMs?: number): CheckResult {
  return { id, title, status: findings.some((finding) => finding.severity === 'error') ? 'failed' : 'passed', summary, findings, ...(durationMs !== undefined && { durationMs }) };
}

export function skippedCheck(id: string, title: string, reason: string): CheckResult {
  return { id, title, status: 'skipped', summary: reason, findings: [] };
}

export function countFindings(report: CiReport): Record<FindingSeverity, number> {
  const counts: Record<FindingSeverity, number> = { error: 0, warning: 0, note: 0 };
  for (const check of report.checks) for (const finding of check.findings) counts[finding.severity]++;
  return counts;
}
