// A report as SARIF 2.1.0 (OASIS), the format GitHub code scanning and other
// security dashboards read: one run, a rule per finding kind, a result per
// finding. Findings about a live server have a logical location (the tool
// or check); when the report names a file, results point at it too, since
// code scanning only shows results with a physical location.

import { GATEWAY_VERSION } from '../version.ts';
import type { CiReport, FindingSeverity } from './ci-report.ts';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const LEVEL: Record<FindingSeverity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', note: 'note' };

export function renderSarifReport(report: CiReport): string {
  const findings = report.checks.flatMap((check) => check.findings.map((finding) => ({ check, finding })));
  const ruleIds = [...new Set(findings.map(({ finding }) => finding.ruleId))].sort();
  const results = findings.map(({ check, finding }) => ({
    ruleId: finding.ruleId,
    ruleIndex: ruleIds.indexOf(finding.ruleId),
    level: LEVEL[finding.severity],
    message: { text: finding.message },
    locations: [
      {
        ...(report.artifactUri !== undefined && { physicalLocation: { artifactLocation: { uri: report.artifactUri }, region: { startLine: 1 } } }),
        logicalLocations: [{ fullyQualifiedName: finding.location ?? check.id, kind: 'module' }],
      },
    ],
    properties: { check: check.id, ...(finding.evidence !== undefined && { evidence: finding.evidence }) },
  }));
  const sarif = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: `gatehouse ${report.tool}`,
            version: GATEWAY_VERSION,
            informationUri: 'https://github.com/gatehouse/gatehouse/blob/main/docs/ci-tools.md',
            rules: ruleIds.map((id) => ({ id, shortDescription: { text: id.replaceAll('_', ' ') } })),
          },
        },
        automationDetails: { id: `gatehouse/${report.tool}/` },
        invocations: [{ executionSuccessful: true, endTimeUtc: report.generatedAt }],
        properties: { subject: report.subject, checks: report.checks.map(({ id, status, summary }) => ({ id, status, summary })) },
        results,
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
