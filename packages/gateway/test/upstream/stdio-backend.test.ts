import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import { backendScripts, stdioCommand } from '../../../testing/src/backends/launch.ts';
import { ExchangeCancellation } from '../../src/exchange/exchange-cancellation.ts';
import type { JsonRpcNotification, JsonRpcRequest } from '../../src/protocol/jsonrpc.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { isBackendError, type BackendState } from '../../src/upstream/backend.ts';
import { createStdioBackend, type StdioBackendOptions } from '../../src/upstream/stdio-backend.ts';
import { call, textOf, waitForState } from './fixtures/backend-calls.ts';
import { captureLogger, LEVEL } from './fixtures/capture-logger.ts';

const clientInfo = { name: 'gatehouse-test', version: '0.0.0' };
const scriptedServer = fileURLToPath(new URL('./fixtures/scripted-stdio-server.ts', import.meta.url));
const everythingServer = fileURLToPath(import.meta.resolve('@modelcontextprotocol/server-everything/dist/index.js'));

function stdioBackend(command: { command: string; args: string[] }, overrides: Partial<StdioBackendOptions> = {}) {
  return createStdioBackend({ name: 'files', ...command, timeoutMs: 5_000, clientInfo, logger: silentLogger, ...overrides });
}

function scripted(...flags: string[]): { command: string; args: string[] } {
  return { command: 'node', args: [scriptedServer, ...flags] };
}

