// `gatehouse registry snapshots NAME` and `gatehouse registry diff-snapshot
// NAME [--from REF] [--to REF]`: the schema snapshots the registry stored for
// a backend (each approved version, each change seen after it), through the
// admin API, and the diff of two of them as `gatehouse schema diff` reports
// it (same formats, exit 1 on a breaking change without a major version step).

import type { Command } from 'commander';
import { reportExitCode } from '../../ci-tools/ci-report.ts';
import { deliverReport, parseReportFormat, type ReportFormat } from '../../ci-tools/report-output.ts';
import { diffSnapshots } from '../../schema-diff/schema-diff.ts';
import { schemaDiffReport } from '../../ci-tools/schema-diff-report.ts';
import type { SchemaSnapshot } from '../../schema-diff/schema-snapshot.ts';
import type { CommandIo } from './command-io.ts';
import { call, guarded, table, type ConnectionOptions } from './registry-lifecycle.ts';

export function registerRegistrySnapshotCommands(registry: Command, io: CommandIo): void {
  const connection = (command: Command) => command
    .option('--admin <url>', 'the admin listener of the gateway', 'http://127.0.0.1:8081')
    .option('--token <token>', 'a bearer token with the admin scope (default: GATEHOUSE_ADMIN_TOKEN)');

  connection(registry.command('snapshots'))
    .description('list the schema snapshots the registry stored for a backend: each approved version and each change seen after it, with the verdict')
    .argument('<name>', 'the backend\'s name')
    .option('--json', 'print the admin API\'s JSON answer')
    .action((name: string, options: ConnectionOptions) => guarded(io, async () => {
      const answer = await call(io, options, 'GET', `/admin/registry/${encodeURIComponent(name)}/snapshots`);
      if (options.json === true) return io.out(JSON.stringify(answer.body, null, 2));
      const records = answer.body.snapshots as Array<Record<string, any>>;
      if (records.length === 0) return io.out(`no schema snapshot of ${name} yet (one is stored when the gateway first lists it after approval)`);
      io.out(table([['SEQ', 'KIND', 'VERSION', 'ROUND', 'STATE', 'TOOLS', 'VERDICT', 'TAKEN'], ...records.map((record) => [
        String(record.sequence), record.kind, record.serverVersion, String(record.reviewRound), record.state, String(record.tools),
        record.verdict === undefined ? '-' : `${record.verdict.kind} (${record.verdict.breaking} breaking vs ${record.verdict.baseSequence})`, record.takenAt,
      ])]));
    }));

  connection(registry.command('diff-snapshot'))
    .description('diff two stored schema snapshots of a backend as gatehouse schema diff does; exit 1 on a breaking change without a major version bump')
    .argument('<name>', 'the backend\'s name')
    .option('--from <ref>', 'the older snapshot: a sequence, a serverInfo.version, approved or latest', 'approved')
    .option('--to <ref>', 'the newer snapshot: a sequence, a serverInfo.version, approved or latest', 'latest')
    .option('--format <format>', 'text, json, junit or sarif', parseReportFormat, 'text' as ReportFormat)
    .option('--output <file>', 'write the report here instead of stdout')
    .action((name: string, options: ConnectionOptions & { from: string; to: string; format: ReportFormat; output?: string }) => guarded(io, async () => {
      const read = async (reference: string) => {
        const answer = await call(io, options, 'GET', `/admin/registry/${encodeURIComponent(name)}/snapshots/${encodeURIComponent(reference)}`);
        return answer.body.snapshot as { sequence: number; snapshot: SchemaSnapshot };
      };
      const [before, after] = [await read(options.from), await read(options.to)];
      const report = schemaDiffReport(diffSnapshots(before.snapshot, after.snapshot), `${name} snapshot ${before.sequence} -> ${after.sequence}`);
      const rendered = await deliverReport(report, options.format, options.output);
      if (rendered !== undefined) io.out(rendered.trimEnd());
      if (reportExitCode(report) !== 0) io.fail(reportExitCode(report));
    }, 2));
}
