// Assembles the demo CRM on @gatehouse/server-kit: its tools, resources and
// prompt over a given state. The state is passed in, not created per server,
// because the kit builds a fresh McpServer for every 2026-07-28 request and
// every 2025-11-25 session while customers and the outbox must outlive each.

import { createKitServer, type KitServer, type KitServerOptions } from '@gatehouse/server-kit';

import { CustomerStore } from './data.ts';
import { Outbox } from './outbox.ts';
import { registerPrompts } from './prompts.ts';
import { crmResources } from './resources.ts';
import { getCustomerTool, searchCustomersTool } from './tools/customer-lookup.ts';
import { echoTool } from './tools/echo.ts';
import { sendEmailTool, sendMassEmailTool } from './tools/email.ts';
import { updateCustomerTool } from './tools/update-customer.ts';

export const demoCrmServerInfo = { name: 'demo-crm', version: '0.1.0' } as const;

/** Everything the CRM remembers between requests. */
export interface DemoCrmState {
  customers: CustomerStore;
  outbox: Outbox;
}

/** Fresh state seeded with the shipped sample customers and an empty outbox. */
export function createDemoCrmState(): DemoCrmState {
  return { customers: new CustomerStore(), outbox: new Outbox() };
}

export interface DemoCrmServerOptions extends Partial<Omit<KitServerOptions, 'name' | 'version' | 'tools' | 'resources' | 'register'>> {
  /** Share one state between servers so changes persist; omitted, the server gets its own fresh state. */
  state?: DemoCrmState;
}

/** The CRM as a kit server: one endpoint for both protocol revisions, stdio too (kit.serveStdio()). */
export function createDemoCrmServer(options: DemoCrmServerOptions = {}): KitServer {
  const { state = createDemoCrmState(), ...kitOptions } = options;
  return createKitServer({
    // The CRM's resources change only through update_customer; it offers no subscriptions.
    capabilities: { resources: { listChanged: true } },
    ...kitOptions,
    ...demoCrmServerInfo,
    instructions:
      'A demo CRM. Find customers with search_customers, read them with get_customer, ' +
      'preview changes with update_customer dry_run before applying them, and pass an idempotency_key to send_email. ' +
      'Team guidance is in the doc://team/handbook and doc://team/escalation-policy resources.',
    tools: [
      getCustomerTool(state.customers),
      searchCustomersTool(state.customers),
      updateCustomerTool(state.customers),
      sendEmailTool(state.outbox),
      sendMassEmailTool(state.outbox, state.customers),
      echoTool,
    ],
    resources: crmResources(state.customers),
    register: (server) => registerPrompts(server, state.customers),
  });
}

/** A web-standard MCP handler: what serveOverHttp and in-process clients need. */
export interface WebMcpHandler {
  fetch(request: Request): Promise<Response>;
  close(): Promise<void>;
}

export type DemoCrmHandlerOptions = DemoCrmServerOptions;

/**
 * The CRM's whole HTTP surface as a `{ fetch, close }` handler (the MCP
 * endpoint /mcp for 2026-07-28 requests and 2025-11-25 sessions, beside
 * /healthz, /readyz and /metrics), all requests sharing one state.
 */
export function createDemoCrmHandler(options: DemoCrmHandlerOptions = {}): WebMcpHandler & { kit: KitServer } {
  const kit = createDemoCrmServer(options);
  return { kit, fetch: kit.fetch, close: () => kit.close() };
}
