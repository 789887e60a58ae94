// Picks the writer for `--format` and sends the report to `--output` or
// stdout; the exit code follows the report (ci-report.ts).

import { writeFile } from 'node:fs/promises';
import { CiToolError } from './ci-tool-error.ts';
import type { CiReport } from './ci-report.ts';
import { renderJunitReport } from './report-junit.ts';
import { renderSarifReport } from './report-sarif.ts';
import { renderTextReport } from './report-text.ts';

export const REPORT_FORMATS = ['text', 'json', 'junit', 'sarif'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function parseReportFormat(value: string): ReportFormat {
  if ((REPORT_FORMATS as readonly string[]).includes(value)) return value as ReportFormat;
  throw new CiToolError('format_invalid', `unknown report format "${value}"; use one of ${REPORT_FORMATS.join(', ')}`);
}

export function renderReport(report: CiReport, format: ReportFormat): string {
  switch (format) {
    case 'text':
      return renderTextReport(report);
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'junit':
      return renderJunitReport(report);
    case 'sarif':
      return renderSarifReport(report);
  }
}

/** Writes the rendered report to `outputPath`, or returns it for stdout when there is none. */
export async function deliverReport(report: CiReport, format: ReportFormat, outputPath: string | undefined): Promise<string | undefined> {
  const rendered = renderReport(report, format);
  if (outputPath === undefined) return rendered;
  await writeFile(outputPath, rendered);
  return undefined;
}
