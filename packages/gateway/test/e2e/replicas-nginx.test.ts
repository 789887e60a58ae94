// The scale-out proof with real processes: three `gatehouse start`
// replicas on one Redis behind nginx round robin (deploy/nginx/gatehouse.conf),
// in front of one shared HTTP backend. A client session of many calls is
// served by every replica; a replica killed with SIGKILL while it holds the
// session's GET stream loses the client nothing: it resumes on another
// replica with every event once, in order, and the session goes on.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startAll } from '@gatehouse/testing/start-all';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendScripts, startHttpBackend, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import { connectV1, firstText } from '../fixtures/clients.ts';
import { initializeLegacy, modernRequest, post } from '../fixtures/raw-http.ts';
import { SHARED_REDIS_URL, redisSkipReason, uniquePrefix } from '../fixtures/redis.ts';
import { NGINX, startNginx, startReplica, type NginxProcess, type ReplicaProcess } from '../fixtures/gateway-replicas.ts';
import { messageOf, progressOf, readEvents, type SseEvent } from '../fixtures/sse.ts';
import { openRedisConnection } from '../../src/cluster/redis-connection.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';

const nginxMissing = existsSync(NGINX) ? undefined : process.env.CI === 'true' ? assert.fail(`nginx is required under CI=true (${NGINX})`) : `nginx is not installed at ${NGINX}`;
const skip = (await redisSkipReason()) ?? nginxMissing;

const isUpdate = (event: SseEvent) => messageOf(event)?.method === 'notifications/resources/updated';

