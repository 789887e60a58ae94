// The web console's static files on the admin listener, at /console/: the
// single-page app packages/console builds to dist/. Client routes fall back
// to index.html; hashed assets are cached for a year, index.html never; every
// answer carries a CSP that allows nothing but this origin (no inline script
// or style: the build has none). The console's login is console-auth.ts.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The console's root; the same path without its slash is redirected here. */
const CONSOLE_PATH = '/console/';
const CONSOLE_BARE_PATH = CONSOLE_PATH.slice(0, -1);

/** Where `npm run build -w @gatehouse/console` writes the app (packages/console/dist). */
const DEFAULT_CONSOLE_DIRECTORY = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

/**
 * Same origin only; no inline script or style, no plugin, no framing
 * (clickjacking on approve buttons), forms post only here. `data:` images
 * for the empty favicon. connect-src 'self' covers the API and its event stream.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/** Headers every console answer carries. */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

export interface ConsoleFiles {
  /** Answers GET/HEAD under /console/ (not /console/auth/) and returns true; false for any other path. */
  serve(request: IncomingMessage, response: ServerResponse, path: string): boolean;
}

/** The file a request path names under `directory`, or undefined when it would leave it. Pure. */
export function consoleFileOf(directory: string, path: string): string | undefined {
  const relative = path === CONSOLE_BARE_PATH || path === CONSOLE_PATH ? 'index.html' : path.slice(CONSOLE_PATH.length);
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const file = normalize(join(directory, decoded));
  return file.startsWith(directory.endsWith(sep) ? directory : `${directory}${sep}`) ? file : undefined;
}

export function createConsoleFiles(directory: string = DEFAULT_CONSOLE_DIRECTORY): ConsoleFiles {
  const root = normalize(directory.endsWith(sep) ? directory : `${directory}${sep}`);
  return {
    serve(request, response, path) {
      if (path !== CONSOLE_BARE_PATH && !path.startsWith(CONSOLE_PATH)) return false;
      // Reached only when console-auth.ts is not mounted: no client at the issuer, or authentication off.
      if (path.startsWith(`${CONSOLE_PATH}auth/`)) {
        response.writeHead(503, { 'content-type': 'application/json', 'cache-control': 'no-store', ...CONSOLE_SECURITY_HEADERS });
        response.end(JSON.stringify({
          error: 'the console cannot sign in here: authentication is off, or no console client is configured at the issuer (GATEHOUSE_CONSOLE_CLIENT_ID and GATEHOUSE_CONSOLE_CLIENT_SECRET; docs/console.md)',
          code: 'console_sign_in_unavailable',
        }));
        return true;
      }
      if (path === CONSOLE_BARE_PATH) {
        response.writeHead(308, { location: CONSOLE_PATH, ...CONSOLE_SECURITY_HEADERS });
        response.end();
        return true;
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8', ...CONSOLE_SECURITY_HEADERS });
        response.end('the console serves GET and HEAD only\n');
        return true;
      }
      void sendFile(root, request, response, path).catch((error: unknown) => {
        if (!response.headersSent) {
          response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', ...CONSOLE_SECURITY_HEADERS });
          response.end(`the console could not be served: ${(error as Error).message}\n`);
        } else response.destroy();
      });
      return true;
    },
  };
}

async function sendFile(root: string, request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
  const isAsset = path.startsWith(`${CONSOLE_PATH}assets/`);
  let file = consoleFileOf(root, path);
  let found = file === undefined ? undefined : await stat(file).catch(() => undefined);
  if (found === undefined || !found.isFile()) {
    // A missing asset is a 404 (a stale page asking for an old hash); any other path is a client route of the app.
    if (isAsset || extname(path) !== '') return notFound(response, path);
    file = join(root, 'index.html');
    found = await stat(file).catch(() => undefined);
    if (found === undefined) {
      response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...CONSOLE_SECURITY_HEADERS });
      response.end('the web console is not built: run `npm run build -w @gatehouse/console` (npm start and npm test build it)\n');
      return;
    }
  }
  const type = CONTENT_TYPES[extname(file!)] ?? 'application/octet-stream';
  // Vite names assets by content hash: an asset URL never changes meaning, so it may be kept for good.
  const cache = isAsset ? 'public, max-age=31536000, immutable' : 'no-cache';
  response.writeHead(200, { 'content-type': type, 'content-length': String(found.size), 'cache-control': cache, ...CONSOLE_SECURITY_HEADERS });
  if (request.method === 'HEAD') return void response.end();
  await new Promise<void>((resolve, reject) => {
    createReadStream(file!).on('error', reject).pipe(response).on('finish', resolve).on('error', reject);
  });
}

function notFound(response: ServerResponse, path: string): void {
  response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...CONSOLE_SECURITY_HEADERS });
  response.end(`no console file ${path}\n`);
}
