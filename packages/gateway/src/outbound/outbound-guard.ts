// The one door for outbound requests whose URL a caller or a discovered
// record can influence (Client ID Metadata Documents, DCR URIs, discovered
// JWKS and introspection endpoints, discovered backends). It refuses
// internal addresses unless `outbound.allow` opens them, checks DNS answers
// after resolution and connects only to an address it checked (no
// rebinding), re-checks every redirect hop, and bounds time and size.

import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import type { Agent, buildConnector } from 'undici';
import { classifyAddress, classifyName, normalizedHost, type AddressClass } from './address-class.ts';
import { compileAllowList, EMPTY_ALLOW_LIST, type AllowList } from './allow-list.ts';
import { addressRefused, OutboundRefusedError } from './outbound-error.ts';
import { undici } from './undici-on-demand.ts';

export type Fetch = typeof globalThis.fetch;
export type Resolve = (hostname: string) => Promise<readonly LookupAddress[]>;

export interface OutboundGuardOptions {
  /** `outbound.allow`: entries (CIDR, IP, name, `*.suffix`) or a compiled list. */
  allow?: readonly string[] | AllowList;
  /** Whole request, redirects and body included. Default 10 s. */
  timeoutMs?: number;
  /** Default 1 MiB. */
  maxResponseBytes?: number;
  /** Default 3. */
  maxRedirects?: number;
  /** How names are resolved; default the system resolver (every address). Tests map names here. */
  resolve?: Resolve;
  /** Extra TLS trust anchors (PEM): tests' self-signed certificates. */
  ca?: string;
}

export interface GuardedFetchOptions {
  /** Origins the operator wrote in the config (the issuer, a configured endpoint): reached without the address check. */
  trustedOrigins?: readonly string[];
  /** Every hop must be https (Client ID Metadata Documents, DCR URIs). */
  isHttpsRequired?: boolean;
}

type Connector = buildConnector.connector;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
const CONNECT_TIMEOUT_MS = 10_000;

