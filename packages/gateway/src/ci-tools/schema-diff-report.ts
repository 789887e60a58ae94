// A schema diff as a CI report: one check that fails on a breaking change
// shipped without a major version step. Breaking changes are errors then,
// warnings when the version step announces them; the rest are notes.

import { checkFromFindings, type CiReport, type Finding } from './ci-report.ts';
import type { SchemaDiff } from '../schema-diff/schema-diff.ts';

export function schemaDiffReport(diff: SchemaDiff, subject: string, artifactUri?: string): CiReport {
  const findings: Finding[] = diff.changes.map((entry) => ({
    ruleId: entry.code,
    severity: entry.severity === 'breaking' ? (diff.version.isMajorBump ? 'warning' : 'error') : 'note',
    message: `${entry.severity}: ${entry.message}`,
    location: entry.path,
  }));
  const additive = diff.changes.filter((entry) => entry.severity === 'additive').length;
  const summary =
    diff.breaking === 0
      ? `no breaking change (${additive} additive, ${diff.changes.length - additive} other)`
      : diff.passes
        ? `${diff.breaking} breaking change(s), announced by ${diff.version.reason}`
        : `${diff.breaking} breaking change(s) without a major version step (${diff.version.reason}); bump serverInfo.version's major or undo them`;
  return {
    tool: 'schema-diff',
    subject,
    ...(artifactUri !== undefined && { artifactUri }),
    generatedAt: new Date().toISOString(),
    checks: [checkFromFindings('schema-compatibility', 'tool, resource and prompt schemas stay compatible', summary, findings)],
    data: diff,
  };
}
