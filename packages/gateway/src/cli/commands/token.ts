// `gatehouse token --agent NAME` / `--list-agents`: a token for scripts from
// the gateway's authorization server. The gateway is found by URL; its
// protected resource metadata (RFC 9728) names the authorization server and
// the resource to ask for, so any port or host works. Agent secrets come from
// --secret, GATEHOUSE_AGENT_SECRET, or the embedded default's demo directory;
// --user logs a demo user in headlessly so the token acts for that user.

import type { Command } from 'commander';
import { discoverAuthorizationServer, type AuthorizationServerMetadata } from '../../identity/authorization-server-metadata.ts';
import { loginDemoUser } from '../../identity/embedded-idp/dev-login.ts';
import { AGENT_LISTING_PATH, DEMO_AGENTS, DEMO_USERS } from '../../identity/embedded-idp/demo-directory.ts';
import { requestToken } from '../../identity/oauth-token-client.ts';
import { resourceMetadataUrl } from '../../identity/resource-metadata.ts';
import { processIo, type CommandIo } from './command-io.ts';

interface TokenOptions {
  agent?: string;
  user?: string;
  listAgents?: boolean;
  gateway: string;
  scope?: string;
  secret?: string;
}

export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8080';

const BRAND = Symbol.for('gatehouse.TokenCommandError');

/** A failure the user can fix (wrong URL, unknown agent); the CLI prints its message alone. */
export class TokenCommandError extends Error {
  readonly [BRAND] = true;
  readonly code = 'token_command_failed';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'TokenCommandError';
  }
}

export function registerTokenCommand(program: Command, io: CommandIo = processIo): Command {
  return program
    .command('token')
    .description('print an access token for an agent (alone on the last line, for scripts), or list the agents')
    .option('-a, --agent <name>', 'the agent (OAuth client) to get a token for')
    .option('-u, --user <id>', 'act for this demo user: a headless login at the embedded IdP (auto-login) instead of client credentials')
    .option('--list-agents', 'list the agents of the embedded identity provider, one a line')
    .option('-g, --gateway <url>', 'the gateway, e.g. http://127.0.0.1:8080 or its /mcp or /servers/{name}/mcp URL', DEFAULT_GATEWAY_URL)
    .option('-s, --scope <scopes>', 'space-separated scopes to ask for (default: all of the agent\'s)')
    .option('--secret <secret>', 'the agent\'s client secret (default: GATEHOUSE_AGENT_SECRET, else the demo secret)')
    .action(async (options: TokenOptions) => {
      if (options.listAgents === true) {
        for (const line of await listAgents(options.gateway)) io.out(line);
        return;
      }
      if (options.agent === undefined) throw new TokenCommandError('name an agent with --agent NAME, or use --list-agents to see them');
      const secret = options.secret ?? io.env.GATEHOUSE_AGENT_SECRET ?? DEMO_AGENTS.find((agent) => agent.name === options.agent)?.secret;
      if (secret === undefined) {
        throw new TokenCommandError(`no secret for agent "${options.agent}": pass --secret or set GATEHOUSE_AGENT_SECRET (demo agents: ${DEMO_AGENTS.map((agent) => agent.name).join(', ')})`);
      }
      const issued = options.user === undefined
        ? await agentToken(options.gateway, options.agent, secret, options.scope)
        : await userToken(options.gateway, options.agent, secret, options.user, options.scope);
      io.err(`token for agent "${options.agent}"${options.user === undefined ? '' : ` acting for user "${options.user}"`} (scope: ${issued.scope || '(none)'}; expires in ${issued.expiresIn ?? '?'} s; audience ${issued.resource})`);
      io.out(issued.token);
    });
}

export interface GatewayAuthorization {
  /** The RFC 8707 resource to ask tokens for. */
  resource: string;
  issuer: string;
  tokenEndpoint: string;
  authorizationEndpoint: string | undefined;
}

