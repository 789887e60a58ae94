// A usage report as a person or a spreadsheet reads it: an aligned table
// with a total line, CSV (RFC 4180) or JSON. The JSON is also the admin
// API's body, so the CLI and `/admin/usage` say the same thing.

import type { UsageReport } from './usage-report.ts';
import type { UsageLine } from './aggregate.ts';

export const USAGE_FORMATS = ['table', 'csv', 'json'] as const;
export type UsageFormat = (typeof USAGE_FORMATS)[number];

export interface UsageJson {
  by: string;
  since: string;
  until: string;
  rows: { key: string; calls: number; failed: number; cost_usd: number; sessions?: number; cost_per_session_usd?: number | null }[];
  total: { calls: number; failed: number; cost_usd: number; priced_from_config: number };
}

export function usageJson(report: UsageReport): UsageJson {
  return {
    by: report.by,
    since: report.since.toISOString(),
    until: report.until.toISOString(),
    rows: report.lines.map((line) => ({
      key: line.key,
      calls: line.calls,
      failed: line.failed,
      cost_usd: line.costUsd,
      ...(line.sessions === undefined ? {} : { sessions: line.sessions, cost_per_session_usd: line.costPerSessionUsd ?? null }),
    })),
    total: { calls: report.totals.calls, failed: report.totals.failed, cost_usd: report.totals.costUsd, priced_from_config: report.totals.pricedFromConfig },
  };
}

const usd = (amount: number | null | undefined) => (amount === null || amount === undefined ? '-' : amount.toFixed(amount !== 0 && Math.abs(amount) < 0.01 ? 6 : 2));

function columns(report: UsageReport): [string, (line: UsageLine) => string][] {
  const base: [string, (line: UsageLine) => string][] = [
    [report.by.toUpperCase(), (line) => line.key],
    ['CALLS', (line) => String(line.calls)],
    ['FAILED', (line) => String(line.failed)],
    ['COST_USD', (line) => usd(line.costUsd)],
  ];
  if (report.perSession) base.push(['SESSIONS', (line) => String(line.sessions ?? 0)], ['COST_PER_SESSION_USD', (line) => usd(line.costPerSessionUsd)]);
  return base;
}

function formatUsageTable(report: UsageReport): string {
  const cols = columns(report);
  const total: UsageLine = { key: 'TOTAL', calls: report.totals.calls, failed: report.totals.failed, costUsd: report.totals.costUsd };
  const rows = [...report.lines.map((line) => cols.map(([, value]) => value(line))), cols.map(([, value], column) => (column < 4 ? value(total) : ''))];
  const header = cols.map(([name]) => name);
  const widths = header.map((name, column) => Math.max(name.length, ...rows.map((row) => row[column]!.length)));
  const render = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd();
  return [header, ...rows].map(render).join('\n');
}

/** RFC 4180: CRLF lines, fields with a comma, quote or line break quoted. */
function formatUsageCsv(report: UsageReport): string {
  const cols = columns(report);
  const field = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const raw = (line: UsageLine, name: string, value: (line: UsageLine) => string) =>
    name === 'COST_USD' ? String(line.costUsd) : name === 'COST_PER_SESSION_USD' ? (line.costPerSessionUsd === null || line.costPerSessionUsd === undefined ? '' : String(line.costPerSessionUsd)) : value(line);
  const lines = [cols.map(([name]) => name.toLowerCase()).join(',')];
  for (const line of report.lines) lines.push(cols.map(([name, value]) => field(raw(line, name, value))).join(','));
  return lines.join('\r\n');
}

export function formatUsage(report: UsageReport, format: UsageFormat): string {
  if (format === 'json') return JSON.stringify(usageJson(report), null, 2);
  if (format === 'csv') return formatUsageCsv(report);
  const range = `${report.since.toISOString()} .. ${report.until.toISOString()}`;
  const note = report.totals.pricedFromConfig > 0 ? `\n${report.totals.pricedFromConfig} call(s) carried no charge in their record and were priced from the config's tool_costs` : '';
  return `usage by ${report.by}, ${range}\n${formatUsageTable(report)}${note}`;
}
