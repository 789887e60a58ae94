// Chapter 13's first question, "Recent commits? (last 90 days for active
// projects)", answered from a local clone's git history: the last commit's
// age, commits in the last 90 days, and authors in the last year.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { checkFromFindings, skippedCheck, type CheckResult, type Finding } from '../ci-report.ts';
import type { VetSource } from './vet-source.ts';

const run = promisify(execFile);
const DAY_MS = 86_400_000;

export interface RepositoryActivity {
  lastCommitAt: string;
  daysSinceLastCommit: number;
  commitsLast90Days: number;
  authorsLastYear: number;
}

export async function readRepositoryActivity(directory: string, now: Date): Promise<RepositoryActivity> {
  const { stdout } = await run('git', ['-C', directory, 'log', '--format=%cI%x09%ae', '--since', new Date(now.getTime() - 365 * DAY_MS).toISOString()], { maxBuffer: 64 * 1024 * 1024 });
  const { stdout: last } = await run('git', ['-C', directory, 'log', '-1', '--format=%cI']);
  const entries = stdout.split('\n').filter((line) => line.length > 0).map((line) => line.split('\t') as [string, string]);
  const lastCommitAt = last.trim();
  return {
    lastCommitAt,
    daysSinceLastCommit: Math.floor((now.getTime() - Date.parse(lastCommitAt)) / DAY_MS),
    commitsLast90Days: entries.filter(([date]) => now.getTime() - Date.parse(date) <= 90 * DAY_MS).length,
    authorsLastYear: new Set(entries.map(([, author]) => author)).size,
  };
}

/** Pure: the findings for an activity record. Six months without a commit marks a project stale (docs/ci-tools.md, `gatehouse vet`). */
export function judgeActivity(activity: RepositoryActivity): Finding[] {
  if (activity.daysSinceLastCommit > 180) {
    return [{ ruleId: 'repository_stale', severity: 'error', message: `no commit for ${activity.daysSinceLastCommit} days (last ${activity.lastCommitAt}): likely stale dependencies and unfixed issues; fork or look elsewhere`, evidence: activity }];
  }
  if (activity.daysSinceLastCommit > 90) {
    return [{ ruleId: 'repository_quiet', severity: 'warning', message: `no commit for ${activity.daysSinceLastCommit} days (the playbook expects activity within 90)`, evidence: activity }];
  }
  if (activity.authorsLastYear === 1) {
    return [{ ruleId: 'single_maintainer', severity: 'note', message: 'one author in the last year: a bus factor of one', evidence: activity }];
  }
  return [];
}

export async function repositoryActivityCheck(source: VetSource, now: Date): Promise<CheckResult> {
  const id = 'repository-activity';
  const title = 'the repository is actively maintained';
  if (!source.hasGitHistory || source.directory === undefined) return skippedCheck(id, title, 'no git history: vet a local clone to judge activity');
  const activity = await readRepositoryActivity(source.directory, now);
  return checkFromFindings(id, title, `last commit ${activity.daysSinceLastCommit} day(s) ago, ${activity.commitsLast90Days} commit(s) in 90 days, ${activity.authorsLastYear} author(s) in a year`, judgeActivity(activity));
}
