// The synthetic audit traffic of `npm run bench:audit`: records in time order
// over a span of days, many identities, agents and customers, a few percent
// security events, so that the compliance questions have realistic
// selectivity (C-42 is one customer of 10,000; one agent of 50).

import { buildAuditRecord, type AuditRecord, type OperationType } from '../../packages/gateway/src/audit/record.ts';

export const CUSTOMERS = 10_000;
export const AGENTS = 50;
export const IDENTITIES = 2_000;
export const ACCOUNTS = 5_000;
/** The agent whose denials "today" the third compliance question asks for. */
export const WATCHED_AGENT = 'agent-7';

const TOOLS = ['get_customer', 'update_customer', 'list_orders', 'get_invoice', 'search_tickets', 'create_ticket'];

/** A small fast PRNG (mulberry32), so every run generates the same records. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Record `index` of `total`, spread evenly from `startMs` to `endMs`. */
export function syntheticRecords(total: number, startMs: number, endMs: number): (index: number) => AuditRecord {
  const next = random(42);
  const step = (endMs - startMs) / Math.max(1, total);
  return (index) => {
    const roll = next();
    const customer = `C-${1 + Math.floor(next() * CUSTOMERS)}`;
    const agent = `agent-${Math.floor(next() * AGENTS)}`;
    const identity = `user:user${Math.floor(next() * IDENTITIES)}@company.com`;
    const tool = TOOLS[Math.floor(next() * TOOLS.length)]!;
    let type: OperationType = 'tool_invocation';
    if (roll < 0.01) type = 'admin_action';
    else if (roll < 0.04) type = 'policy_denial';
    else if (roll < 0.05) type = 'auth_failure';
    else if (roll < 0.15) type = 'resource_read';
    const isDenied = type === 'policy_denial' || type === 'auth_failure';
    return buildAuditRecord({
      type,
      startedAt: Math.floor(startMs + index * step),
      durationMs: 5 + Math.floor(next() * 300),
      gatewayId: 'bench-gateway',
      status: isDenied ? 'denied' : 'success',
      caller: { identity, agent, sessionId: `sess_${Math.floor(next() * 100_000)}`, traceId: `trc_${index}`, clientIp: '10.0.5.42', userAgent: 'ClaudeDesktop/3.2.1' },
      server: type === 'admin_action' ? undefined : 'crm',
      name: type === 'admin_action' ? 'backend.disable' : type === 'resource_read' ? `crm://customers/${customer}` : tool,
      arguments: type === 'admin_action' ? { account: `ACCT-${Math.floor(next() * ACCOUNTS)}` } : type === 'resource_read' ? undefined : { customer_id: customer, include_history: roll > 0.5 },
      scopeUsed: 'crm.customers.read',
      outputSizeBytes: 200 + Math.floor(next() * 4_000),
      redactions: roll > 0.8 ? ['email_partial'] : [],
      policyDecisions: [
        { policy: 'rate_limit', decision: 'allow', details: { remaining: Math.floor(next() * 60) } },
        { policy: 'scope_check', decision: isDenied ? 'deny' : 'allow' },
      ],
    });
  };
}
