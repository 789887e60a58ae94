// How an answer is classified for metrics, logs and spans alike.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exchangeStatusOf, type ExchangeStatus } from '../../src/telemetry/exchange-outcome.ts';

describe('exchangeStatusOf', () => {
  const cases: Array<[string, unknown, number | undefined, boolean, ExchangeStatus]> = [
    ['a plain result', { content: [] }, undefined, false, 'success'],
    ['a tool result with isError', { content: [], isError: true }, undefined, false, 'error'],
    ['isError other than true', { isError: 'yes' }, undefined, false, 'success'],
    ['a backend that is down (-32010)', undefined, -32010, false, 'error'],
    ['an internal error (-32603)', undefined, -32603, false, 'error'],
    ['a backend timeout (-32011)', undefined, -32011, false, 'error'],
    ['a policy denial (-32012)', undefined, -32012, false, 'denied'],
    ['invalid params (-32602)', undefined, -32602, false, 'invalid'],
    ['an unknown method (-32601)', undefined, -32601, false, 'invalid'],
    ['an unknown session (-32001)', undefined, -32001, false, 'invalid'],
    ['a header mismatch (-32020)', undefined, -32020, false, 'invalid'],
    ['an unsupported version (-32022)', undefined, -32022, false, 'invalid'],
    ['a client that went away', undefined, -32011, true, 'cancelled'],
  ];
  for (const [what, result, code, isCancelled, expected] of cases) {
    it(`classifies ${what} as ${expected}`, () => assert.equal(exchangeStatusOf(result, code, isCancelled), expected));
  }
});
