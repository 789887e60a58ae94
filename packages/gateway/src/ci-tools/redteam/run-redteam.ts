// `gatehouse redteam`: the six red-team patterns of docs/ci-tools.md
// plus tool-description poisoning, rug pull, token audience and session
// binding, run in an order that keeps them independent: the read-only
// checks first, the burst checks (which spend a caller's limits) next to
// last, and the audit check last so it sees every call the run made.

import { checkFromFindings, type CheckResult, type CiReport } from '../ci-report.ts';
import { describeTarget } from '../server-target.ts';
import { auditCompletenessCheck } from './checks/audit-completeness.ts';
import { authenticationCheck } from './checks/authentication.ts';
import { costCeilingCheck } from './checks/cost-ceiling.ts';
import { dataExfiltrationCheck } from './checks/data-exfiltration.ts';
import { descriptionPoisoningCheck } from './checks/description-poisoning.ts';
import { promptInjectionCheck } from './checks/prompt-injection.ts';
import { rateLimitCheck } from './checks/rate-limit.ts';
import { rugPullCheck } from './checks/rug-pull.ts';
import { scopeEscalationCheck } from './checks/scope-escalation.ts';
import { sessionBindingCheck } from './checks/session-binding.ts';
import { tokenAudienceCheck } from './checks/token-audience.ts';
import { RedteamContext, type RedteamOptions } from './redteam-context.ts';
import type { RedteamCheck } from './redteam-check.ts';

export const REDTEAM_CHECKS: readonly RedteamCheck[] = [
  authenticationCheck,
  tokenAudienceCheck,
  sessionBindingCheck,
  descriptionPoisoningCheck,
  rugPullCheck,
  promptInjectionCheck,
  scopeEscalationCheck,
  dataExfiltrationCheck,
  rateLimitCheck,
  costCeilingCheck,
  auditCompletenessCheck,
];

export async function runRedteam(options: RedteamOptions, only?: readonly string[]): Promise<CiReport> {
  const context = await RedteamContext.open(options);
  const checks: CheckResult[] = [];
  try {
    const unreachable = context.views.filter((view) => view.connection === undefined);
    if (unreachable.length > 0) {
      checks.push(
        checkFromFindings(
          'sessions',
          'every identity can open a session',
          `${unreachable.length} of ${context.views.length} identities could not open a session`,
          unreachable.map((view) => ({ ruleId: 'session_refused', severity: 'warning', message: `${view.identity.name} could not open a session: ${view.error ?? 'unknown'}`, evidence: { identity: view.identity.name } })),
        ),
      );
    }
    for (const check of REDTEAM_CHECKS) {
      if (only !== undefined && !only.includes(check.id)) continue;
      const started = performance.now();
      let result: CheckResult;
      try {
        result = await check.run(context);
      } catch (error) {
        result = checkFromFindings(check.id, check.title, `the check could not finish: ${(error as Error).message}`, [
          { ruleId: 'check_failed', severity: 'error', message: `${check.id} failed to run: ${(error as Error).message}` },
        ]);
      }
      checks.push({ ...result, durationMs: Math.round(performance.now() - started) });
    }
  } finally {
    await context.close();
  }
  return {
    tool: 'redteam',
    subject: describeTarget(options.target),
    generatedAt: new Date().toISOString(),
    checks,
    data: { identities: context.views.map((view) => ({ name: view.identity.name, tools: view.tools.length, connected: view.connection !== undefined })), calls: context.calls.length },
  };
}
