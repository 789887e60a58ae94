// `gatehouse vet SOURCE`: the vetting checklist (docs/ci-tools.md) for a community MCP
// server (ci-tools/vet), offline: SOURCE is a running server, a local clone,
// a package directory or tarball, or an installed npm package's name. Exit 1
// when the verdict is reject; `--format json` is the record a registry
// review attaches.

import type { Command } from 'commander';
import { collect, runCiCommand } from './ci-command-shell.ts';
import { reportExitCode } from '../../ci-tools/ci-report.ts';
import { deliverReport, parseReportFormat, type ReportFormat } from '../../ci-tools/report-output.ts';
import { runVet } from '../../ci-tools/vet/run-vet.ts';
import { processIo, type CommandIo } from './command-io.ts';

interface VetFlags {
  server?: string;
  advisories?: string;
  token?: string;
  header: string[];
  format: ReportFormat;
  output?: string;
}

export function registerVetCommand(program: Command, io: CommandIo = processIo): Command {
  return program
    .command('vet')
    .description('vet a community MCP server (chapter 13 checklist) and give a verdict with reasons; exit 1 on reject')
    .argument('<source>', 'http(s):// endpoint, stdio:COMMAND, a local clone or package directory, a .tgz, or an installed npm package name')
    .option('--server <target>', 'a running instance of SOURCE (URL or stdio:COMMAND) for the live checks')
    .option('--advisories <file>', 'npm audit --json output, or a list of {package, severity, title}')
    .option('--token <token>', 'bearer token for an HTTP server (or set GATEHOUSE_TOKEN)')
    .option('--header <name:value>', 'extra HTTP header, repeatable', collect, [])
    .option('--format <format>', 'text, json, junit or sarif', parseReportFormat, 'text' as ReportFormat)
    .option('--output <file>', 'write the report here instead of stdout')
    .action(async (source: string, flags: VetFlags) =>
      runCiCommand(io, async () => {
        const headers = Object.fromEntries(flags.header.map((header) => [header.slice(0, header.indexOf(':')).trim().toLowerCase(), header.slice(header.indexOf(':') + 1).trim()]));
        const token = flags.token ?? io.env.GATEHOUSE_TOKEN;
        const report = await runVet({
          source,
          ...(flags.server !== undefined && { server: flags.server }),
          ...(flags.advisories !== undefined && { advisories: flags.advisories }),
          targetOptions: { headers, ...(token !== undefined && token !== '' && { token }) },
        });
        const rendered = await deliverReport(report, flags.format, flags.output);
        if (rendered !== undefined) io.out(rendered.trimEnd());
        if (reportExitCode(report) !== 0) io.fail(reportExitCode(report));
      }),
    );
}
