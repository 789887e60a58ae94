// The rug pull: a server whose tool definitions change after a client looked
// at them (and after a human approved them). The check lists the tools again
// on the same session and on a fresh one and compares canonical snapshots;
// any change is a finding, described by the schema classifier. Given the
// approved snapshot (`--baseline`), the live tools must also match it.

import { checkFromFindings, skippedCheck, type Finding } from '../../ci-report.ts';
import { diffSnapshots } from '../../../schema-diff/schema-diff.ts';
import { buildSnapshot } from '../../../schema-diff/schema-snapshot.ts';
import type { JsonObject } from '../../server-connection.ts';
import type { RedteamCheck } from '../redteam-check.ts';

export const rugPullCheck: RedteamCheck = {
  id: 'rug-pull',
  title: 'tool definitions do not change between listings',
  async run(context) {
    const primary = context.primary;
    if (primary?.connection === undefined) return skippedCheck(this.id, this.title, 'no identity could open a session');
    const first = primary.tools;
    const again = await primary.connection.listTools();
    const fresh = await context.connect(primary.identity);
    let third: JsonObject[];
    try {
      third = await fresh.listTools();
    } finally {
      await fresh.close();
    }
    const findings: Finding[] = [];
    const snapshot = (tools: JsonObject[]) => buildSnapshot({ serverInfo: { name: 'server', version: '0' }, tools });
    for (const [when, listing] of [['on the same session', again], ['on a new session', third]] as const) {
      for (const entry of diffSnapshots(snapshot(first), snapshot(listing)).changes) {
        findings.push({
          ruleId: 'tool_definitions_changed',
          severity: 'error',
          message: `listed again ${when}, ${entry.message}: definitions a client approved changed under it`,
          location: entry.path,
          evidence: { identity: primary.identity.name, when, change: entry.code },
        });
      }
    }
    const baseline = context.options.baseline;
    if (baseline !== undefined) {
      const approved = buildSnapshot({ serverInfo: { name: 'server', version: '0' }, tools: baseline.tools as unknown as JsonObject[] });
      for (const entry of diffSnapshots(approved, snapshot(first)).changes) {
        // A tool the identity cannot see is not a change of definition; one it sees must match what was approved.
        if (entry.code === 'tool_removed') continue;
        findings.push({
          ruleId: 'tool_definitions_not_approved',
          severity: 'error',
          message: `compared with the approved snapshot, ${entry.message}`,
          location: entry.path,
          evidence: { identity: primary.identity.name, change: entry.code, approvedVersion: baseline.serverInfo.version },
        });
      }
    }
    return checkFromFindings(this.id, this.title, `${first.length} tool(s) listed three times as ${primary.identity.name}${baseline === undefined ? '' : ', and compared with the approved snapshot'}`, findings);
  },
};
