// Red-team pattern 5 (docs/ci-tools.md): an agent loop calling an expensive tool
// until the session's cost ceiling stops it. Which tool is expensive is the
// operator's knowledge (`--cost-tool`), so without it the check is skipped.

import { checkFromFindings, skippedCheck, type Finding } from '../../ci-report.ts';
import type { JsonObject } from '../../server-connection.ts';
import type { RedteamCheck } from '../redteam-check.ts';
import { synthesizeArguments } from '../synthesized-arguments.ts';

const COST_EXHAUSTED = /cost|budget|ceiling|spend|exhausted|steps?/i;

export const costCeilingCheck: RedteamCheck = {
  id: 'cost-ceiling',
  title: 'repeated expensive calls meet a cost ceiling',
  async run(context) {
    const name = context.options.costTool;
    if (name === undefined) return skippedCheck(this.id, this.title, 'give --cost-tool NAME (a tool with a cost) to run it');
    const view = context.views.find((candidate) => candidate.tools.some((tool) => tool.name === name));
    const tool = view?.tools.find((candidate) => candidate.name === name);
    if (view === undefined || tool === undefined) return skippedCheck(this.id, this.title, `no identity sees the tool ${name}`);
    const args = synthesizeArguments((tool.inputSchema ?? {}) as JsonObject);
    for (let call = 1; call <= context.options.costCalls; call++) {
      const outcome = await context.call(view, name, args);
      if (outcome.isError && COST_EXHAUSTED.test(outcome.text)) return checkFromFindings(this.id, this.title, `call ${call} of ${name} was refused: ${outcome.text.slice(0, 140)}`, []);
    }
    const findings: Finding[] = [
      {
        ruleId: 'no_cost_ceiling',
        severity: 'warning',
        message: `${context.options.costCalls} calls of ${name} as ${view.identity.name} met no cost ceiling; set a per-session ceiling at the gateway`,
        location: `tools/${name}`,
        evidence: { identity: view.identity.name, calls: context.options.costCalls },
      },
    ];
    return checkFromFindings(this.id, this.title, `no refusal after ${context.options.costCalls} calls`, findings);
  },
};
