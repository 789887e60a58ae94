// expected-failures.yaml: the scored scenarios a pairing is allowed to fail,
// each with its reason. Checked both ways: an unlisted failure is unexpected,
// a listed scenario that passes is stale.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { parse } from 'yaml';

import type { PairingResult } from './pairings.ts';

export const baselinePath = fileURLToPath(new URL('./expected-failures.yaml', import.meta.url));

/** Pairing label -> scenario -> reason. */
export type Baseline = Record<string, Record<string, string>>;

export class BaselineFormatError extends Error {
  readonly code = 'conformance_baseline_invalid';
}

export function loadBaseline(path = baselinePath): Baseline {
  const parsed: unknown = parse(readFileSync(path, 'utf8')) ?? {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new BaselineFormatError(`${path}: expected a mapping of pairing label to { scenario: reason }`);
  }
  for (const [label, entries] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
      throw new BaselineFormatError(`${path}: "${label}" must map scenario names to reasons`);
    }
    for (const [scenario, reason] of Object.entries(entries)) {
      if (typeof reason !== 'string' || reason.trim() === '') {
        throw new BaselineFormatError(`${path}: "${label}" / ${scenario} needs a reason (a non-empty string)`);
      }
    }
  }
  return parsed as Baseline;
}

export interface BaselineVerdict {
  unexpected: string[];
  stale: string[];
}

export function checkAgainstBaseline(result: PairingResult, baseline: Baseline): BaselineVerdict {
  const expected = baseline[result.label] ?? {};
  const failed = new Set(result.failedScenarios);
  const ran = new Set(result.outcomes.map((outcome) => outcome.scenario));
  return {
    unexpected: result.failedScenarios.filter((scenario) => !(scenario in expected)),
    // Only a scenario that ran and passed is stale; one cut off by the time bound proves nothing.
    stale: Object.keys(expected).filter((scenario) => ran.has(scenario) && !failed.has(scenario)),
  };
}
