// Red-team pattern 4 (docs/ci-tools.md): hammer one cheap read-only tool with
// rapid sequential calls until a rate limit engages. It runs as the identity
// that sees the fewest tools (its limit is spent for a while afterwards).

import { checkFromFindings, skippedCheck, type Finding } from '../../ci-report.ts';
import type { JsonObject } from '../../server-connection.ts';
import type { RedteamCheck } from '../redteam-check.ts';
import { synthesizeArguments } from '../synthesized-arguments.ts';
import { chooseProbeTool } from './probe-tool.ts';

const RATE_LIMITED = /rate.?limit|too many|429|quota|slow down|retry after|throttl/i;

export const rateLimitCheck: RedteamCheck = {
  id: 'rate-limit',
  title: 'a burst of calls meets a rate limit',
  async run(context) {
    const candidates = context.views.filter((view) => view.connection !== undefined && chooseProbeTool(view) !== undefined).sort((a, b) => a.tools.length - b.tools.length);
    const view = candidates[0];
    const probe = view === undefined ? undefined : chooseProbeTool(view);
    if (view === undefined || probe === undefined) return skippedCheck(this.id, this.title, 'no read-only tool with a text argument to call repeatedly');
    const args = synthesizeArguments((probe.tool.inputSchema ?? {}) as JsonObject, { [probe.field]: 'rate limit probe' });
    const started = performance.now();
    for (let call = 1; call <= context.options.burst; call++) {
      const outcome = await context.call(view, probe.name, args);
      if (outcome.isError && RATE_LIMITED.test(outcome.text)) {
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        return checkFromFindings(this.id, this.title, `call ${call} of ${probe.name} as ${view.identity.name} was refused after ${seconds} s: ${outcome.text.slice(0, 140)}`, []);
      }
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const findings: Finding[] = [
      {
        ruleId: 'no_rate_limit',
        severity: 'warning',
        message: `${context.options.burst} calls of ${probe.name} in ${seconds} s as ${view.identity.name} met no rate limit; limit calls per caller at the gateway`,
        location: `tools/${probe.name}`,
        evidence: { identity: view.identity.name, calls: context.options.burst, seconds: Number(seconds) },
      },
    ];
    return checkFromFindings(this.id, this.title, `no refusal after ${context.options.burst} calls`, findings);
  },
};
