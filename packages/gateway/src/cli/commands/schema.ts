// `gatehouse schema snapshot TARGET` and `gatehouse schema diff OLD NEW`: the
// schema regression check (docs/ci-tools.md) for any MCP server
// (ci-tools/schema-*.ts). The diff exits 1 on a breaking change without a
// major step of serverInfo.version, 2 when it cannot run.

import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { canonicalJson } from '../../schema-diff/canonical-json.ts';
import { addTargetOptions, runCiCommand, targetFrom, type TargetOptions } from './ci-command-shell.ts';
import { reportExitCode } from '../../ci-tools/ci-report.ts';
import { deliverReport, parseReportFormat, type ReportFormat } from '../../ci-tools/report-output.ts';
import { diffSnapshots } from '../../schema-diff/schema-diff.ts';
import { schemaDiffReport } from '../../ci-tools/schema-diff-report.ts';
import { loadSnapshot, snapshotOf } from '../../ci-tools/schema-source.ts';
import { isLiveTarget } from '../../ci-tools/server-target.ts';
import { processIo, type CommandIo } from './command-io.ts';

export function registerSchemaCommand(program: Command, io: CommandIo = processIo): Command {
  const schema = program.command('schema').description("snapshot an MCP server's tools, resources and prompts, and diff snapshots for breaking changes");

  addTargetOptions(
    schema
      .command('snapshot')
      .description('write the canonical snapshot of a server (URL or stdio:COMMAND) as JSON')
      .argument('<target>', 'http(s):// MCP endpoint, or stdio:COMMAND ARGS')
      .option('--out <file>', 'write the snapshot here instead of stdout'),
  ).action(async (target: string, options: TargetOptions & { out?: string }) =>
    runCiCommand(io, async () => {
      const snapshot = await snapshotOf(targetFrom(target, options, io.env), options.client);
      const text = canonicalJson(snapshot);
      if (options.out === undefined) io.out(text.trimEnd());
      else {
        await writeFile(options.out, text);
        io.err(`wrote ${options.out}: ${snapshot.tools.length} tool(s), ${snapshot.resources.length} resource(s), ${snapshot.resourceTemplates.length} template(s), ${snapshot.prompts.length} prompt(s) of ${snapshot.serverInfo.name} ${snapshot.serverInfo.version}`);
      }
    }),
  );

  addTargetOptions(
    schema
      .command('diff')
      .description('classify the changes from OLD to NEW (snapshot files or live targets); exit 1 on a breaking change without a major version bump')
      .argument('<old>', 'snapshot file, http(s):// endpoint or stdio:COMMAND')
      .argument('<new>', 'snapshot file, http(s):// endpoint or stdio:COMMAND')
      .option('--format <format>', 'text, json, junit or sarif', parseReportFormat, 'text' as ReportFormat)
      .option('--output <file>', 'write the report here instead of stdout'),
  ).action(async (oldSource: string, newSource: string, options: TargetOptions & { format: ReportFormat; output?: string }) =>
    runCiCommand(io, async () => {
      const toTarget = (text: string) => targetFrom(text, options, io.env);
      const before = await loadSnapshot(oldSource, toTarget, options.client);
      const after = await loadSnapshot(newSource, toTarget, options.client);
      const report = schemaDiffReport(diffSnapshots(before, after), `${oldSource} -> ${newSource}`, isLiveTarget(newSource) ? undefined : newSource);
      const rendered = await deliverReport(report, options.format, options.output);
      if (rendered !== undefined) io.out(rendered.trimEnd());
      if (reportExitCode(report) !== 0) io.fail(reportExitCode(report));
    }),
  );
  return schema;
}
