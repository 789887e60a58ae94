// The process logger: secrets never reach a line, every line of an exchange
// carries its ids, and each finished exchange is logged at the seed's level.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, silentLogger } from '../../src/telemetry/logger.ts';
import { exchangeLogger, logExchange } from '../../src/telemetry/exchange-log.ts';
import { isSecretHeaderName, REDACTED } from '../../src/telemetry/log-redaction.ts';
import type { ExchangeOutcome } from '../../src/telemetry/exchange-outcome.ts';

const LEVEL = { info: 30, warn: 40, error: 50 } as const;

function capture(level = 'info'): { lines: () => Array<Record<string, unknown>>; raw: string[]; logger: ReturnType<typeof createLogger> } {
  const raw: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void raw.push(line) } });
  return { raw, logger, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('log redaction', () => {
  it('never writes authorization headers, tokens, cookies or client secrets', () => {
    const { raw, lines, logger } = capture();
    logger.info(
      {
        headers: { authorization: 'Bearer eyJ-header-token', cookie: 'sid=cookie-secret', 'x-goog-api-key': 'vendor-key-1', accept: 'application/json' },
        req: { headers: { authorization: 'Bearer req-token', 'proxy-authorization': 'Basic proxy-secret' } },
        token: 'top-level-token',
        access_token: 'oauth-access-token',
        refresh_token: 'oauth-refresh-token',
        client_secret: 'oauth-client-secret',
        credentials: { password: 'hunter2', clientSecret: 'camel-secret' },
        params: { arguments: { customer_id: 'C-42' }, token: 'param-token' },
        config: { api_key: 'config-api-key' },
      },
      'backend call with secrets around',
    );
    const line = raw.join('');
    for (const secret of ['eyJ-header-token', 'cookie-secret', 'vendor-key-1', 'req-token', 'proxy-secret', 'top-level-token', 'oauth-access-token', 'oauth-refresh-token', 'oauth-client-secret', 'hunter2', 'camel-secret', 'param-token', 'config-api-key']) {
      assert.ok(!line.includes(secret), `"${secret}" leaked: ${line}`);
    }
    const [entry] = lines();
    assert.equal((entry!.headers as Record<string, unknown>).authorization, REDACTED);
    assert.equal((entry!.headers as Record<string, unknown>).accept, 'application/json', 'other headers stay');
    assert.deepEqual((entry!.params as Record<string, unknown>).arguments, { customer_id: 'C-42' });
    assert.equal(entry!.client_secret, REDACTED);
  });

  it('recognises secret header names by pattern', () => {
    for (const name of ['Authorization', 'set-cookie', 'x-api-key', 'X-Auth-Token', 'x-client-secret', 'api_key', 'x-amz-security-token']) assert.ok(isSecretHeaderName(name), name);
    for (const name of ['accept', 'content-type', 'mcp-session-id', 'traceparent', 'mcp-protocol-version']) assert.ok(!isSecretHeaderName(name), name);
  });

  it('redacts extra paths a deployment adds', () => {
    const raw: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => void raw.push(line) }, redactPaths: ['customer.ssn'] });
    logger.info({ customer: { ssn: '123-45-6789', name: 'Ana' } }, 'x');
    assert.ok(!raw.join('').includes('123-45-6789'));
    assert.ok(raw.join('').includes('Ana'));
  });

  it('still writes JSON with an ISO time, and silentLogger writes nothing', () => {
    const { lines, logger } = capture();
    logger.info('hello');
    assert.equal(lines()[0]!.msg, 'hello');
    assert.equal(lines()[0]!.name, 'gatehouse');
    assert.match(String(lines()[0]!.time), /^\d{4}-\d{2}-\d{2}T/);
    assert.equal(silentLogger.isLevelEnabled('error'), false);
  });
});

describe('exchange log lines', () => {
  const base: ExchangeOutcome = { method: 'tools/call', server: 'crm', tool: 'get_customer', status: 'success', durationSeconds: 0.0123, user: 'joe@company.com' };

  it('puts the request, session and trace ids on every line of the exchange', () => {
    const { lines, logger } = capture();
    const log = exchangeLogger(logger, 'x-1', 'sess-9', '0af7651916cd43dd8448eb211c80319c');
    log.warn('backend slow, retrying');
    logExchange(log, base);
    assert.equal(lines().length, 2);
    for (const line of lines()) {
      assert.equal(line.request_id, 'x-1');
      assert.equal(line.session_id, 'sess-9');
      assert.equal(line.trace_id, '0af7651916cd43dd8448eb211c80319c');
    }
    assert.deepEqual(
      { method: lines()[1]!.method, server: lines()[1]!.server, tool: lines()[1]!.tool, status: lines()[1]!.status, duration_ms: lines()[1]!.duration_ms, msg: lines()[1]!.msg },
      { method: 'tools/call', server: 'crm', tool: 'get_customer', status: 'success', duration_ms: 12.3, msg: 'request answered' },
    );
  });

  it('omits ids the exchange does not have', () => {
    const { lines, logger } = capture();
    exchangeLogger(logger, 'x-2', undefined, undefined).info('stateless request');
    assert.equal(lines()[0]!.request_id, 'x-2');
    assert.ok(!('session_id' in lines()[0]!));
    assert.ok(!('trace_id' in lines()[0]!));
  });

  const levels: Array<[string, Partial<ExchangeOutcome>, number, string]> = [
    ['a routine call at INFO', {}, LEVEL.info, 'request answered'],
    ['a slow call at WARN', { durationSeconds: 1.5 }, LEVEL.warn, 'slow request answered'],
    ['a denial at WARN', { status: 'denied', errorCode: -32012 }, LEVEL.warn, 'request denied'],
    ['a tool that reported an error at WARN', { status: 'error' }, LEVEL.warn, 'tool reported an error'],
    ['a backend failure at ERROR', { status: 'error', errorCode: -32010 }, LEVEL.error, 'request failed'],
    ['a dead backend behind an isError tool result at ERROR', { status: 'error', backendError: 'backend_unavailable' }, LEVEL.error, 'backend failed'],
    ['a client mistake at INFO', { status: 'invalid', errorCode: -32602 }, LEVEL.info, 'invalid request refused'],
    ['a cancellation at INFO', { status: 'cancelled' }, LEVEL.info, 'request cancelled by the client'],
  ];
  for (const [what, overrides, level, message] of levels) {
    it(`logs ${what}`, () => {
      const { lines, logger } = capture();
      logExchange(logger, { ...base, ...overrides });
      assert.equal(lines()[0]!.level, level);
      assert.equal(lines()[0]!.msg, message);
    });
  }

  it('writes nothing below the configured level', () => {
    const { raw, logger } = capture('warn');
    logExchange(logger, base);
    assert.equal(raw.length, 0);
  });
});
