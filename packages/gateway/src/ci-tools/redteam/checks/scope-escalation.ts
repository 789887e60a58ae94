// Red-team pattern 2 (docs/ci-tools.md): an identity with fewer scopes calls the
// tools it cannot see but a broader identity can, and every call must be
// refused. Calls carry empty arguments, so a server whose authorization is
// missing refuses on validation (reported too: authorization came second)
// rather than doing something destructive.

import { checkFromFindings, skippedCheck, type Finding } from '../../ci-report.ts';
import { isAuthorizationRefusal } from '../redteam-context.ts';
import type { RedteamCheck } from '../redteam-check.ts';

const maxCallsPerIdentity = 8;

export const scopeEscalationCheck: RedteamCheck = {
  id: 'scope-escalation',
  title: 'an identity cannot call tools outside its scopes',
  async run(context) {
    const primary = context.primary;
    const others = context.views.filter((view) => view !== primary && view.connection !== undefined);
    if (primary === undefined || others.length === 0) return skippedCheck(this.id, this.title, 'needs tokens of two identities with different scopes (--token broad=... --token narrow=...)');
    const findings: Finding[] = [];
    let attempts = 0;
    for (const view of others) {
      const visible = new Set(view.tools.map((tool) => String(tool.name)));
      const outOfScope = primary.tools.map((tool) => String(tool.name)).filter((name) => !visible.has(name)).slice(0, maxCallsPerIdentity);
      for (const name of outOfScope) {
        attempts++;
        const outcome = await context.call(view, name, {});
        if (isAuthorizationRefusal(outcome)) continue;
        const reachedTool = !outcome.isError;
        findings.push({
          ruleId: reachedTool ? 'scope_escalation' : 'authorization_after_validation',
          severity: reachedTool ? 'error' : 'warning',
          message: reachedTool
            ? `${view.identity.name} called ${name}, which only ${primary.identity.name} can see, and it ran`
            : `${view.identity.name}'s call to ${name} (out of its scopes) was refused, but not for authorization: "${outcome.text.slice(0, 120)}"`,
          location: `tools/${name}`,
          evidence: { identity: view.identity.name, tool: name, answer: outcome.text.slice(0, 200) },
        });
      }
    }
    if (attempts === 0) return skippedCheck(this.id, this.title, `every identity sees the same tools as ${primary.identity.name}: nothing is out of scope`);
    return checkFromFindings(this.id, this.title, `${attempts} out-of-scope call(s) made, ${attempts - findings.length} refused for authorization`, findings);
  },
};
