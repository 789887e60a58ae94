// Red-team pattern 3 (docs/ci-tools.md): read what the tools and resources
// return and look for PII and credentials that should have been redacted
// or masked before reaching the model (defense layer 3, output filtering).
// Only read-only tools are called, with arguments made from their schemas.

import { checkFromFindings, skippedCheck, type Finding } from '../../ci-report.ts';
import type { JsonObject } from '../../server-connection.ts';
import { isReadOnly } from '../redteam-context.ts';
import type { RedteamCheck } from '../redteam-check.ts';
import { synthesizeArguments } from '../synthesized-arguments.ts';
import { findSensitiveData } from '../text-detectors.ts';

const maxToolCalls = 12;
const maxResourceReads = 5;

export const dataExfiltrationCheck: RedteamCheck = {
  id: 'data-exfiltration',
  title: 'tool outputs carry no unredacted PII or credentials',
  async run(context) {
    const primary = context.primary;
    if (primary?.connection === undefined) return skippedCheck(this.id, this.title, 'no identity could open a session');
    const readers = primary.tools.filter(isReadOnly).slice(0, maxToolCalls);
    const resources = primary.resources.slice(0, maxResourceReads);
    if (readers.length === 0 && resources.length === 0) return skippedCheck(this.id, this.title, 'no read-only tool or resource to read');
    const findings: Finding[] = [];
    const record = (location: string, text: string) => {
      for (const hit of findSensitiveData(text)) {
        findings.push({ ruleId: 'pii_in_output', severity: 'error', message: `${location} returned ${hit.kind.replaceAll('_', ' ')} unredacted`, location, evidence: { identity: primary.identity.name, kind: hit.kind, excerpt: hit.excerpt } });
      }
    };
    for (const tool of readers) {
      const name = String(tool.name);
      const outcome = await context.call(primary, name, synthesizeArguments((tool.inputSchema ?? {}) as JsonObject));
      record(`tools/${name}`, outcome.text);
    }
    for (const resource of resources) {
      const uri = String(resource.uri);
      const text = await primary.connection.readResource(uri).catch(() => '');
      record(`resources/${uri}`, text);
    }
    return checkFromFindings(this.id, this.title, `${readers.length} read-only tool(s) called and ${resources.length} resource(s) read as ${primary.identity.name}`, findings);
  },
};
