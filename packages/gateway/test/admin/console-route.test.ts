// The console's files on a real admin listener: content types, the cache
// rule (hashed assets for good, index.html revalidated), the CSP on every
// answer, index.html for client routes, and no way out of the build folder.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminServer } from '../../src/admin/admin-server.ts';
import { CONSOLE_CSP, consoleFileOf, createConsoleFiles } from '../../src/admin/console-route.ts';

describe('the console route', () => {
  let directory: string;
  let server: Server;
  let base: string;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-console-route-'));
    await mkdir(join(directory, 'dist', 'assets'), { recursive: true });
    await writeFile(join(directory, 'dist', 'index.html'), '<!doctype html><title>console</title>');
    await writeFile(join(directory, 'dist', 'assets', 'index-Ab12.js'), 'console.log(1)');
    await writeFile(join(directory, 'secret.txt'), 'outside the build');
    server = createAdminServer({ backends: () => [], isReady: () => true, console: { files: createConsoleFiles(join(directory, 'dist')) } });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(directory, { recursive: true, force: true });
  });

  it('serves index.html at /console/ with the CSP, revalidated on every load', async () => {
    const response = await fetch(`${base}/console/`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.equal(response.headers.get('content-security-policy'), CONSOLE_CSP);
    assert.match(await response.text(), /<title>console/);
  });

  it('serves a hashed asset as JavaScript, cached for a year', async () => {
    const response = await fetch(`${base}/console/assets/index-Ab12.js`);
    assert.equal(response.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  });

  it('answers a client route with index.html, and a missing asset with 404', async () => {
    assert.match(await (await fetch(`${base}/console/approvals`)).text(), /<title>console/);
    assert.equal((await fetch(`${base}/console/assets/index-Old9.js`)).status, 404);
  });

  it('says why the console cannot sign in when no sign-in is mounted (no client at the issuer)', async () => {
    const response = await fetch(`${base}/console/auth/session`);
    assert.equal(response.status, 503);
    assert.equal(((await response.json()) as { code: string }).code, 'console_sign_in_unavailable');
  });

  it('redirects /console to /console/', async () => {
    const response = await fetch(`${base}/console`, { redirect: 'manual' });
    assert.equal(response.status, 308);
    assert.equal(response.headers.get('location'), '/console/');
  });

  it('never serves a file outside the build folder', async () => {
    assert.equal((await fetch(`${base}/console/..%2fsecret.txt`)).status, 404);
    assert.equal(consoleFileOf(join(directory, 'dist'), '/console/../secret.txt'), undefined);
    assert.equal(consoleFileOf(join(directory, 'dist'), '/console/%2e%2e/secret.txt'), undefined);
  });

  it('says how to build the console when it is not built', async () => {
    const bare = createAdminServer({ backends: () => [], isReady: () => true, console: { files: createConsoleFiles(join(directory, 'nothing-here')) } });
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/console/`);
      assert.equal(response.status, 503);
      assert.match(await response.text(), /npm run build -w @gatehouse\/console/);
    } finally {
      await new Promise((resolve) => bare.close(resolve));
    }
  });
});
