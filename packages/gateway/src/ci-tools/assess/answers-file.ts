// The answers a person gives for what the platform cannot know (a dedicated
// team? 50+ processes?), from a YAML or JSON file of `question_id: yes|no`.

import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { CiToolError } from '../ci-tool-error.ts';
import { MATURITY_QUESTIONS, parseAnswer, type AnswerValue } from './maturity-model.ts';

export async function readAnswersFile(path: string): Promise<Record<string, AnswerValue>> {
  let document: unknown;
  try {
    document = parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CiToolError('answers_invalid', `cannot read the answers file ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new CiToolError('answers_invalid', `${path} should map question ids to yes or no, e.g. "dedicated_platform_team: yes"`);
  }
  const known = new Set(MATURITY_QUESTIONS.map((question) => question.id));
  const answers: Record<string, AnswerValue> = {};
  for (const [id, value] of Object.entries(document)) {
    if (!known.has(id)) throw new CiToolError('answers_invalid', `${path}: unknown question "${id}"; the questions are ${[...known].join(', ')}`);
    const answer = parseAnswer(value);
    if (answer === undefined) throw new CiToolError('answers_invalid', `${path}: "${id}" should be yes or no, got ${JSON.stringify(value)}`);
    answers[id] = answer;
  }
  return answers;
}
