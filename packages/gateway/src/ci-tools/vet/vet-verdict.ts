// The vet's verdict for a registry review: reject on any error finding,
// approve with conditions on warnings or checks that could not run (the
// reviewer must answer them), approve otherwise, with the reasons spelled
// out. Pure.

import type { CheckResult } from '../ci-report.ts';

export type VetDecision = 'approve' | 'approve-with-conditions' | 'reject';

export interface VetVerdict {
  decision: VetDecision;
  reasons: string[];
}

export function decideVerdict(checks: readonly CheckResult[]): VetVerdict {
  const errors = checks.flatMap((check) => check.findings.filter((finding) => finding.severity === 'error').map((finding) => `${check.id}: ${finding.message}`));
  const warnings = checks.flatMap((check) => check.findings.filter((finding) => finding.severity === 'warning').map((finding) => `${check.id}: ${finding.message}`));
  const unanswered = checks.filter((check) => check.status === 'skipped').map((check) => `${check.id} not checked: ${check.summary}`);
  if (errors.length > 0) return { decision: 'reject', reasons: [...errors, ...warnings] };
  if (warnings.length > 0 || unanswered.length > 0) return { decision: 'approve-with-conditions', reasons: [...warnings, ...unanswered] };
  return { decision: 'approve', reasons: ['every chapter 13 check passed'] };
}