/** Reads the gateway's resource metadata, then its authorization server's metadata. */
export async function findAuthorization(gatewayUrl: string): Promise<GatewayAuthorization> {
  const { base, endpointPath } = splitGatewayUrl(gatewayUrl);
  const metadataUrl = resourceMetadataUrl(base, endpointPath);
  let response: Response;
  try {
    response = await fetch(metadataUrl, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new TokenCommandError(`no gateway answers at ${base} (${(error as Error).message}); start one with "npm start" or pass --gateway URL`, { cause: error });
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new TokenCommandError(`${metadataUrl} answered HTTP ${response.status}: the gateway at ${base} publishes no protected resource metadata (is authentication on? a gateway started with --allow-anonymous needs no token)`);
  }
  const metadata = (await response.json()) as { resource?: unknown; authorization_servers?: unknown };
  const issuer = Array.isArray(metadata.authorization_servers) ? metadata.authorization_servers[0] : undefined;
  if (typeof metadata.resource !== 'string' || typeof issuer !== 'string') {
    throw new TokenCommandError(`${metadataUrl} names no resource or authorization server`);
  }
  let server: AuthorizationServerMetadata;
  try {
    server = await discoverAuthorizationServer(issuer);
  } catch (error) {
    throw new TokenCommandError(`the gateway's authorization server ${issuer} did not answer with its metadata (${(error as Error).message})`, { cause: error });
  }
  if (typeof server.token_endpoint !== 'string') throw new TokenCommandError(`the authorization server ${issuer} publishes no token endpoint`);
  return { resource: metadata.resource, issuer, tokenEndpoint: server.token_endpoint, authorizationEndpoint: server.authorization_endpoint };
}

export async function agentToken(gatewayUrl: string, agent: string, secret: string, scope?: string): Promise<{ token: string; scope: string; expiresIn: number | undefined; resource: string }> {
  const found = await findAuthorization(gatewayUrl);
  try {
    const response = await requestToken(found.tokenEndpoint, { grant_type: 'client_credentials', resource: found.resource, scope }, { clientId: agent, clientSecret: secret });
    return { token: response.access_token, scope: response.scope ?? '', expiresIn: response.expires_in, resource: found.resource };
  } catch (error) {
    throw new TokenCommandError(`the authorization server refused a token for agent "${agent}": ${(error as Error).message}`, { cause: error });
  }
}

/** An agent's token acting for a demo user, by a headless authorization code login (embedded IdP with auto-login only). */
export async function userToken(gatewayUrl: string, agent: string, secret: string, user: string, scope?: string): Promise<{ token: string; scope: string; expiresIn: number | undefined; resource: string }> {
  const found = await findAuthorization(gatewayUrl);
  if (found.authorizationEndpoint === undefined) throw new TokenCommandError(`the authorization server ${found.issuer} has no authorization endpoint`);
  const requested = scope ?? await delegableScope(found.issuer, agent, user);
  try {
    const response = await loginDemoUser({
      issuer: found.issuer,
      authorizationEndpoint: found.authorizationEndpoint,
      tokenEndpoint: found.tokenEndpoint,
      clientId: agent,
      clientSecret: secret,
      user,
      resource: found.resource,
      ...(requested === undefined ? {} : { scope: requested }),
    });
    return { token: response.access_token, scope: response.scope ?? '', expiresIn: response.expires_in, resource: found.resource };
  } catch (error) {
    throw new TokenCommandError(`no token for agent "${agent}" acting for "${user}": ${(error as Error).message}`, { cause: error });
  }
}

/**
 * What the token can carry: the agent's scopes that the user may delegate.
 * The embedded provider refuses a request for more (`invalid_scope`), so
 * without `--scope` the command asks for exactly that, read from the
 * provider's listing (the demo directory's when the listing is unreachable).
 */
async function delegableScope(issuer: string, agent: string, user: string): Promise<string | undefined> {
  const listing = await fetch(`${issuer}${AGENT_LISTING_PATH}`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) })
    .then(async (response) => (response.status === 200 ? (await response.json()) as { agents?: { name?: unknown; scopes?: unknown }[]; users?: { id?: unknown; scopes?: unknown }[] } : undefined))
    .catch(() => undefined);
  const listed = (value: unknown) => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined);
  const agentScopes = listed(listing?.agents?.find((candidate) => candidate.name === agent)?.scopes) ?? DEMO_AGENTS.find((candidate) => candidate.name === agent)?.scopes;
  if (agentScopes === undefined) return undefined;
  const userScopes = listed(listing?.users?.find((candidate) => candidate.id === user)?.scopes) ?? DEMO_USERS.find((candidate) => candidate.id === user)?.scopes;
  return (userScopes === undefined ? agentScopes : agentScopes.filter((scope) => userScopes.includes(scope))).join(' ');
}

export async function listAgents(gatewayUrl: string): Promise<string[]> {
  const { issuer } = await findAuthorization(gatewayUrl);
  const listing = `${issuer}${AGENT_LISTING_PATH}`;
  const response = await fetch(listing, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) }).catch((error: unknown) => {
    throw new TokenCommandError(`${listing} could not be reached (${(error as Error).message})`, { cause: error });
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new TokenCommandError(`the authorization server ${issuer} is not Gatehouse's embedded identity provider, so agents are listed there, not here`);
  }
  const body = (await response.json()) as { agents?: { name?: unknown }[] };
  return (body.agents ?? []).map((agent) => String(agent.name));
}

/** `http://h:8080` -> base + `/mcp`; `http://h:8080/servers/crm/mcp` keeps its endpoint. */
function splitGatewayUrl(gatewayUrl: string): { base: string; endpointPath: string } {
  if (!URL.canParse(gatewayUrl)) throw new TokenCommandError(`--gateway expects a URL such as ${DEFAULT_GATEWAY_URL}, got "${gatewayUrl}"`);
  const url = new URL(gatewayUrl);
  const path = url.pathname.replace(/\/$/, '');
  const endpoint = /(\/servers\/[^/]+\/mcp|\/mcp)$/.exec(path);
  if (endpoint === null) return { base: `${url.origin}${path}`, endpointPath: '/mcp' };
  return { base: `${url.origin}${path.slice(0, endpoint.index)}`, endpointPath: endpoint[1]! };
}
