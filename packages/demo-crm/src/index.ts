// Public surface of the demo CRM: the server factory for embedding it in a
// process (the gateway's embedded default, tests), the web-standard handler,
// and the node:http host that main.ts uses.

export {
  createDemoCrmHandler,
  createDemoCrmServer,
  createDemoCrmState,
  demoCrmServerInfo,
  type DemoCrmHandlerOptions,
  type DemoCrmServerOptions,
  type DemoCrmState,
} from './server.ts';
export { CustomerStore, customerSchema, customerTiers, loadSampleCustomers, type Customer, type CustomerTier } from './data.ts';
export { Outbox, type QueuedCampaign, type SentEmail } from './outbox.ts';
export { CrmError, isCrmError, type CrmErrorCode, type RetryKind } from './errors.ts';
export { serveOverHttp, type HttpServeOptions, type RunningHttpServer } from './http.ts';
