// `gatehouse redteam TARGET`: the red-team checks of ci-tools/redteam against
// any MCP server or gateway, as one or more identities (`--token NAME=TOKEN`).
// Exit 1 when a check fails (an error finding), 2 when the run cannot start.

import { InvalidArgumentError, type Command } from 'commander';
import { collect, parseClientGeneration, runCiCommand, targetFrom, type TargetOptions } from './ci-command-shell.ts';
import { reportExitCode } from '../../ci-tools/ci-report.ts';
import { ANONYMOUS, parseIdentity, type Identity } from '../../ci-tools/redteam/identities.ts';
import { REDTEAM_CHECKS, runRedteam } from '../../ci-tools/redteam/run-redteam.ts';
import { readSnapshotFile } from '../../ci-tools/schema-source.ts';
import { deliverReport, parseReportFormat, type ReportFormat } from '../../ci-tools/report-output.ts';
import { processIo, type CommandIo } from './command-io.ts';

interface RedteamFlags extends Omit<TargetOptions, 'token'> {
  token: string[];
  format: ReportFormat;
  output?: string;
  burst: number;
  costTool?: string;
  costCalls: number;
  adminUrl?: string;
  adminIdentity?: string;
  only?: string[];
  baseline?: string;
}

export function registerRedteamCommand(program: Command, io: CommandIo = processIo): Command {
  return program
    .command('redteam')
    .description('run the red-team checks (chapter 14 and more) against an MCP server or gateway; exit 1 on a failing check')
    .argument('<target>', 'http(s):// MCP endpoint, or stdio:COMMAND ARGS')
    .option('--token <name=token>', 'an identity to act as, repeatable: give a broad and a narrow one', (value: string, previous: string[]) => [...previous, value], [])
    .option('--header <name:value>', 'extra HTTP header, repeatable', collect, [])
    .option('--client <generation>', 'auto, v1 or v2-legacy', parseClientGeneration, 'auto')
    .option('--format <format>', 'text, json, junit or sarif', parseReportFormat, 'text' as ReportFormat)
    .option('--output <file>', 'write the report here instead of stdout')
    .option('--burst <calls>', 'calls the rate-limit check makes before it concludes there is no limit', positiveInteger, 100)
    .option('--cost-tool <name>', 'an expensive tool for the cost-ceiling check')
    .option('--cost-calls <calls>', 'calls the cost-ceiling check makes at most', positiveInteger, 50)
    .option('--admin-url <url>', "a Gatehouse admin listener, to check the run's calls were audited")
    .option('--admin-identity <name>', 'the --token identity that may read and verify the audit')
    .option('--baseline <snapshot>', 'the approved schema snapshot: the live tool definitions must match it (rug-pull check)')
    .option('--only <checks>', `comma-separated checks to run (${REDTEAM_CHECKS.map((check) => check.id).join(', ')})`, (value: string) => value.split(','))
    .action(async (targetText: string, flags: RedteamFlags) =>
      runCiCommand(io, async () => {
        const identities: Identity[] = flags.token.length === 0 ? [ANONYMOUS] : flags.token.map(parseIdentity);
        const target = targetFrom(targetText, { header: flags.header, client: flags.client }, {});
        const report = await runRedteam(
          {
            target,
            identities,
            generation: flags.client,
            burst: flags.burst,
            costCalls: flags.costCalls,
            callTimeoutMs: 15_000,
            ...(flags.costTool !== undefined && { costTool: flags.costTool }),
            ...(flags.adminUrl !== undefined && { adminUrl: flags.adminUrl }),
            ...(flags.adminIdentity !== undefined && { adminIdentity: flags.adminIdentity }),
            ...(flags.baseline !== undefined && { baseline: await readSnapshotFile(flags.baseline) }),
          },
          flags.only,
        );
        const rendered = await deliverReport(report, flags.format, flags.output);
        if (rendered !== undefined) io.out(rendered.trimEnd());
        if (reportExitCode(report) !== 0) io.fail(reportExitCode(report));
      }),
    );
}

function positiveInteger(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`);
  return Number(value);
}
