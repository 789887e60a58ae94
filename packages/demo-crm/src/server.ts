// Assembles the demo CRM: one McpServer with the CRM's tools, resources and
// prompt over a given state. The state is passed in, not created here per
// call, because the HTTP entry builds a fresh McpServer for every request
// while customers and the outbox must outlive each one.

import { createMcpHandler, type CreateMcpHandlerOptions, McpServer, type McpHttpHandler } from '@modelcontextprotocol/server';

import { CustomerStore } from './data.ts';
import { Outbox } from './outbox.ts';
import { registerPrompts } from './prompts.ts';
import { registerResources } from './resources.ts';
import { registerCustomerLookupTools } from './tools/customer-lookup.ts';
import { registerEchoTool } from './tools/echo.ts';
import { registerEmailTools } from './tools/email.ts';
import { registerUpdateCustomerTool } from './tools/update-customer.ts';

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

export interface DemoCrmServerOptions {
  /** Share one state between servers so changes persist; omitted, the server gets its own fresh state. */
  state?: DemoCrmState;
}

/** A fresh McpServer serving the CRM over the given (or a new) state; it speaks both protocol eras. */
export function createDemoCrmServer(options: DemoCrmServerOptions = {}): McpServer {
  const state = options.state ?? createDemoCrmState();
  const server = new McpServer(demoCrmServerInfo, {
    instructions:
      'A demo CRM. Find customers with search_customers, read them with get_customer, ' +
      'preview changes with update_customer dry_run before applying them, and pass an idempotency_key to send_email. ' +
      'Team guidance is in the doc://team/handbook and doc://team/escalation-policy resources.',
  });
  registerCustomerLookupTools(server, state.customers);
  registerUpdateCustomerTool(server, state.customers);
  registerEmailTools(server, state.outbox, state.customers);
  registerEchoTool(server);
  registerResources(server, state.customers);
  registerPrompts(server, state.customers);
  return server;
}

export interface DemoCrmHandlerOptions extends DemoCrmServerOptions {
  handler?: CreateMcpHandlerOptions;
}

/**
 * A web-standard `{ fetch }` handler serving the CRM in both eras (2026-07-28
 * per request, 2025-era clients statelessly), all requests sharing one state.
 */
export function createDemoCrmHandler(options: DemoCrmHandlerOptions = {}): McpHttpHandler {
  const state = options.state ?? createDemoCrmState();
  return createMcpHandler(() => createDemoCrmServer({ state }), options.handler);
}
