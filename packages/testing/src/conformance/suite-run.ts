// Runs the official suite's CLI (`conformance server --url ...`) as a child
// process, bounded in time, and reads its summary: one line per scenario
// (`✓ name: N passed, M failed`) and, for a requirement set, the scenarios
// it ran but does not score (pending ones, extensions).

import { spawn } from 'node:child_process';

export interface ScenarioOutcome {
  scenario: string;
  isPassed: boolean;
  /** Checks passed and failed within the scenario. */
  checks: { passed: number; failed: number };
  /** Why the suite did not score it (`pending`, `extension`, ...), when it did not. */
  unscored?: string;
}

export interface SuiteRunResult {
  outcomes: ScenarioOutcome[];
  /** True when the run hit its time bound and was killed; the outcomes are then partial. */
  isTimedOut: boolean;
  exitCode: number;
  output: string;
  durationMs: number;
}

export interface SuiteRunOptions {
  cli: string;
  url: string;
  /** `--scenario X`, `--suite all`, `--requirements 2026-07-28`, ... */
  selection: string[];
  /** The whole run's bound; the suite's own per-scenario timeout is set well below it. */
  timeoutMs: number;
  /** Whether this CLI takes `--timeout` (0.2 does, 0.1.16 does not). */
  hasScenarioTimeout: boolean;
}

const scenarioLine = /^([✓✗]) ([\w./-]+): (\d+) passed, (\d+) failed/;
const unscoredLine = /^\s+([✓✗]) ([\w./-]+) \(([\w-]+)\)\s*$/;

const singleScenarioTotals = /^Passed: (\d+)\/(\d+), (\d+) failed/m;

/**
 * The outcomes of a run. A `--scenario X` run prints no per-scenario line,
 * only "Passed: p/t, f failed"; pass `scenario` to read that as X's outcome.
 */
export function parseSuiteSummary(output: string, scenario?: string): ScenarioOutcome[] {
  // Colour codes would split the markers from the names.
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  const outcomes = parseSummaryLines(plain);
  const totals = singleScenarioTotals.exec(plain);
  if (scenario === undefined || outcomes.length > 0 || totals === null) return outcomes;
  const [, passed, , failed] = totals as unknown as [string, string, string, string];
  return [{ scenario, isPassed: Number(failed) === 0, checks: { passed: Number(passed), failed: Number(failed) } }];
}

function parseSummaryLines(plain: string): ScenarioOutcome[] {
  const outcomes = new Map<string, ScenarioOutcome>();
  const unscored = new Map<string, string>();
  for (const line of plain.split('\n')) {
    const scenario = scenarioLine.exec(line);
    if (scenario !== null) {
      const [, mark, name, passed, failed] = scenario as unknown as [string, string, string, string, string];
      outcomes.set(name, { scenario: name, isPassed: mark === '✓', checks: { passed: Number(passed), failed: Number(failed) } });
      continue;
    }
    const skipped = unscoredLine.exec(line);
    if (skipped !== null) unscored.set(skipped[2] as string, skipped[3] as string);
  }
  for (const [name, reason] of unscored) {
    const outcome = outcomes.get(name);
    if (outcome !== undefined) outcome.unscored = reason;
  }
  return [...outcomes.values()];
}

export function runSuite(options: SuiteRunOptions): Promise<SuiteRunResult> {
  const startedAt = performance.now();
  // The suite's per-scenario timeout stays inside the run's bound.
  const scenarioTimeoutMs = Math.min(30_000, Math.max(5_000, Math.floor(options.timeoutMs / 4)));
  return new Promise((resolve, reject) => {
    const timeout = options.hasScenarioTimeout ? ['--timeout', String(scenarioTimeoutMs)] : [];
    const child = spawn(process.execPath, [options.cli, 'server', '--url', options.url, ...options.selection, ...timeout], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let isTimedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const timer = setTimeout(() => {
      isTimedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const single = options.selection[0] === '--scenario' ? options.selection[1] : undefined;
      resolve({ outcomes: parseSuiteSummary(output, single), isTimedOut, exitCode: code ?? 1, output, durationMs: performance.now() - startedAt });
    });
  });
}
