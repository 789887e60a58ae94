// Tool poisoning: instructions for the model hidden in what a server says
// about its tools and prompts (descriptions, titles, parameter descriptions),
// which a client shows the model but rarely the user.

import { checkFromFindings, skippedCheck, type Finding } from '../../ci-report.ts';
import type { JsonObject } from '../../server-connection.ts';
import { findPoisoning } from '../text-detectors.ts';
import type { RedteamCheck } from '../redteam-check.ts';

export const descriptionPoisoningCheck: RedteamCheck = {
  id: 'description-poisoning',
  title: 'tool and prompt descriptions carry no hidden instructions',
  async run(context) {
    const seen = new Map<string, JsonObject>();
    for (const view of context.views) for (const tool of view.tools) seen.set(`tools/${String(tool.name)}`, tool);
    for (const view of context.views) for (const prompt of view.prompts) seen.set(`prompts/${String(prompt.name)}`, prompt);
    if (seen.size === 0) return skippedCheck(this.id, this.title, 'no identity could list any tool or prompt');
    const findings: Finding[] = [];
    for (const [location, definition] of seen) {
      for (const [field, text] of describedTexts(definition)) {
        for (const hit of findPoisoning(text)) {
          findings.push({
            ruleId: 'tool_description_poisoning',
            severity: 'error',
            message: `${location} ${field} hides an instruction for the model (${hit.kind})`,
            location: `${location}/${field}`,
            evidence: { kind: hit.kind, excerpt: hit.excerpt },
          });
        }
      }
    }
    return checkFromFindings(this.id, this.title, `${seen.size} definition(s) scanned`, findings);
  },
};

/** Every text a model reads about a definition: description, title, and each parameter's description at any depth. */
export function describedTexts(definition: JsonObject, path = ''): Array<[field: string, text: string]> {
  const texts: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(definition)) {
    const field = path === '' ? key : `${path}/${key}`;
    if ((key === 'description' || key === 'title') && typeof value === 'string') texts.push([field, value]);
    else if (value !== null && typeof value === 'object' && key !== 'annotations') texts.push(...describedTexts(value as JsonObject, field));
  }
  return texts;
}
