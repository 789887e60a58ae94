// `gatehouse usage`: calls and cost per team, agent, user, backend, tool or
// tenant over a period, read from the audit store the gateway writes with
// the same --config (usage/usage-report.ts). Progress goes to stderr, one
// day at a time, so stdout stays the report a script or spreadsheet reads.

import { Command, InvalidArgumentError, Option } from 'commander';
import { isConfigError } from '../../config/errors.ts';
import { DEFAULT_CONFIG_PATH } from '../../config/default-config.ts';
import { loadConfig } from '../../config/load.ts';
import { AuditError, isAuditError } from '../../audit/errors.ts';
import { openAuditStore } from '../../audit/open-store.ts';
import { resolveAuditSettings } from '../../audit/settings.ts';
import type { AuditStore } from '../../audit/sink.ts';
import { USAGE_DIMENSIONS, type UsageDimension } from '../../usage/aggregate.ts';
import { isUsageError } from '../../usage/usage-error.ts';
import { formatUsage, USAGE_FORMATS, type UsageFormat } from '../../usage/usage-format.ts';
import { parseUsagePeriod, PERIOD_FORMS } from '../../usage/usage-period.ts';
import { buildUsageReport, type UsageProgress } from '../../usage/usage-report.ts';
import { processIo, type CommandIo } from './command-io.ts';
import { processTerminal, type ProgressTerminal } from './audit-progress.ts';

export interface UsageCommandContext {
  io?: CommandIo;
  terminal?: ProgressTerminal;
  now?: () => Date;
}

interface UsageOptions {
  config?: string;
  by: UsageDimension;
  period: string;
  per?: 'session';
  tenant?: string;
  format: UsageFormat;
}

export function registerUsageCommand(program: Command, context: UsageCommandContext = {}): Command {
  const io = context.io ?? processIo;
  const terminal = context.terminal ?? processTerminal;
  const now = context.now ?? (() => new Date());
  return program
    .command('usage')
    .description('calls and cost per team, agent, user, backend, tool or tenant, from the audit store (cost per user session: --by user --per session)')
    .addOption(new Option('--by <dimension>', 'what to group by').choices(USAGE_DIMENSIONS).default('team'))
    .option('--period <period>', `which time (UTC): ${PERIOD_FORMS}`, 'this-month')
    .addOption(new Option('--per <unit>', 'add sessions and cost per session to each line').choices(['session']))
    .addOption(new Option('--format <format>', 'output format').choices(USAGE_FORMATS).default('table'))
    .option('--tenant <tenant>', 'only the calls of this tenant (docs/tenants.md)')
    .option('-c, --config <file>', 'the gatehouse.yaml the gateway runs with: its audit store, teams and tool costs (default: the embedded default)', (value: string) => {
      if (value.trim() === '') throw new InvalidArgumentError('expected a file path');
      return value;
    })
    .action(async (options: UsageOptions) => {
      let store: AuditStore | undefined;
      try {
        const range = parseUsagePeriod(options.period, now());
        const path = options.config ?? DEFAULT_CONFIG_PATH;
        const { config } = await loadConfig(path, io.env);
        const settings = resolveAuditSettings(config, path);
        if (!settings.isEnabled) throw new AuditError('audit_store_invalid', `${path} turns audit off (audit.enabled: false); usage is read from the audit store, so there is none to read`);
        store = await openAuditStore(settings, { isReadOnly: true });
        const report = await buildUsageReport(store, config, { by: options.by, range, perSession: options.per === 'session', tenant: options.tenant }, progressOn(terminal));
        io.out(formatUsage(report, options.format));
      } catch (error) {
        if (!isAuditError(error) && !isConfigError(error) && !isUsageError(error)) throw error;
        for (const line of error.message.split('\n')) io.err(line);
        io.fail(1);
      } finally {
        await store?.close();
      }
    });
}

/** A redrawn line on a terminal; otherwise a line every 10% of the days or 5 s, and nothing for a report of one or two days. */
function progressOn(terminal: ProgressTerminal, clock: () => number = Date.now): UsageProgress {
  let lastStep = -1;
  let lastLine = clock();
  let isDrawn = false;
  return (done, total, calls) => {
    if (total <= 2) return;
    const text = `usage: ${done}/${total} days read, ${calls.toLocaleString('en-US')} calls`;
    if (terminal.isTty) {
      terminal.write(`\r${text} `);
      isDrawn = true;
      if (done === total && isDrawn) terminal.write('\n');
      return;
    }
    const step = Math.floor((done / total) * 10);
    if (step === lastStep && clock() - lastLine < 5_000 && done < total) return;
    lastStep = step;
    lastLine = clock();
    terminal.write(`${text}\n`);
  };
}
