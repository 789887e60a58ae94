// The official suite's authorization-server scenarios (`conformance
// authorization`) against a gateway's embedded identity provider. The suite
// prints an authorization URL for a person to open in a browser and waits for
// the redirect on a callback listener of its own; this plays that browser
// (the provider's auto-login signs in its first demo user and consents), so
// the run needs no one at the keyboard.

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { CookieJar } from '../gateway/console-login.ts';
import { parseSuiteSummary, type ScenarioOutcome } from './suite-run.ts';

export interface AuthorizationRunOptions {
  /** The suite's CLI (scenarios.ts SUITES[].cli). */
  cli: string;
  /** The provider's issuer, as the gateway's resource metadata names it. */
  issuer: string;
  /** The MCP resource the token is for (RFC 8707). */
  resource: string;
  clientId: string;
  /** Absent for a public client: the suite then authenticates with PKCE alone (`none`). */
  clientSecret?: string;
  timeoutMs?: number;
}

export interface AuthorizationRunResult {
  outcomes: ScenarioOutcome[];
  output: string;
}

/** A port nobody listens on right now, for the suite's callback listener. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Follows the provider's redirects from the authorization URL, with cookies, until they reach the suite's callback, which is then called. */
async function completeInBrowser(authorizationUrl: string, callbackOrigin: string): Promise<void> {
  const jar = new CookieJar();
  let url = authorizationUrl;
  for (let hop = 0; hop < 20; hop++) {
    const response = await jar.fetch(url);
    const location = response.headers.get('location');
    if (location === null) throw new Error(`the sign-in stopped at ${url} with ${response.status}: ${(await response.text()).slice(0, 300)}`);
    url = new URL(location, url).href;
    if (url.startsWith(callbackOrigin)) {
      await fetch(url);
      return;
    }
  }
  throw new Error('the sign-in did not reach the callback within 20 redirects');
}

export async function runAuthorizationSuite(options: AuthorizationRunOptions): Promise<AuthorizationRunResult> {
  const port = await freePort();
  const callbackOrigin = `http://127.0.0.1:${port}/callback`;
  const child = spawn(process.execPath, [
    options.cli, 'authorization', '--url', options.issuer, '--client-id', options.clientId,
    ...(options.clientSecret === undefined ? [] : ['--client-secret', options.clientSecret]),
    '--resource', options.resource, '--port', String(port),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let browser: Promise<void> | undefined;
  const onOutput = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    const link = /(https?:\/\/\S+\/auth\?\S+)/.exec(output);
    if (browser === undefined && link !== null) browser = completeInBrowser(link[1]!, callbackOrigin).catch((error: unknown) => {
      output += `\n[browser] ${(error as Error).message}\n`;
    });
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  await new Promise<void>((resolve) => child.on('exit', () => resolve()));
  clearTimeout(timer);
  await browser;
  return { outcomes: parseSuiteSummary(output), output };
}
