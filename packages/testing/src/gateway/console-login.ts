// Signs in to the web console without a browser, the way a browser would:
// /console/auth/login, the issuer's authorization endpoint and its user
// picker (the embedded provider's demo users), back to the callback, with a
// cookie jar per origin. For tests of the console's backend-for-frontend
// (cookies, CSRF) and of the admin API through it.

/** Cookies per origin, as a browser keeps them (paths and expiry ignored: tests only). */
export class CookieJar {
  readonly #cookies = new Map<string, Map<string, string>>();

  store(url: string, response: Response): void {
    const origin = new URL(url).origin;
    const jar = this.#cookies.get(origin) ?? new Map<string, string>();
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';', 1);
      const separator = pair!.indexOf('=');
      const name = pair!.slice(0, separator).trim();
      const value = pair!.slice(separator + 1).trim();
      if (value === '' || /;\s*max-age=0/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    this.#cookies.set(origin, jar);
  }

  header(url: string): string | undefined {
    const jar = this.#cookies.get(new URL(url).origin);
    return jar === undefined || jar.size === 0 ? undefined : [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  get(url: string, name: string): string | undefined {
    return this.#cookies.get(new URL(url).origin)?.get(name);
  }

  /** A request with this jar's cookies for `url`, redirects not followed; the answer's cookies are kept. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = this.header(url);
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string> | undefined), ...(cookie === undefined ? {} : { cookie }) } });
    this.store(url, response);
    return response;
  }
}

export interface ConsoleLogin {
  jar: CookieJar;
  /** The callback's answer (200 and a page that moves on to the console, or 400 and why not). */
  callback: Response;
  /** The session's CSRF value, from GET /console/auth/session; undefined when the sign-in failed. */
  csrf: string | undefined;
}

/** Runs the console's sign-in as `user` (a demo user id the provider's picker offers) against the admin listener at `adminUrl`. */
export async function consoleLogin(adminUrl: string, user: string, jar = new CookieJar()): Promise<ConsoleLogin> {
  let response = await jar.fetch(`${adminUrl}/console/auth/login?return_to=/console/`);
  let url = `${adminUrl}/console/auth/login`;
  for (let hop = 0; hop < 20; hop++) {
    if (response.status >= 300 && response.status < 400) {
      url = new URL(response.headers.get('location')!, url).href;
      if (url.startsWith(`${adminUrl}/console/auth/callback`)) {
        const callback = await jar.fetch(url);
        const session = callback.status === 200 ? await jar.fetch(`${adminUrl}/console/auth/session`) : undefined;
        const csrf = session?.status === 200 ? ((await session.json()) as { csrf?: string }).csrf : undefined;
        return { jar, callback, csrf };
      }
      response = await jar.fetch(url);
      continue;
    }
    const page = await response.text();
    const form = /<form method="post" action="([^"]+\/login)"/.exec(page);
    if (response.status !== 200 || form === null) throw new Error(`the sign-in stopped at ${url} with ${response.status}: ${page.slice(0, 500)}`);
    url = new URL(form[1]!, url).href;
    response = await jar.fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ user }).toString() });
  }
  throw new Error('the sign-in did not come back to the console within 20 redirects');
}
