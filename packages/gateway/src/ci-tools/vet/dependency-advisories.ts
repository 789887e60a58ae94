// Chapter 13's "Dependency vulnerabilities", from data gathered beforehand so
// vet stays offline: `npm audit --json` output (npm 7+), or a plain list of
// advisories `[{ "package", "severity", "title", "id"? }]` from any scanner.

import { readFile } from 'node:fs/promises';
import { CiToolError } from '../ci-tool-error.ts';
import { checkFromFindings, skippedCheck, type CheckResult, type Finding, type FindingSeverity } from '../ci-report.ts';

export interface Advisory {
  package: string;
  severity: 'critical' | 'high' | 'moderate' | 'low' | 'info';
  title: string;
  id?: string;
}

const SEVERITY: Record<Advisory['severity'], FindingSeverity> = { critical: 'error', high: 'error', moderate: 'warning', low: 'note', info: 'note' };

/** Pure: advisories from either accepted shape. */
export function parseAdvisories(document: unknown): Advisory[] {
  if (Array.isArray(document)) {
    return document.map((entry) => {
      const advisory = entry as Partial<Advisory>;
      return { package: String(advisory.package), severity: normalizeSeverity(advisory.severity), title: String(advisory.title ?? ''), ...(advisory.id !== undefined && { id: String(advisory.id) }) };
    });
  }
  const vulnerabilities = (document as { vulnerabilities?: Record<string, { severity?: string; via?: unknown[] }> } | null)?.vulnerabilities;
  if (vulnerabilities === undefined) throw new CiToolError('source_invalid', 'the advisories file is neither `npm audit --json` output nor a list of {package, severity, title}');
  return Object.entries(vulnerabilities).map(([name, entry]) => {
    // `via` holds the advisory objects for a direct hit, or package names for a transitive one.
    const direct = (entry.via ?? []).find((via): via is { title?: string; url?: string; source?: number } => typeof via === 'object' && via !== null);
    return {
      package: name,
      severity: normalizeSeverity(entry.severity),
      title: direct?.title ?? `through ${(entry.via ?? []).filter((via) => typeof via === 'string').join(', ')}`,
      ...(direct?.url !== undefined && { id: direct.url }),
    };
  });
}

export async function dependencyAdvisoriesCheck(advisoriesPath: string | undefined): Promise<CheckResult> {
  const id = 'dependency-advisories';
  const title = 'no known vulnerable dependency';
  if (advisoriesPath === undefined) return skippedCheck(id, title, 'give --advisories FILE (npm audit --json > audit.json in the package, or a scanner export)');
  let document: unknown;
  try {
    document = JSON.parse(await readFile(advisoriesPath, 'utf8'));
  } catch (error) {
    throw new CiToolError('source_invalid', `cannot read the advisories file ${advisoriesPath}: ${(error as Error).message}`, { cause: error });
  }
  const advisories = parseAdvisories(document);
  const findings: Finding[] = advisories.map((advisory) => ({
    ruleId: `advisory_${advisory.severity}`,
    severity: SEVERITY[advisory.severity],
    message: `${advisory.package}: ${advisory.severity} advisory${advisory.title === '' ? '' : `, ${advisory.title}`}`,
    location: advisory.package,
    evidence: advisory,
  }));
  const counts = advisories.reduce<Record<string, number>>((tally, advisory) => ({ ...tally, [advisory.severity]: (tally[advisory.severity] ?? 0) + 1 }), {});
  return checkFromFindings(id, title, advisories.length === 0 ? 'no advisory' : Object.entries(counts).map(([severity, count]) => `${count} ${severity}`).join(', '), findings);
}

function normalizeSeverity(value: unknown): Advisory['severity'] {
  const text = String(value ?? 'info').toLowerCase();
  return (['critical', 'high', 'moderate', 'low', 'info'] as const).find((severity) => severity === text) ?? (text === 'medium' ? 'moderate' : 'info');
}
