// `gatehouse assess`: the maturity self-assessment (ci-tools/assess, docs/ci-tools.md).
// The gateway's config (and its registry) answer what they can; `--answers`
// and, with `--interactive`, the terminal answer the rest. Prints the stage
// and the next stage's investments; exit 1 only below `--min-stage`.

import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { InvalidArgumentError, type Command } from 'commander';
import { readAnswersFile } from '../../ci-tools/assess/answers-file.ts';
import { readPlatformFacts } from '../../ci-tools/assess/live-facts.ts';
import { assessmentHeadline, runAssess, type AssessmentRecord } from '../../ci-tools/assess/run-assess.ts';
import { runCiCommand } from './ci-command-shell.ts';
import { reportExitCode } from '../../ci-tools/ci-report.ts';
import { deliverReport, parseReportFormat, type ReportFormat } from '../../ci-tools/report-output.ts';
import { isConfigError } from '../../config/errors.ts';
import { loadConfig } from '../../config/load.ts';
import { processIo, type CommandIo } from './command-io.ts';

interface AssessFlags {
  config?: string;
  answers?: string;
  interactive?: boolean;
  minStage?: number;
  format: ReportFormat;
  output?: string;
}

export function registerAssessCommand(program: Command, io: CommandIo = processIo, input: NodeJS.ReadableStream = process.stdin): Command {
  return program
    .command('assess')
    .description('the chapter 3 MCP maturity self-assessment: the stage you are at and what the next one takes')
    .option('--config <file>', 'the gateway config whose platform facts answer what they can (default: gatehouse.yaml when present)')
    .option('--answers <file>', 'YAML or JSON of question_id: yes|no for the rest')
    .option('--interactive', 'ask at the terminal for what is still unanswered')
    .option('--min-stage <stage>', 'exit 1 when the organisation is below this stage', stageNumber)
    .option('--format <format>', 'text, json, junit or sarif', parseReportFormat, 'text' as ReportFormat)
    .option('--output <file>', 'write the report here instead of stdout')
    .action(async (flags: AssessFlags) =>
      runCiCommand(io, async () => {
        const configPath = flags.config ?? (existsSync('gatehouse.yaml') ? 'gatehouse.yaml' : undefined);
        let facts;
        if (configPath !== undefined) {
          try {
            facts = await readPlatformFacts((await loadConfig(configPath, io.env)).config, configPath);
          } catch (error) {
            if (!isConfigError(error)) throw error;
            for (const line of error.message.split('\n')) io.err(line);
            io.fail(2);
            return;
          }
        }
        const prompt = flags.interactive === true ? createInterface({ input, terminal: false }) : undefined;
        // The iterator buffers lines, so answers piped in before their question is asked are not lost.
        const lines = prompt?.[Symbol.asyncIterator]();
        const ask = async (question: string): Promise<string> => {
          io.err(question);
          const next = await lines!.next();
          return next.done === true ? '' : String(next.value);
        };
        try {
          const report = await runAssess({
            subject: configPath ?? 'answers only',
            ...(facts !== undefined && { facts }),
            ...(flags.answers !== undefined && { fileAnswers: await readAnswersFile(flags.answers) }),
            ...(prompt !== undefined && { ask }),
            ...(flags.minStage !== undefined && { minStage: flags.minStage }),
          });
          if (flags.format === 'text' && flags.output === undefined) for (const line of assessmentHeadline(report.data as AssessmentRecord)) io.out(line);
          const rendered = await deliverReport(report, flags.format, flags.output);
          if (rendered !== undefined) io.out(rendered.trimEnd());
          if (reportExitCode(report) !== 0) io.fail(reportExitCode(report));
        } finally {
          prompt?.close();
        }
      }),
    );
}

function stageNumber(value: string): number {
  if (!/^[1-5]$/.test(value)) throw new InvalidArgumentError(`expected a stage 1-5, got "${value}"`);
  return Number(value);
}