describe('three replicas behind nginx round robin, sharing Redis', { skip, timeout: 180_000 }, () => {
  let directory: string;
  let backend: HttpBackendProcess;
  let replicas: ReplicaProcess[] = [];
  let nginx: NginxProcess;
  const prefix = uniquePrefix('nginx');

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-replicas-'));
    backend = await startHttpBackend(backendScripts.v1);
    const config = `session_key_prefix: "${prefix}"\nbackends:\n  - name: crm\n    url: ${backend.url}\n`;
    replicas = await startAll(['replica-1', 'replica-2', 'replica-3'].map((id) => startReplica(directory, id, config, SHARED_REDIS_URL)), (replica) => replica.kill());
    nginx = await startNginx(replicas);
  });
  after(async () => {
    await nginx?.close();
    await Promise.all(replicas.map((replica) => replica.kill('SIGTERM')));
    await backend?.close();
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it('serves one client session of many calls on every replica', { timeout: 30_000 }, async () => {
    const before = await Promise.all(replicas.map((replica) => replica.requestCount('echo')));
    const client = await connectV1(nginx.url);
    try {
      for (let index = 0; index < 30; index++) {
        const result = await client.callTool({ name: 'crm__echo', arguments: { message: `call ${index}` } });
        assert.equal(firstText(result), `call ${index}`);
      }
    } finally {
      await client.close();
    }
    const served = (await Promise.all(replicas.map((replica) => replica.requestCount('echo')))).map((count, index) => count - before[index]!);
    assert.equal(served.reduce((sum, count) => sum + count, 0), 30);
    for (const [index, count] of served.entries()) assert.ok(count > 0, `${replicas[index]!.id} served ${count} of the 30 calls (${served.join(', ')})`);
  });

  it('delivers list changes and resource updates made through other replicas to a 2026 listen stream', { timeout: 30_000 }, async () => {
    const listen = modernRequest('listen-1', 'subscriptions/listen', { notifications: { toolsListChanged: true, resourceSubscriptions: ['test://v1/counter'] } });
    const controller = new AbortController();
    const stream = await fetch(nginx.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...listen.headers }, body: JSON.stringify(listen.body), signal: controller.signal });
    assert.equal(stream.status, 200);
    const methods: string[] = [];
    const heard = readEvents(stream, (events) => {
      methods.push(String(messageOf(events.at(-1)!)?.method));
      return methods.includes('notifications/tools/list_changed') && methods.includes('notifications/resources/updated');
    });
    const deadline = Date.now() + 5_000;
    while (!methods.includes('notifications/subscriptions/acknowledged') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const session = await initializeLegacy(nginx.url);
    const headers = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    // Sent through the round robin, so through replicas other than the one holding the listen stream too.
    for (let index = 0; index < replicas.length; index++) {
      assert.equal((await post(nginx.url, { jsonrpc: '2.0', id: index, method: 'tools/call', params: { name: 'crm__touch_resource', arguments: {} } }, headers)).status, 200);
    }
    assert.equal((await post(nginx.url, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'crm__add_tool', arguments: { name: 'added_by_listen_test' } } }, headers)).status, 200);
    await heard;
    controller.abort();
    assert.equal(methods[0], 'notifications/subscriptions/acknowledged');
    assert.equal(methods.filter((method) => method === 'notifications/resources/updated').length >= 1, true);
  });

  it('resumes the GET stream on another replica after the one holding it is killed, with no event lost or repeated', { timeout: 30_000 }, async () => {
    const session = await initializeLegacy(nginx.url);
    const headers = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    const subscribesBefore = await Promise.all(replicas.map((replica) => replica.requestCount('resources/subscribe')));

    // Round robin with one nginx worker: the GET lands on one replica, the next request on the next one.
    const first = await fetch(nginx.url, { headers: { accept: 'text/event-stream', ...headers } });
    assert.equal(first.status, 200);
    assert.equal((await post(nginx.url, { jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri: 'test://v1/counter' } }, headers)).status, 200);
    const subscribesAfter = await Promise.all(replicas.map((replica) => replica.requestCount('resources/subscribe')));
    const subscribedOn = subscribesAfter.findIndex((count, index) => count > subscribesBefore[index]!);
    const holder = replicas[(subscribedOn + replicas.length - 1) % replicas.length]!;

    const seenBefore: SseEvent[] = [];
    const firstStream = readEvents(first, (events) => (seenBefore.splice(0, seenBefore.length, ...events), false)).catch(() => seenBefore);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const touch = async (id: number) => assert.equal((await post(nginx.url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'crm__touch_resource', arguments: {} } }, headers)).status, 200);
    for (let index = 0; index < 5; index++) await touch(10 + index);
    const deadline = Date.now() + 5_000;
    while (seenBefore.filter(isUpdate).length < 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(seenBefore.filter(isUpdate).length, 5, 'the first five updates arrived live');

    await holder.kill('SIGKILL');
    await Promise.race([firstStream, new Promise((_, reject) => setTimeout(() => reject(new Error(`the GET stream did not break when ${holder.id} was killed: it was not the holder`)), 5_000))]);

    for (let index = 0; index < 5; index++) await touch(20 + index);
    const lastSeen = seenBefore.at(-1)!.id!;
    const resumed = await fetch(nginx.url, { headers: { accept: 'text/event-stream', ...headers, 'last-event-id': lastSeen } });
    assert.equal(resumed.status, 200);
    const seenAfter = await readEvents(resumed, (events) => events.filter(isUpdate).length >= 5);
    const ids = [...seenBefore, ...seenAfter].filter(isUpdate).map((event) => event.id);
    assert.deepEqual(ids, Array.from({ length: 10 }, (_, index) => `g0:${index + 1}`), 'ten updates, each once, in order, across the two connections');
    assert.equal((await post(nginx.url, { jsonrpc: '2.0', id: 99, method: 'ping' }, headers)).status, 200, 'the session goes on');
  });

  it('ends a followed call with an error when the replica running it is killed, after every event it sent, once', { timeout: 30_000 }, async () => {
    const session = await initializeLegacy(nginx.url);
    const headers = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    const controller = new AbortController();
    const call = await fetch(nginx.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: 42, method: 'tools/call', params: { name: 'crm__count', arguments: { n: 1000 }, _meta: { progressToken: 'p' } } }),
      signal: controller.signal,
    });
    const seen = await readEvents(call, (events) => events.filter((event) => progressOf(event) !== undefined).length >= 3);
    const streamId = seen.at(-1)!.id!.split(':')[0];
    const redis = openRedisConnection(SHARED_REDIS_URL, silentLogger);
    let owner: { replica: string; id: number };
    try {
      while (!redis.isReady) await new Promise((resolve) => setTimeout(resolve, 20));
      owner = JSON.parse(String(await redis.commands.sendCommand(['GET', `${prefix}ev:${session}:${streamId}:owner`]))) as typeof owner;
    } finally {
      await redis.close();
    }
    assert.equal(owner.id, 42);
    const running = replicas.find((replica) => owner.replica.startsWith(`${replica.id}/`))!;
    await running.kill('SIGKILL');
    controller.abort();

    const resumed = await fetch(nginx.url, { headers: { accept: 'text/event-stream', ...headers, 'last-event-id': seen.at(-1)!.id! } });
    assert.equal(resumed.status, 200);
    const rest = await readEvents(resumed, () => false);
    const progress = [...seen, ...rest].map(progressOf).filter((value): value is number => value !== undefined);
    assert.deepEqual(progress, Array.from({ length: progress.length }, (_, index) => index + 1), 'every step sent before the kill, once, in order');
    const final = messageOf(rest.at(-1)!)!;
    assert.equal(final.id, 42);
    assert.equal(final.error.data.reason, 'replica_gone');
  });
});
