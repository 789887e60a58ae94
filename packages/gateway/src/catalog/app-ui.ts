// MCP Apps (SEP-1865, docs/extensions/apps): a tool links its interactive UI
// with `_meta.ui.resourceUri`, a `ui://` resource of the same server. Servers
// pick such URIs freely (`ui://dashboard/app.html`), so two backends often
// pick the same one. On the federated `/mcp` view the gateway puts the
// backend into the URI (`ui://{backend}/dashboard/app.html`), in the resource
// list, in the tools' links and in what resources/read returns, and takes it
// out again on the way to the backend: each tool's link reaches its own
// backend's page. The same goes for ui:// resource templates
// (`ui://{backend}/reports/{id}`), whose URIs are mapped back when read or
// subscribed to. A backend's own endpoint keeps its URIs as written.

import type { Primitive } from './backend-catalog.ts';

const UI_SCHEME = 'ui://';

/** Where older Apps SDKs put the link (a flat key); kept in step with `_meta.ui.resourceUri`. */
const FLAT_LINK_KEY = 'ui/resourceUri';

export function isUiUri(uri: string): boolean {
  return uri.startsWith(UI_SCHEME);
}

/** `ui://dashboard/app.html` of backend crm, as `/mcp` shows it: `ui://crm/dashboard/app.html`. */
export function qualifyUiUri(backend: string, uri: string): string {
  return `${UI_SCHEME}${backend}/${uri.slice(UI_SCHEME.length)}`;
}

/**
 * The backend's own URI for a ui:// URI `/mcp` shows for `backend` (the
 * inverse of qualifyUiUri); undefined when the URI is not one of its.
 */
export function upstreamUiUri(backend: string, uri: string): string | undefined {
  const prefix = `${UI_SCHEME}${backend}/`;
  return uri.startsWith(prefix) ? `${UI_SCHEME}${uri.slice(prefix.length)}` : undefined;
}

/** A resource template with a ui:// URI template, qualified by its backend as `/mcp` shows it; others unchanged. */
export function withQualifiedUiTemplate(backend: string, template: Primitive): Primitive {
  const uriTemplate = template.uriTemplate;
  return typeof uriTemplate === 'string' && isUiUri(uriTemplate) ? { ...template, uriTemplate: qualifyUiUri(backend, uriTemplate) } : template;
}

/** The link as `/mcp` shows it, when it is a ui:// URI; anything else unchanged. */
function qualifyLink(backend: string, value: unknown): unknown {
  return typeof value === 'string' && isUiUri(value) ? qualifyUiUri(backend, value) : value;
}

/** A tool whose `_meta` links a ui:// page, with the link qualified by its backend; the same object when it links none. */
export function withQualifiedUiLink(backend: string, tool: Primitive): Primitive {
  const meta = tool._meta;
  if (typeof meta !== 'object' || meta === null) return tool;
  const fields = meta as Record<string, unknown>;
  const ui = fields.ui;
  const hasNestedLink = typeof ui === 'object' && ui !== null && typeof (ui as Record<string, unknown>).resourceUri === 'string';
  const hasFlatLink = typeof fields[FLAT_LINK_KEY] === 'string';
  if (!hasNestedLink && !hasFlatLink) return tool;
  const nextMeta: Record<string, unknown> = { ...fields };
  if (hasNestedLink) nextMeta.ui = { ...(ui as Record<string, unknown>), resourceUri: qualifyLink(backend, (ui as Record<string, unknown>).resourceUri) };
  if (hasFlatLink) nextMeta[FLAT_LINK_KEY] = qualifyLink(backend, fields[FLAT_LINK_KEY]);
  return { ...tool, _meta: nextMeta };
}

/**
 * A resources/read result of the backend, as the client asked for it: the
 * contents that carry the backend's URI carry the client's. `_meta.ui`
 * (its `csp` and `permissions`) passes untouched: the host enforces it.
 */
export function withClientUri(result: Record<string, unknown>, upstreamUri: string, clientUri: string): Record<string, unknown> {
  const contents = result.contents;
  if (!Array.isArray(contents)) return result;
  return { ...result, contents: contents.map((item: unknown) => (typeof item === 'object' && item !== null && (item as Record<string, unknown>).uri === upstreamUri ? { ...item, uri: clientUri } : item)) };
}
