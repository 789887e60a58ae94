// A resource as a team writes it: a URI or an RFC 6570 template under a
// hierarchy (`doc://{space}/{path*}`), the scopes it needs, who may read
// which instance (per-resource authorization, applied to list, read and
// subscribe), caching hints, and the read itself. register-resource.ts does
// the rest: ETags, conditional reads, audit and metrics.

import type { CacheHint } from '@modelcontextprotocol/server';

import type { Caller } from '../identity/caller.ts';

export interface ResourceRequest {
  uri: URL;
  /** The template's variables (empty for a static URI). */
  variables: Record<string, string>;
  caller: Caller;
  signal: AbortSignal;
}

export interface ResourceContent {
  text?: string;
  /** Base64. */
  blob?: string;
  mimeType?: string;
  /** A version the server already knows (a row's revision); a hash of the content otherwise. */
  etag?: string;
}

export interface ListedResource {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
}

export interface ResourceDefinition {
  name: string;
  /** A URI (`doc://team/handbook`) or a template (`doc://{space}/{page}`). */
  uri: string;
  title?: string;
  description?: string;
  mimeType?: string;
  /** OAuth scopes the caller must carry to list, read or subscribe. */
  scopes?: readonly string[];
  /** Whether this caller may see this instance; unseen instances read as "not found", so their existence does not leak. */
  authorize?: (request: Omit<ResourceRequest, 'signal'>) => boolean | Promise<boolean>;
  /** 2026-07-28 `ttlMs` / `cacheScope` for reads (2025 clients get no cache fields: the SDK leaves them out). */
  cache?: CacheHint;
  /** For templates: the instances to list (filtered by `authorize`). */
  list?: (caller: Caller) => readonly ListedResource[] | Promise<readonly ListedResource[]>;
  /** Completion values for a template variable. */
  complete?: Record<string, (value: string) => string[]>;
  read: (request: ResourceRequest) => ResourceContent | Promise<ResourceContent>;
}

export function defineResource(definition: ResourceDefinition): ResourceDefinition {
  return definition;
}