function listenerCount(signal: AbortSignal, type: string): number {
  return getEventListeners(signal, type).length;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('stdio backend era detection', () => {
  test('detects a 2026-07-28 backend with server/discover and sends it the envelope', async () => {
    const backend = stdioBackend(stdioCommand(backendScripts.v2));
    try {
      const handshake = await backend.connect();
      assert.equal(handshake.era, 'modern');
      assert.equal(handshake.serverInfo?.name, 'v2-backend');
      assert.equal(textOf(await backend.request(call('echo', { message: 'modern' }))), 'modern');
    } finally {
      await backend.close();
    }
  });

  test('falls back to initialize when an SDK v1 backend rejects server/discover', async () => {
    const backend = stdioBackend({ command: 'node', args: stdioCommand(backendScripts.v1).args });
    try {
      const handshake = await backend.connect();
      assert.equal(handshake.era, 'legacy');
      assert.equal(handshake.protocolVersion, '2025-11-25');
      assert.equal(textOf(await backend.request(call('echo', { message: 'legacy' }))), 'legacy');
    } finally {
      await backend.close();
    }
  });

  test('falls back to initialize when the backend never answers server/discover', async () => {
    const backend = stdioBackend(scripted('--discover=ignore'), { probeTimeoutMs: 300 });
    try {
      const started = Date.now();
      const handshake = await backend.connect();
      assert.equal(handshake.era, 'legacy');
      assert.ok(Date.now() - started >= 300);
    } finally {
      await backend.close();
    }
  });

  test('starts a fresh process and goes legacy when the backend exits on server/discover', async () => {
    const backend = stdioBackend(scripted('--discover=exit'));
    try {
      const handshake = await backend.connect();
      assert.equal(handshake.era, 'legacy');
      assert.equal(handshake.serverInfo?.name, 'scripted');
      assert.equal(textOf(await backend.request(call('echo', { message: 'second process' }))), 'second process');
    } finally {
      await backend.close();
    }
  });

  test('reports a command that cannot be started', async () => {
    const backend = stdioBackend({ command: '/nonexistent/mcp-server', args: [] });
    await assert.rejects(backend.connect(), (error) => {
      assert.ok(isBackendError(error));
      assert.equal(error.code, 'backend_unavailable');
      assert.match(error.message, /could not be started .*ENOENT/);
      return true;
    });
    assert.equal(backend.state, 'down');
    await backend.close();
  });
});

describe('stdio backend supervision', () => {
  test('rejects the pending request with backend_unavailable when the child is killed', async () => {
    const backend = stdioBackend(scripted(), { restart: { initialDelayMs: 50 } });
    try {
      await backend.connect();
      const pid = Number(textOf(await backend.request(call('pid'))));
      const pending = backend.request(call('slow', { ms: 10_000 }));
      process.kill(pid, 'SIGKILL');
      await assert.rejects(pending, (error) => {
        assert.ok(isBackendError(error));
        assert.equal(error.code, 'backend_unavailable');
        assert.match(error.message, /Backend "files" exited unexpectedly \(killed by SIGKILL\)/);
        return true;
      });
    } finally {
      await backend.close();
    }
  });

  test('restarts a killed child, redoes the handshake and serves later requests', async () => {
    const backend = stdioBackend(scripted(), { restart: { initialDelayMs: 50 } });
    try {
      await backend.connect();
      const pid = Number(textOf(await backend.request(call('pid'))));
      const states: BackendState[] = [];
      backend.onStateChange((state) => void states.push(state));
      const ready = waitForState(backend, 'ready');
      process.kill(pid, 'SIGKILL');
      await ready;
      const newPid = Number(textOf(await backend.request(call('pid'))));
      assert.notEqual(newPid, pid);
      assert.deepEqual(states, ['down', 'connecting', 'ready']);
    } finally {
      await backend.close();
    }
  });

  test('skips the probe when it restarts a backend it already found to be legacy', async () => {
    const { logger, records } = captureLogger();
    // A probe timeout well above what a restart takes on a loaded machine, so the timing below tells the two apart.
    const backend = stdioBackend(scripted('--discover=ignore'), { logger, probeTimeoutMs: 3_000, restart: { initialDelayMs: 20 } });
    try {
      await backend.connect();
      const pid = Number(textOf(await backend.request(call('pid'))));
      const ready = waitForState(backend, 'ready');
      const killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      await ready;
      assert.ok(Date.now() - killedAt < 3_000, 'the restart did not wait for a probe timeout');
      assert.equal(records.filter((record) => record.msg === 'backend is legacy; falling back to initialize').length, 1);
    } finally {
      await backend.close();
    }
  });

  test('fails fast while the child is down and waiting to restart', async () => {
    const backend = stdioBackend(scripted(), { restart: { initialDelayMs: 5_000 } });
    try {
      await backend.connect();
      const down = waitForState(backend, 'down');
      await backend.request(call('crash')).catch(() => undefined);
      await down;
      const started = Date.now();
      await assert.rejects(backend.request(call('echo', { message: 'x' })), (error) => {
        assert.ok(isBackendError(error));
        assert.equal(error.code, 'backend_unavailable');
        assert.match(error.message, /exit code 3/);
        return true;
      });
      assert.ok(Date.now() - started < 100);
    } finally {
      await backend.close();
    }
  });

  test('stops the child on close and never restarts it', async () => {
    const backend = stdioBackend(scripted(), { restart: { initialDelayMs: 10 } });
    await backend.connect();
    const pid = Number(textOf(await backend.request(call('pid'))));
    await backend.close();
    assert.equal(isAlive(pid), false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(backend.state, 'closed');
    await assert.rejects(backend.request(call('pid')), (error) => isBackendError(error) && error.code === 'backend_closed');
  });

  test('rejects with backend_timeout when the child is slower than the call timeout', async () => {
    const backend = stdioBackend(scripted());
    try {
      await backend.connect();
      await assert.rejects(backend.request({ ...call('slow', { ms: 3_000 }), timeoutMs: 150 }), (error) => {
        assert.ok(isBackendError(error));
        assert.equal(error.code, 'backend_timeout');
        return true;
      });
      assert.equal(textOf(await backend.request(call('echo', { message: 'still fine' }))), 'still fine');
    } finally {
      await backend.close();
    }
  });
});

describe('stdio backend messages', () => {
  test('logs stderr lines with the backend name', async () => {
    const { logger, records } = captureLogger();
    const backend = stdioBackend(scripted('--stderr=warming up the cache'), { logger });
    try {
      await backend.connect();
      const line = records.find((record) => record.msg === 'warming up the cache');
      assert.equal(line?.backend, 'files');
      assert.equal(line?.level, LEVEL.info);
    } finally {
      await backend.close();
    }
  });

  test('skips junk on stdout, logs it and keeps working', async () => {
    const { logger, records } = captureLogger();
    const backend = stdioBackend(scripted('--junk'), { logger });
    try {
      await backend.connect();
      assert.equal(textOf(await backend.request(call('echo', { message: 'after junk' }))), 'after junk');
      const skipped = records.find((record) => record.msg === 'skipped a stdout line that is not JSON');
      assert.equal(skipped?.level, LEVEL.warn);
      assert.equal(skipped?.backend, 'files');
    } finally {
      await backend.close();
    }
  });

  test('routes progress to the call by its progressToken, and a log message naming no call to the only call in flight', async () => {
    const backend = stdioBackend(scripted());
    try {
      await backend.connect();
      const unsolicited: JsonRpcNotification[] = [];
      backend.onNotification((notification) => void unsolicited.push(notification));
      const related: Array<JsonRpcNotification | JsonRpcRequest> = [];
      const response = await backend.request({
        method: 'tools/call',
        params: { name: 'progress', arguments: {}, _meta: { progressToken: 'tok-1' } },
        onRelatedMessage: (message) => void related.push(message),
      });
      assert.equal(textOf(response), 'progressed');
      assert.deepEqual(related.map((message) => message.method), ['notifications/progress', 'notifications/message']);
      assert.deepEqual(unsolicited.map((message) => message.method), []);
    } finally {
      await backend.close();
    }
  });

  test('delivers the progress of an SDK v1 server (server-everything) to the call that asked for it', async () => {
    const backend = stdioBackend({ command: 'node', args: [everythingServer, 'stdio'] });
    try {
      await backend.connect();
      const progress: unknown[] = [];
      const response = await backend.request({
        method: 'tools/call',
        params: { name: 'trigger-long-running-operation', arguments: { duration: 0.2, steps: 2 }, _meta: { progressToken: 99 } },
        onRelatedMessage: (message) => void progress.push(message.params?.progress),
      });
      assert.match(textOf(response), /Long running operation completed/);
      assert.deepEqual(progress, [1, 2]);
    } finally {
      await backend.close();
    }
  });

  test('relays a server request hinted by progressToken to the call, and respond() answers it', async () => {
    const backend = stdioBackend(scripted());
    try {
      await backend.connect();
      const response = await backend.request({
        method: 'tools/call',
        params: { name: 'ask', arguments: {}, _meta: { progressToken: 'tok-2' } },
        onRelatedMessage: (message) => {
          if (!('id' in message)) return;
          assert.equal(message.method, 'sampling/createMessage');
          void backend.respond({ jsonrpc: '2.0', id: message.id, result: { model: 'relay', role: 'assistant', content: { type: 'text', text: 'hi' } } });
        },
      });
      assert.equal(JSON.parse(textOf(response)).model, 'relay');
    } finally {
      await backend.close();
    }
  });

  test('answers ping, and refuses other server requests that no call can take (roots too: it never answers for a client) with -32601', async () => {
    const backend = stdioBackend(scripted());
    try {
      await backend.connect();
      const answer = JSON.parse(textOf(await backend.request(call('ask-unrelated'))));
      assert.equal(answer.sampling.code, -32601);
      assert.match(answer.sampling.message, /sampling\/createMessage refused by the gateway: it names no call of a client/);
      assert.equal(answer.roots.code, -32601);
      assert.match(answer.roots.message, /roots\/list refused by the gateway/);
      assert.deepEqual(answer.ping, {});
    } finally {
      await backend.close();
    }
  });

  test('refuses a server request that names no call while two interactive calls share the process, and says to add processes', async () => {
    const backend = stdioBackend(scripted());
    try {
      await backend.connect();
      const relayedToClients: string[] = [];
      const interactiveCall = () => backend.request({
        // Both calls are in flight on the process before either asks (a fixed pause raced a loaded machine).
        method: 'tools/call', params: { name: 'ask-blind', arguments: { together: 2 } },
        onRelatedMessage: (message) => void relayedToClients.push(message.method),
      });
      const answers = (await Promise.all([interactiveCall(), interactiveCall()])).map((response) => JSON.parse(textOf(response)).answer);
      assert.deepEqual(relayedToClients, [], 'neither client is asked a question that may be the other\'s');
      for (const answer of answers) {
        assert.equal(answer.code, -32601);
        assert.match(answer.message, /2 calls are in flight on this stdio process .* \(processes: N\)/);
      }
    } finally {
      await backend.close();
    }
  });
});

describe('stdio backend cancellation', () => {
  test("a call whose exchange is cancelled rejects with the reason, and the backend is told which request stopped", async () => {
    const backend = stdioBackend(scripted());
    try {
      await backend.connect();
      const cancellation = new ExchangeCancellation();
      const slow = backend.request({ ...call('slow', { ms: 5_000 }), signal: cancellation.signal, cancellation });
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Watched through the cancellation: no 'abort' listener on the signal while the call is in flight.
      assert.equal(listenerCount(cancellation.signal, 'abort'), 0);
      const reason = new Error('the client cancelled');
      cancellation.cancel(reason);
      await assert.rejects(slow, (error) => error === reason);
      const told = JSON.parse(textOf(await backend.request(call('cancelled')))) as number[];
      assert.equal(told.length, 1);
      assert.equal(typeof told[0], 'number');
    } finally {
      await backend.close();
    }
  });

  test('a call with only an AbortSignal is cancelled through it, and its listener is removed once the call answers', async () => {
    const backend = stdioBackend(scripted());
    try {
      await backend.connect();
      const answered = new AbortController();
      assert.equal(textOf(await backend.request({ ...call('echo', { message: 'kept' }), signal: answered.signal })), 'kept');
      assert.equal(listenerCount(answered.signal, 'abort'), 0);
      const aborted = new AbortController();
      const slow = backend.request({ ...call('slow', { ms: 5_000 }), signal: aborted.signal });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(listenerCount(aborted.signal, 'abort'), 1);
      aborted.abort(new Error('gone'));
      await assert.rejects(slow, /gone/);
      assert.equal((JSON.parse(textOf(await backend.request(call('cancelled')))) as number[]).length, 1);
    } finally {
      await backend.close();
    }
  });

  test('a call already cancelled is not sent', async () => {
    const backend = stdioBackend(scripted());
    try {
      await backend.connect();
      const cancellation = new ExchangeCancellation();
      cancellation.cancel(new Error('too late'));
      await assert.rejects(backend.request({ ...call('echo', { message: 'never' }), signal: cancellation.signal, cancellation }), /too late/);
      assert.deepEqual(JSON.parse(textOf(await backend.request(call('cancelled')))), []);
    } finally {
      await backend.close();
    }
  });
});
