// The embedded provider's demo directory (docs/identity.md): the scopes of
// the scope design applied to the demo CRM (read vs invoke per backend,
// per-resource read and per-action write scopes, the admin API's role
// scopes), four demo agents and five demo users (alice, and the console's
// admin, approver, auditor and reviewer). Which primitive needs which scope
// is the embedded default's config (config/default.yaml), not code.
// DEVELOPMENT ONLY: the secrets below are public.

/**
 * Path of the dev listing of agents (names, scopes, roles; no secrets) that
 * `gatehouse token --list-agents` reads; here rather than in embedded-idp.ts
 * so that the token command does not load the OpenID provider to name it.
 */
export const AGENT_LISTING_PATH = '/gatehouse/agents';

export interface DirectoryAgent {
  /** The OAuth client_id. */
  name: string;
  /** Client secret (client_secret_basic / client_secret_post). */
  secret: string;
  scopes: readonly string[];
  roles: readonly string[];
  description: string;
  /** The tenant its tokens name (the `tenants.claim` claim), on a gateway with tenants. */
  tenant?: string;
}

export interface DirectoryUser {
  /** `sub`. */
  id: string;
  name: string;
  email?: string;
  roles: readonly string[];
  /** The most this user can delegate to any client; a token acting for them never carries more. */
  scopes: readonly string[];
  /** The tenant the tokens acting for this user name, on a gateway with tenants. */
  tenant?: string;
}

/** Seeing apart from calling (read vs invoke), per-resource read, per-action write, and a rare admin scope: least privilege per agent. */
export const DEMO_SCOPES = {
  crmRead: 'crm.read',
  crmInvoke: 'crm.invoke',
  customersRead: 'crm.customers.read',
  customersWrite: 'crm.customers.write',
  emailSend: 'crm.email.send',
  emailBulk: 'crm.email.bulk',
  crmAdmin: 'crm.admin',
  everythingRead: 'everything.read',
  everythingInvoke: 'everything.invoke',
  /** The demo documents server (packages/demo-docs), federated by the embedded default. */
  docsRead: 'docs.read',
  docsInvoke: 'docs.invoke',
  /** The admin API's roles (admin/admin-permissions.ts): everything, deciding held calls, reading the record, reviewing servers. */
  gatewayAdmin: 'gatehouse.admin',
  gatewayApprover: 'gatehouse.approver',
  gatewayAuditor: 'gatehouse.auditor',
  gatewayReviewer: 'gatehouse.reviewer',
} as const;

const S = DEMO_SCOPES;
const RESEARCH_SCOPES = [S.crmRead, S.crmInvoke, S.customersRead];
const SUPPORT_SCOPES = [...RESEARCH_SCOPES, S.customersWrite, S.emailSend];
const ADMIN_SCOPES = [...SUPPORT_SCOPES, S.emailBulk, S.crmAdmin, S.everythingRead, S.everythingInvoke, S.docsRead, S.docsInvoke, S.gatewayAdmin];

/** Fixed dev secrets so `gatehouse token --agent NAME` works against any embedded-default gateway. Never reuse them. */
export const DEMO_AGENTS: readonly DirectoryAgent[] = [
  { name: 'research', secret: 'research-dev-secret', scopes: RESEARCH_SCOPES, roles: ['research'], description: 'read-only: finds and reads customers' },
  { name: 'support', secret: 'support-dev-secret', scopes: SUPPORT_SCOPES, roles: ['support'], description: 'reads and updates customers, sends single emails' },
  { name: 'admin', secret: 'admin-dev-secret', scopes: ADMIN_SCOPES, roles: ['admin'], description: 'everything, plus bulk email and the admin scopes' },
  // Separation of duties (docs/security.md section 1): the approver is a party of no call it decides, so it holds no tool scope.
  { name: 'approver', secret: 'approver-dev-secret', scopes: [S.gatewayApprover], roles: ['approver'], description: 'decides held calls on the admin listener; calls no tools' },
];

/**
 * With a `tenants` section and no configured directory, the demo adds, for
 * the first two tenants, an agent calling tools and an admin scoped to that
 * tenant (docs/tenants.md); the agents above carry no tenant, so the demo
 * `admin` stays the platform admin. The embedded default has no tenants and
 * so never gets these.
 */
export function demoTenantAgents(tenants: readonly string[]): DirectoryAgent[] {
  return tenants.slice(0, 2).flatMap((tenant) => [
    { name: `${tenant}-agent`, secret: `${tenant}-agent-dev-secret`, scopes: [...SUPPORT_SCOPES, S.everythingRead, S.everythingInvoke], roles: ['support'], description: `calls the tools of tenant ${tenant}`, tenant },
    { name: `${tenant}-admin`, secret: `${tenant}-admin-dev-secret`, scopes: [S.gatewayAdmin], roles: ['approver'], description: `administers tenant ${tenant} only (approvals, audit, usage)`, tenant },
  ]);
}

/**
 * With a `tenants` section and no configured directory, the demo tenant
 * admins are people too, so they can sign in to the web console: a user
 * `{tenant}-admin` for each of the first two tenants, with the admin scope
 * and the tenant's claim, the same principal as the agent of that name.
 */
export function demoTenantUsers(tenants: readonly string[]): DirectoryUser[] {
  return tenants.slice(0, 2).map((tenant) => ({ id: `${tenant}-admin`, name: `${tenant[0]!.toUpperCase()}${tenant.slice(1)} Admin`, roles: ['admin'], scopes: [S.gatewayAdmin], tenant }));
}

/** Alice first: the auto-login signs in the first user when no login_hint names another. */
export const DEMO_USERS: readonly DirectoryUser[] = [
  { id: 'alice', name: 'Alice Example', email: 'alice@example.com', roles: ['support'], scopes: SUPPORT_SCOPES },
  // The console's people (docs/admin-api.md, roles): the platform admin, and an approver who decides held calls and holds no tool scope.
  { id: 'admin', name: 'Ada Admin', email: 'admin@example.com', roles: ['admin'], scopes: ADMIN_SCOPES },
  { id: 'approver', name: 'Aaron Approver', email: 'approver@example.com', roles: ['approver'], scopes: [S.gatewayApprover] },
  // The read-only and review roles, so the console can be tried as each: the auditor reads what happened, the reviewer decides servers and tool pins.
  { id: 'auditor', name: 'Audrey Auditor', email: 'auditor@example.com', roles: ['auditor'], scopes: [S.gatewayAuditor] },
  { id: 'reviewer', name: 'Rowan Reviewer', email: 'reviewer@example.com', roles: ['reviewer'], scopes: [S.gatewayReviewer] },
];

/** The gateway's own service identity: client credentials to backends and RFC 8693 exchanges. */
export const DEMO_GATEWAY_CLIENT = { name: 'gatehouse-gateway', secret: 'gatehouse-gateway-dev-secret' } as const;

/**
 * The web console as a client of the embedded provider (admin/console-auth.ts):
 * a confidential client of the admin listener's backend-for-frontend, code
 * flow only. Its redirect is on the loopback admin listener, any port.
 */
export const DEMO_CONSOLE_CLIENT = { name: 'gatehouse-console', secret: 'gatehouse-console-dev-secret', redirectPath: '/console/auth/callback' } as const;

/** Every scope the demo issues, for the IdP's resource server and the gateway's `scopes_supported`. */
export const DEMO_ALL_SCOPES: readonly string[] = [...ADMIN_SCOPES, S.gatewayApprover, S.gatewayAuditor, S.gatewayReviewer];
