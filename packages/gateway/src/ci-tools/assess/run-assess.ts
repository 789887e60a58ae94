// `gatehouse assess`: the maturity self-assessment (docs/ci-tools.md). Live facts
// (live-facts.ts) answer what the platform knows; an answers file, then the
// person at the terminal (`ask`), answer the rest. One check per stage; a
// stage below `--min-stage` that is not reached fails the run.

import { checkFromFindings, type CheckResult, type CiReport, type Finding } from '../ci-report.ts';
import { answersFromFacts, type LiveFact, type PlatformFacts } from './live-facts.ts';
import { assessMaturity, MATURITY_QUESTIONS, parseAnswer, STAGE_NAMES, type AnswerValue, type MaturityResult } from './maturity-model.ts';

export interface AssessInput {
  facts?: PlatformFacts;
  fileAnswers?: Record<string, AnswerValue>;
  /** Asks one question, for those neither the platform nor the file answered. */
  ask?: (question: string) => Promise<string>;
  minStage?: number;
  subject: string;
}

export interface AnsweredQuestion {
  id: string;
  stage: number;
  question: string;
  answer: AnswerValue;
  source: 'live' | 'file' | 'interactive' | 'unanswered';
  evidence?: string;
}

export interface AssessmentRecord extends MaturityResult {
  answers: AnsweredQuestion[];
}

export async function runAssess(input: AssessInput): Promise<CiReport> {
  const live: Record<string, LiveFact> = input.facts === undefined ? {} : answersFromFacts(input.facts);
  const answered: AnsweredQuestion[] = [];
  for (const question of MATURITY_QUESTIONS) {
    const base = { id: question.id, stage: question.stage, question: question.text };
    const fact = live[question.id];
    if (fact !== undefined) answered.push({ ...base, answer: fact.answer, source: 'live', evidence: fact.evidence });
    else if (input.fileAnswers?.[question.id] !== undefined) answered.push({ ...base, answer: input.fileAnswers[question.id], source: 'file' });
    else if (input.ask !== undefined) {
      const answer = parseAnswer(await input.ask(`Stage ${question.stage}: ${question.text} [y/n] `));
      answered.push({ ...base, answer, source: answer === undefined ? 'unanswered' : 'interactive' });
    } else answered.push({ ...base, answer: undefined, source: 'unanswered' });
  }
  const result = assessMaturity(Object.fromEntries(answered.map((entry) => [entry.id, entry.answer])));
  const checks: CheckResult[] = [1, 2, 3, 4, 5].map((stage) => stageCheck(stage, answered, result, input.minStage ?? 0));
  const record: AssessmentRecord = { ...result, answers: answered };
  return { tool: 'assess', subject: input.subject, generatedAt: new Date().toISOString(), checks, data: record };
}

function stageCheck(stage: number, answered: readonly AnsweredQuestion[], result: MaturityResult, minStage: number): CheckResult {
  const questions = answered.filter((entry) => entry.stage === stage);
  const open = questions.filter((entry) => entry.answer !== true);
  const isRequired = stage <= minStage;
  const findings: Finding[] = open.map((entry) => ({
    ruleId: entry.answer === undefined ? 'unanswered' : 'not_yet',
    severity: isRequired && stage > result.stage ? 'error' : 'note',
    message: `${entry.question} ${entry.answer === undefined ? 'unanswered' : 'no'}${entry.evidence === undefined ? '' : ` (${entry.evidence})`}`,
    location: entry.id,
  }));
  const summary = stage <= result.stage ? `reached (${questions.length} yes)` : `${open.length} of ${questions.length} question(s) not yet yes`;
  return checkFromFindings(`stage-${stage}`, STAGE_NAMES[stage]!, summary, findings);
}

/** The lines the text format prints before the checks: the stage and what the next one takes. */
export function assessmentHeadline(record: AssessmentRecord): string[] {
  const lines = [`You are at ${record.stageName}.`];
  if (record.nextStageInvestment !== undefined) {
    lines.push(`Next: ${STAGE_NAMES[record.stage + 1]}. Invest in ${record.nextStageInvestment}.`);
    for (const gap of record.nextStageGaps) lines.push(`  to close: ${gap.text}`);
  }
  lines.push('Plan investments for the stage you are moving to; skipping stages typically fails.');
  return lines;
}
