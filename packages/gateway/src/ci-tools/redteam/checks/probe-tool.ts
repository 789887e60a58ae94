// The tool the red team sends its probes to: read-only by its annotations,
// with a free-text argument to carry a payload, an echo if there is one
// (its answer shows what reached the tool).

import type { JsonObject } from '../../server-connection.ts';
import { isReadOnly, type IdentityView } from '../redteam-context.ts';
import { firstStringProperty } from '../synthesized-arguments.ts';

export interface ProbeTool {
  tool: JsonObject;
  name: string;
  /** The string argument a payload goes into. */
  field: string;
}

export function chooseProbeTool(view: IdentityView): ProbeTool | undefined {
  const candidates = view.tools
    .filter(isReadOnly)
    .map((tool) => ({ tool, name: String(tool.name), field: firstStringProperty((tool.inputSchema ?? {}) as JsonObject) }))
    .filter((candidate): candidate is ProbeTool => candidate.field !== undefined);
  return candidates.find((candidate) => /echo/i.test(candidate.name)) ?? candidates[0];
}
