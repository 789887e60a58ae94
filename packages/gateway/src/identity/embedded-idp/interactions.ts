// The embedded IdP's login and consent step (DEVELOPMENT ONLY): with
// auto-login the demo user is signed in and consents at once, so headless
// clients and tests complete the authorization code flow; without it, a
// minimal page shows the client and its redirect host (MCP security
// considerations: CIMD clients) and asks for one click. The web console
// always gets the user picker (who signs in matters: an admin, an approver)
// and no consent page (it is the gateway's own first-party client).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { DirectoryUser } from './demo-directory.ts';

export interface InteractionOptions {
  provider: Provider;
  users: readonly DirectoryUser[];
  /** Sign in the first demo user without asking. */
  isAutoLogin: boolean;
  /** The issuer's path ('' at the root), which prefixes the interaction URLs. */
  basePath: string;
  /** Read scopes granted as far as the user holds them (embedded-idp.ts `baselineScopes`). */
  baselineScopes: ReadonlySet<string>;
  /**
   * First-party clients (the web console) that always show the user picker,
   * even with auto-login, consent without a page, and get the scopes the
   * user holds of those they ask for (the console asks for every admin role).
   */
  pickerClients?: ReadonlySet<string>;
}

/** Handles `{basePath}/interaction/{uid}[/login|/confirm]`; returns false for any other path. */
export function handleInteraction(options: InteractionOptions, request: IncomingMessage, response: ServerResponse, pathname: string): boolean {
  const prefix = `${options.basePath}/interaction/`;
  if (!pathname.startsWith(prefix)) return false;
  const action = pathname.slice(prefix.length).split('/')[1];
  serve(options, request, response, action).catch((error: unknown) => {
    if (!response.headersSent) {
      response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`Sign-in failed: ${(error as Error).message}. Start the authorization again from your client.`);
    } else {
      response.end();
    }
  });
  return true;
}

async function serve(options: InteractionOptions, request: IncomingMessage, response: ServerResponse, action: string | undefined): Promise<void> {
  const { provider } = options;
  const details = await provider.interactionDetails(request, response);
  const prompt = details.prompt.name;
  const form = action === undefined || request.method !== 'POST' ? undefined : new URLSearchParams(await readText(request));

  const isPicker = options.pickerClients?.has(String(details.params.client_id)) === true;
  if (prompt === 'login') {
    // Auto-login signs in the demo user named by login_hint (OpenID Connect Core 3.1.2.1), else the first.
    const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : undefined;
    const accountId = options.isAutoLogin && !isPicker ? (options.users.find((user) => user.id === hint) ?? options.users[0])?.id : form?.get('user') ?? undefined;
    if (accountId === undefined || !options.users.some((user) => user.id === accountId)) {
      return page(response, 'Sign in (development identity provider)', loginForm(options, details.uid));
    }
    return provider.interactionFinished(request, response, { login: { accountId } }, { mergeWithLastSubmission: false });
  }

  if (prompt === 'consent') {
    if (!options.isAutoLogin && !isPicker && action !== 'confirm') {
      return page(response, 'Allow access (development identity provider)', consentForm(options, details.uid, details.params));
    }
    const accountId = details.session?.accountId;
    const user = options.users.find((candidate) => candidate.id === accountId);
    if (user === undefined) throw new Error('the signed-in user is unknown');
    const clientId = String(details.params.client_id);
    const grant = details.grantId === undefined ? new provider.Grant({ accountId: user.id, clientId }) : (await provider.Grant.find(details.grantId))!;
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (missing.missingOIDCScope !== undefined) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims !== undefined) grant.addOIDCClaims(missing.missingOIDCClaims);
    // A user delegates at most what they hold. Asking for more is refused (RFC 6749 section
    // 4.1.2.1 invalid_scope) rather than narrowed in silence, except the baseline read scopes
    // every client asks for first, which are granted as far as the user holds them.
    const delegable = new Set(user.scopes);
    const undelegable = Object.values(missing.missingResourceScopes ?? {}).flat().filter((scope) => !delegable.has(scope) && !options.baselineScopes.has(scope));
    if (undelegable.length > 0 && !isPicker) {
      return provider.interactionFinished(request, response, {
        error: 'invalid_scope',
        error_description: `${user.id} cannot delegate ${[...new Set(undelegable)].join(', ')}; ask for at most: ${user.scopes.join(' ')}`,
      }, { mergeWithLastSubmission: false });
    }
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      const granted = scopes.filter((scope) => delegable.has(scope));
      if (granted.length > 0) grant.addResourceScope(resource, granted.join(' '));
      // The console's narrowing: the scopes the user does not hold are refused in the grant, so the provider stops asking for them.
      const refused = scopes.filter((scope) => !delegable.has(scope));
      if (refused.length > 0) grant.rejectResourceScope(resource, refused.join(' '));
    }
    const grantId = await grant.save();
    return provider.interactionFinished(request, response, details.grantId === undefined ? { consent: { grantId } } : { consent: {} }, { mergeWithLastSubmission: true });
  }
  throw new Error(`the "${prompt}" prompt is not supported by the development identity provider`);
}

function loginForm(options: InteractionOptions, uid: string): string {
  const choices = options.users.map((user) => `<option value="${escape(user.id)}">${escape(user.name)}${user.email === undefined ? '' : ` (${escape(user.email)})`}: ${escape(user.roles.join(', '))}</option>`).join('');
  return `<p><strong>Development only.</strong> No password: pick a demo user.</p>
<form method="post" action="${options.basePath}/interaction/${escape(uid)}/login"><label for="user">Demo user</label> <select id="user" name="user">${choices}</select> <button type="submit">Sign in</button></form>`;
}

function consentForm(options: InteractionOptions, uid: string, params: Record<string, unknown>): string {
  const redirect = typeof params.redirect_uri === 'string' && URL.canParse(params.redirect_uri) ? new URL(params.redirect_uri).host : '(unknown)';
  return `<p>Client <code>${escape(String(params.client_id))}</code> asks for <code>${escape(String(params.scope ?? ''))}</code>.</p>
<p>You will be sent back to <strong>${escape(redirect)}</strong>.</p>
<form method="post" action="${options.basePath}/interaction/${escape(uid)}/confirm"><button type="submit">Allow</button></form>`;
}

function page(response: ServerResponse, title: string, body: string): void {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1>${body}</body></html>`;
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  response.end(html);
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

async function readText(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 16_384) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
