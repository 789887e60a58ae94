// docs/ci-tools.md and its GitHub Actions example stay true: every ```sh
// example in the doc runs (from a scratch directory holding the repository's
// packages/, node_modules/ and docs/) with the exit code its "# exits N"
// comment states, and every `gatehouse` command the workflow runs exists
// with flags that parse.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { parse } from 'yaml';
import { runCliProcess } from '@gatehouse/testing/ci-fixtures/command-runner';
import { shellCommands, splitWords } from '@gatehouse/testing/ci-fixtures/shell-words';
import { registerAssessCommand } from '../../src/cli/commands/assess.ts';
import { registerRedteamCommand } from '../../src/cli/commands/redteam.ts';
import { registerSchemaCommand } from '../../src/cli/commands/schema.ts';
import { registerVetCommand } from '../../src/cli/commands/vet.ts';
import type { CommandIo } from '../../src/cli/commands/command-io.ts';

const root = join(import.meta.dirname, '..', '..', '..', '..');
const docPath = join(root, 'docs', 'ci-tools.md');
const workflowPath = join(root, 'docs', 'examples', 'ci-tools-workflow.yml');

/** The fenced blocks of a markdown text in the given language. */
function fencedBlocks(markdown: string, language: string): string[] {
  return [...markdown.matchAll(new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((match) => match[1]!);
}

/** Commander with the four CI commands whose actions do nothing: parsing alone decides. */
function parsingProgram(): Command {
  const quiet: CommandIo = { out: () => {}, err: () => {}, fail: () => {}, env: {} };
  const program = new Command('gatehouse').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  for (const register of [registerSchemaCommand, registerRedteamCommand, registerVetCommand, registerAssessCommand]) register(program, quiet);
  const silence = (command: Command): void => {
    if (command.commands.length === 0) command.action(() => {});
    for (const child of command.commands) silence(child);
  };
  for (const command of program.commands) silence(command);
  return program;
}

/** The words after `gatehouse` (or `npx gatehouse`) in a command, or undefined when it runs something else. */
function gatehouseArguments(words: readonly string[]): string[] | undefined {
  const at = words.indexOf('gatehouse');
  if (at === -1 || (at > 0 && words[at - 1] !== 'npx')) return undefined;
  return words.slice(at + 1);
}

describe('docs/ci-tools.md examples', () => {
  let scratch: string;
  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'gatehouse-ci-docs-'));
    for (const name of ['packages', 'node_modules', 'docs']) await symlink(join(root, name), join(scratch, name));
  });
  after(() => rm(scratch, { recursive: true, force: true }));

  // One test per command, in the doc's order (later ones read what earlier ones wrote).
  const markdown = readFileSync(docPath, 'utf8');
  const commands = fencedBlocks(markdown, 'sh').flatMap(shellCommands);
  it('has the runnable examples, each a gatehouse command', () => {
    assert.ok(commands.length >= 8, `expected the doc's runnable examples, found ${commands.length}`);
    for (const { words } of commands) assert.ok(gatehouseArguments(words) !== undefined, `a sh example that is not a gatehouse command: ${words.join(' ')}`);
  });
  for (const { words, comment } of commands) {
    const args = gatehouseArguments(words) ?? [];
    const expected = Number(/exits (\d)/.exec(comment ?? '')?.[1] ?? 0);
    it(`gatehouse ${args.slice(0, 2).join(' ')} … exits ${expected}`, async () => {
      const result = await runCliProcess(args, { cwd: scratch });
      assert.equal(result.exitCode, expected, `gatehouse ${args.join(' ')}\nstdout: ${result.out}\nstderr: ${result.err}`);
    });
  }

  it('wrote what the doc says the examples write', async () => {
    const junit = await readFile(join(scratch, 'schema.xml'), 'utf8');
    assert.match(junit, /<failure message="4 breaking change\(s\) without a major version step/);
    assert.equal(JSON.parse(await readFile(join(scratch, 'redteam.sarif'), 'utf8')).version, '2.1.0');
    const vet = JSON.parse(await readFile(join(scratch, 'vet.json'), 'utf8'));
    assert.equal(vet.data.package.name, '@modelcontextprotocol/server-everything');
  });

  it('parses every bash example that runs gatehouse', async () => {
    const program = parsingProgram();
    const commands = fencedBlocks(await readFile(docPath, 'utf8'), 'bash').flatMap(shellCommands).map(({ words }) => gatehouseArguments(words)).filter((args) => args !== undefined);
    assert.ok(commands.length >= 3);
    for (const args of commands) await program.parseAsync(args, { from: 'user' });
  });
});

describe('docs/examples/ci-tools-workflow.yml', () => {
  it('is a workflow whose every job has a runner and steps', async () => {
    const workflow = parse(await readFile(workflowPath, 'utf8')) as { on: object; jobs: Record<string, { 'runs-on': string; steps: unknown[] }> };
    assert.ok(workflow.on !== undefined);
    assert.deepEqual(Object.keys(workflow.jobs), ['schema', 'redteam', 'vet', 'assess']);
    for (const [name, job] of Object.entries(workflow.jobs)) {
      assert.equal(job['runs-on'], 'ubuntu-latest', name);
      assert.ok(Array.isArray(job.steps) && job.steps.length > 0, name);
    }
  });

  it('runs only gatehouse commands that exist, with flags that parse, and uploads the reports they write', async () => {
    const workflow = parse(await readFile(workflowPath, 'utf8')) as { jobs: Record<string, { steps: Array<{ run?: string; uses?: string; with?: Record<string, string> }> }> };
    const program = parsingProgram();
    const subcommands = new Set<string>();
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const written = new Set<string>();
      for (const step of job.steps) {
        if (step.run === undefined) continue;
        // GitHub substitutes ${{ }} expressions before the shell sees the line.
        for (const { words } of shellCommands(step.run.replace(/\$\{\{[^}]*\}\}/g, 'EXPRESSION'))) {
          const args = gatehouseArguments(words);
          if (args === undefined) continue;
          await assert.doesNotReject(program.parseAsync(args, { from: 'user' }), `job ${name}: gatehouse ${args.join(' ')}`);
          subcommands.add(args[0] === 'schema' ? `schema ${args[1]}` : args[0]!);
          const output = args[args.indexOf('--output') + 1];
          if (args.includes('--output') && output !== undefined) written.add(output);
        }
      }
      for (const step of job.steps) {
        const uploaded = step.with?.sarif_file ?? step.with?.report_paths ?? step.with?.path;
        if (uploaded !== undefined) assert.ok(written.has(uploaded), `job ${name} uploads ${uploaded}, which no gatehouse command writes`);
      }
    }
    assert.deepEqual([...subcommands].sort(), ['assess', 'redteam', 'schema diff', 'schema snapshot', 'vet']);
  });

  it('would notice a flag that does not exist', async () => {
    const program = parsingProgram();
    await assert.rejects(program.parseAsync(splitWords('schema diff a.json b.json --fromat sarif').words, { from: 'user' }), { code: 'commander.unknownOption' });
  });
});
