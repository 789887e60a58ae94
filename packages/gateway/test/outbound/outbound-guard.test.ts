import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'undici';
import { OutboundGuard, type Resolve } from '../../src/outbound/outbound-guard.ts';
import { findOutboundRefusal } from '../../src/outbound/outbound-error.ts';
import { startCountingListener, type CountingListener } from '../fixtures/counting-listener.ts';

/** A resolver for made-up names (`.test` is reserved by RFC 6761), so DNS answers can point anywhere. */
function resolverOf(table: Record<string, string[]>): Resolve {
  return async (hostname) => {
    const addresses = table[hostname];
    if (addresses === undefined) throw Object.assign(new Error(`${hostname} not found`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string; addressClass?: string | undefined }> {
  try {
    await promise;
  } catch (error) {
    const refused = findOutboundRefusal(error);
    assert.ok(refused, `expected an outbound refusal, got ${String(error)} (${String((error as { cause?: unknown }).cause)})`);
    return refused;
  }
  assert.fail('the request went through');
}

const listeners: CountingListener[] = [];
const guards: OutboundGuard[] = [];
async function listener(handler?: Parameters<typeof startCountingListener>[0]): Promise<CountingListener> {
  const started = await startCountingListener(handler ?? ((_request, response) => void response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')));
  listeners.push(started);
  return started;
}
function guard(options: ConstructorParameters<typeof OutboundGuard>[0] = {}): OutboundGuard {
  const made = new OutboundGuard(options);
  guards.push(made);
  return made;
}
after(async () => {
  await Promise.all(guards.map((made) => made.close()));
  await Promise.all(listeners.map((made) => made.close()));
});

describe('the outbound guard', () => {
  test('refuses a loopback URL in every spelling, and no connection arrives', async () => {
    const target = await listener();
    const fetch = guard().fetcher();
    for (const host of ['127.0.0.1', '2130706433', '0x7f.1', '0177.0.0.1', '127.1', '[::ffff:127.0.0.1]', 'localhost']) {
      const refused = await refusal(fetch(`http://${host}:${target.port}/x`));
      assert.equal(refused.code, 'outbound_address_refused', host);
      assert.match(refused.message, /outbound\.allow/);
    }
    assert.equal(target.accepted(), 0);
  });

  test('refuses a name whose DNS answer is loopback, checking the answer it connects with', async () => {
    const target = await listener();
    const fetch = guard({ resolve: resolverOf({ 'rebind.test': ['127.0.0.1'] }) }).fetcher();
    const refused = await refusal(fetch(`http://rebind.test:${target.port}/x`));
    assert.equal(refused.addressClass, 'loopback');
    assert.equal(target.accepted(), 0);
  });

  test('refuses a name when any of its answers is internal, even if another is allowed', async () => {
    const target = await listener();
    const fetch = guard({ allow: ['127.0.0.1'], resolve: resolverOf({ 'mixed.test': ['127.0.0.1', '10.20.30.40'] }) }).fetcher();
    const refused = await refusal(fetch(`http://mixed.test:${target.port}/x`));
    assert.equal(refused.addressClass, 'private');
    assert.equal(target.accepted(), 0);
  });

  test('refuses a metadata name even when DNS would send it to an allowed address', async () => {
    const target = await listener();
    const fetch = guard({ allow: ['127.0.0.0/8'], resolve: resolverOf({ 'metadata.google.internal': ['127.0.0.1'] }) }).fetcher();
    const refused = await refusal(fetch(`http://metadata.google.internal:${target.port}/computeMetadata/v1/`));
    assert.equal(refused.addressClass, 'metadata');
    assert.equal(target.accepted(), 0);
  });

  test('refuses the metadata address without trying to connect', async () => {
    const started = Date.now();
    const refused = await refusal(guard({ allow: ['169.254.0.0/16'] }).fetcher()('http://169.254.169.254/latest/meta-data/'));
    assert.equal(refused.addressClass, 'metadata');
    assert.ok(Date.now() - started < 1000);
  });

  test('checks every redirect hop: an allowed host sending the fetch to loopback is refused', async () => {
    const inside = await listener();
    const outside = await listener((_request, response) => void response.writeHead(302, { location: `http://127.0.0.1:${inside.port}/secret` }).end());
    const fetch = guard({ allow: ['allowed.test'], resolve: resolverOf({ 'allowed.test': ['127.0.0.1'] }) }).fetcher();
    const refused = await refusal(fetch(`http://allowed.test:${outside.port}/start`));
    assert.equal(refused.addressClass, 'loopback');
    assert.equal(outside.accepted(), 1);
    assert.equal(inside.accepted(), 0);
  });

  test('follows at most three redirects', async () => {
    let hops = 0;
    const loop = await listener((_request, response) => void response.writeHead(302, { location: `/again-${++hops}` }).end());
    const refused = await refusal(guard({ allow: ['127.0.0.1'] }).fetcher()(`${loop.origin}/start`));
    assert.equal(refused.code, 'outbound_too_many_redirects');
    assert.equal(hops, 4);
  });

  test('refuses http where https is required', async () => {
    const fetch = guard().fetcher({ isHttpsRequired: true });
    const refused = await refusal(fetch('http://example.test/document.json'));
    assert.equal(refused.code, 'outbound_scheme_refused');
  });

  test('refuses schemes other than http and https', async () => {
    const fetch = guard().fetcher();
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'data:application/json,{}', 'gopher://example.com/']) {
      assert.equal((await refusal(fetch(url))).code, 'outbound_scheme_refused', url);
    }
  });

  test('stops reading an answer larger than the limit', async () => {
    const big = await listener((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('['.padEnd(4096, ' '));
      response.end(']'.padStart(4096, ' '));
    });
    const response = await guard({ allow: ['127.0.0.1'], maxResponseBytes: 1024 }).fetcher()(`${big.origin}/big`);
    const refused = await refusal(response.text());
    assert.equal(refused.code, 'outbound_response_too_large');
  });

  test('gives up on a server that does not answer within the time limit', async () => {
    const silent = await listener(() => undefined);
    const started = Date.now();
    await assert.rejects(guard({ allow: ['127.0.0.1'], timeoutMs: 300 }).fetcher()(`${silent.origin}/slow`), /abort|timeout/i);
    assert.ok(Date.now() - started < 3000);
  });

  test('allow-listing a CIDR lets the fetch through', async () => {
    const target = await listener();
    const response = await guard({ allow: ['127.0.0.0/8'] }).fetcher()(`${target.origin}/x`);
    assert.deepEqual(await response.json(), { ok: true });
    assert.equal(target.accepted(), 1);
  });

  test('an allow-listed name is reached whatever it resolves to', async () => {
    const target = await listener();
    const fetch = guard({ allow: ['wiki.test'], resolve: resolverOf({ 'wiki.test': ['127.0.0.1'] }) }).fetcher();
    const response = await fetch(`http://wiki.test:${target.port}/x`);
    assert.equal(response.status, 200);
    assert.equal(target.accepted(), 1);
  });

  test('an origin the operator configured is reached without the address check, and only that origin', async () => {
    const configured = await listener();
    const other = await listener();
    const fetch = guard().fetcher({ trustedOrigins: [configured.origin] });
    assert.equal((await fetch(`${configured.origin}/.well-known/openid-configuration`)).status, 200);
    await refusal(fetch(`${other.origin}/x`));
    assert.equal(configured.accepted(), 1);
    assert.equal(other.accepted(), 0);
  });

  test('a Pool built with the guard\'s connector (a discovered backend) cannot connect to loopback', async () => {
    const target = await listener();
    const pool = new Pool(target.origin, { connect: guard().connector() });
    try {
      await refusal(pool.request({ path: '/mcp', method: 'POST', body: '{}' }));
      assert.equal(target.accepted(), 0);
    } finally {
      await pool.close();
    }
  });
});
