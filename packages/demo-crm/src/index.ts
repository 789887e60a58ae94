// Public surface of the demo CRM: the kit server factory for embedding it in
// a process (the gateway's embedded default, tests), the web-standard
// handler, and the node:http host for any such handler.

export {
  createDemoCrmHandler,
  createDemoCrmServer,
  createDemoCrmState,
  demoCrmServerInfo,
  type DemoCrmHandlerOptions,
  type DemoCrmServerOptions,
  type DemoCrmState,
  type WebMcpHandler,
} from './server.ts';
export { CustomerStore, customerSchema, customerTiers, loadSampleCustomers, type Customer, type CustomerTier } from './data.ts';
export { Outbox, type QueuedCampaign, type SentEmail } from './outbox.ts';
export type { CrmErrorCode } from './errors.ts';
export { serveOverHttp, type HttpServeOptions, type RunningHttpServer } from './http.ts';
