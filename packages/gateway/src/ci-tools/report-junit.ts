// A report as JUnit XML, which CI systems (GitHub Actions test reporters,
// GitLab, Jenkins) show as a test suite: one test case per check, a failed
// check a <failure> listing its findings, a skipped one <skipped>.

import type { CiReport } from './ci-report.ts';

export function renderJunitReport(report: CiReport): string {
  const failures = report.checks.filter((check) => check.status === 'failed').length;
  const skipped = report.checks.filter((check) => check.status === 'skipped').length;
  const seconds = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(3);
  const total = report.checks.reduce((sum, check) => sum + (check.durationMs ?? 0), 0);
  const suiteName = `gatehouse ${report.tool}`;
  const cases = report.checks.map((check) => {
    const open = `    <testcase classname="${escapeXml(suiteName)}" name="${escapeXml(`${check.id}: ${check.title}`)}" time="${seconds(check.durationMs)}">`;
    const body: string[] = [];
    if (check.status === 'skipped') body.push(`      <skipped message="${escapeXml(check.summary)}"/>`);
    if (check.status === 'failed') {
      const details = check.findings.map((finding) => `${finding.severity}: ${finding.message}${finding.location === undefined ? '' : ` (${finding.location})`}`).join('\n');
      body.push(`      <failure message="${escapeXml(check.summary)}" type="${escapeXml(check.findings.find((finding) => finding.severity === 'error')?.ruleId ?? check.id)}">${escapeXml(details)}</failure>`);
    }
    const output = check.findings.filter((finding) => finding.severity !== 'error').map((finding) => `${finding.severity}: ${finding.message}`);
    if (output.length > 0) body.push(`      <system-out>${escapeXml(output.join('\n'))}</system-out>`);
    return body.length === 0 ? `${open}</testcase>` : [open, ...body, '    </testcase>'].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(suiteName)}" tests="${report.checks.length}" failures="${failures}" skipped="${skipped}" time="${seconds(total)}">`,
    `  <testsuite name="${escapeXml(`${suiteName} ${report.subject}`)}" tests="${report.checks.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds(total)}" timestamp="${escapeXml(report.generatedAt)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export function escapeXml(text: string): string {
  // Characters XML 1.0 §2.2 forbids even when escaped are dropped.
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}