/** Default resolver: every A and AAAA answer, so none can hide behind the first. */
const systemResolve: Resolve = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export class OutboundGuard {
  readonly allow: AllowList;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #maxRedirects: number;
  readonly #resolve: Resolve;
  readonly #tls: { ca?: string };
  readonly #agents: Agent[] = [];

  constructor(options: OutboundGuardOptions = {}) {
    this.allow = options.allow === undefined ? EMPTY_ALLOW_LIST : Array.isArray(options.allow) ? compileAllowList(options.allow as readonly string[]) : options.allow as AllowList;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#maxResponseBytes = options.maxResponseBytes ?? 1_048_576;
    this.#maxRedirects = options.maxRedirects ?? 3;
    this.#resolve = options.resolve ?? systemResolve;
    this.#tls = options.ca === undefined ? {} : { ca: options.ca };
  }

  /** Why the address class of `address` is refused, or undefined when it may be reached. */
  refusedClass(address: string): AddressClass | undefined {
    const kind = classifyAddress(address);
    if (kind === undefined || kind === 'public') return undefined;
    return this.allow.allowsAddress(address, kind) ? undefined : kind;
  }

  /**
   * Checks what can be checked before any I/O: the scheme, and a host that
   * is an IP literal (in any spelling the URL parser accepts) or a loopback
   * or metadata name. Names are checked again, by their answers, at connect.
   */
  checkUrl(url: string | URL, options: GuardedFetchOptions = {}): URL {
    const parsed = typeof url === 'string' ? URL.parse(url) : url;
    if (parsed === null) throw new OutboundRefusedError('outbound_scheme_refused', `"${String(url)}" is not a URL; give an absolute http(s) URL`);
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && options.isHttpsRequired !== true)) {
      const expected = options.isHttpsRequired === true ? 'https' : 'http or https';
      throw new OutboundRefusedError('outbound_scheme_refused', `Refused ${parsed.protocol} URL ${parsed.href}: only ${expected} is fetched here`);
    }
    if (options.trustedOrigins?.includes(parsed.origin) === true) return parsed;
    const host = normalizedHost(parsed);
    if (isIP(host) !== 0) {
      const kind = this.refusedClass(host);
      if (kind !== undefined) throw addressRefused(parsed.host, host, kind);
    } else {
      const kind = classifyName(host);
      if (kind !== undefined && !this.allow.allowsName(host)) throw addressRefused(parsed.host, host, kind);
    }
    return parsed;
  }

  /**
   * An undici connector (for a Pool, a Client or an Agent) that resolves a
   * name itself, refuses it if any answer is internal, and hands the socket
   * only the answers it checked, so a second DNS answer cannot differ.
   */
  connector(trustedOrigins: readonly string[] = []): Connector {
    const timeout = CONNECT_TIMEOUT_MS;
    const { buildConnector } = undici();
    const direct = buildConnector({ ...this.#tls, timeout, lookup: this.#lookupFor(false) } as buildConnector.BuildOptions);
    const checked = buildConnector({ ...this.#tls, timeout, lookup: this.#lookupFor(true) } as buildConnector.BuildOptions);
    return (options, callback) => {
      const origin = `${options.protocol}//${options.host ?? options.hostname}`;
      if (trustedOrigins.includes(origin)) return direct(options, callback);
      const host = options.hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
      if (isIP(host) !== 0) {
        const kind = this.refusedClass(host);
        if (kind !== undefined) return void callback(addressRefused(options.host ?? host, host, kind), null);
        return direct(options, callback);
      }
      if (this.allow.allowsName(host)) return direct(options, callback);
      const kind = classifyName(host);
      if (kind !== undefined) return void callback(addressRefused(options.host ?? host, host, kind), null);
      return checked(options, callback);
    };
  }

  /** net.connect's `lookup`: the guard's resolver; with `isChecked`, every answer checked and the socket given only those. */
  #lookupFor(isChecked: boolean) {
    return (hostname: string, options: { all?: boolean; family?: number | string }, callback: (...args: unknown[]) => void): void => {
      this.#resolve(hostname).then((answers) => {
        if (answers.length === 0) throw Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND', hostname });
        for (const answer of isChecked ? answers : []) {
          const kind = this.refusedClass(answer.address);
          if (kind !== undefined) throw addressRefused(hostname, answer.address, kind);
        }
        const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
        const usable = family === 0 ? answers : answers.filter((answer) => answer.family === family);
        if (options.all === true) return void callback(null, usable);
        const first = usable[0];
        if (first === undefined) throw Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: 'ENOTFOUND', hostname });
        callback(null, first.address, first.family);
      }).catch((error: unknown) => callback(error));
    };
  }

  /**
   * A fetch that goes through the guard: scheme and literal checks per hop,
   * the checked connector for every connection, redirects followed by hand
   * (at most `maxRedirects`, each hop checked again; `redirect: 'manual'`
   * and `'error'` are honoured), the whole exchange within `timeoutMs` and
   * the body within `maxResponseBytes`.
   */
  fetcher(options: GuardedFetchOptions = {}): Fetch {
    // The agent (and undici with it) is made on the first fetch: most fetchers are built at startup and many never fetch.
    let agent: Agent | undefined;
    return (async (input: string | URL | Request, init: RequestInit = {}) => {
      const { Agent, fetch: undiciFetch, Headers: UndiciHeaders } = undici();
      if (agent === undefined) {
        agent = new Agent({ connect: this.connector(options.trustedOrigins) });
        this.#agents.push(agent);
      }
      const signal = init.signal === undefined || init.signal === null ? AbortSignal.timeout(this.#timeoutMs) : AbortSignal.any([init.signal, AbortSignal.timeout(this.#timeoutMs)]);
      const mode = init.redirect ?? 'follow';
      let url = this.checkUrl(typeof input === 'string' || input instanceof URL ? input : input.url, options);
      let method = (init.method ?? 'GET').toUpperCase();
      let body = init.body;
      const headers = new UndiciHeaders(init.headers as ConstructorParameters<typeof UndiciHeaders>[0]);
      for (let hop = 0; ; hop++) {
        const response = await undiciFetch(url, { ...(init as object), method, headers, body: body as never, redirect: 'manual', signal, dispatcher: agent });
        const location = response.headers.get('location');
        if (!REDIRECTS.has(response.status) || location === null || mode === 'manual') return this.#bounded(response as unknown as Response, url) as Response;
        await response.body?.cancel();
        if (mode === 'error') throw new OutboundRefusedError('outbound_too_many_redirects', `${url.href} redirected to ${location}, and this request does not follow redirects`);
        if (hop >= this.#maxRedirects) throw new OutboundRefusedError('outbound_too_many_redirects', `${url.href} redirected more than ${this.#maxRedirects} times; fetch the final URL directly`);
        const next = this.checkUrl(new URL(location, url), options);
        if (url.protocol === 'https:' && next.protocol === 'http:') throw new OutboundRefusedError('outbound_scheme_refused', `${url.href} redirected from https to ${next.href}; a redirect never downgrades to http`);
        // Fetch standard, HTTP-redirect fetch: 303 (and 301/302 after POST) continue as GET without a body.
        if (response.status === 303 ? method !== 'HEAD' : (response.status === 301 || response.status === 302) && method === 'POST') {
          method = 'GET';
          body = undefined;
          headers.delete('content-type');
        }
        if (next.origin !== url.origin) {
          headers.delete('authorization');
          headers.delete('cookie');
        }
        url = next;
      }
    }) as Fetch;
  }

  #bounded(response: Response, url: URL): Response {
    const limit = this.#maxResponseBytes;
    const tooLarge = () => new OutboundRefusedError('outbound_response_too_large', `The answer of ${url.href} is larger than ${limit} bytes; the gateway reads at most that much from such URLs`);
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > limit) {
      void response.body?.cancel();
      throw tooLarge();
    }
    if (response.body === null || NULL_BODY.has(response.status)) return response;
    let received = 0;
    const counted = response.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        received += chunk.byteLength;
        if (received > limit) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }));
    return new (undici().Response)(counted as never, { status: response.status, statusText: response.statusText, headers: response.headers as never }) as unknown as Response;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#agents.splice(0).map((agent) => agent.close()));
  }
}
