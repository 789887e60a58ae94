// One difference between two schema snapshots and how it affects clients:
// `breaking` (a client that worked before can fail now), `additive` (new
// things a client may ignore) or `informational` (wording only).

export type ChangeSeverity = 'breaking' | 'additive' | 'informational';

export interface SchemaChange {
  severity: ChangeSeverity;
  /** Stable identifier of the rule, e.g. `tool_removed`, `input_required_added`. */
  code: string;
  /** Where: `tools/get_customer/inputSchema/properties/id`, `prompts/summarize`. */
  path: string;
  message: string;
}

export function change(severity: ChangeSeverity, code: string, path: string, message: string): SchemaChange {
  return { severity, code, path, message };
}
