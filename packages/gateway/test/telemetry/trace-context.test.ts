// Reading and writing W3C trace context: which traceparent values are valid,
// which carrier wins, and that writing never changes the caller's objects.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readTraceCarrier, traceIdOf, withHeaderCarrier, writeMetaCarrier } from '../../src/telemetry/trace-context.ts';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const VALID = `00-${TRACE_ID}-b7ad6b7169203331-01`;

describe('traceIdOf', () => {
  const cases: Array<[string, string | undefined]> = [
    [VALID, TRACE_ID],
    [`00-${TRACE_ID}-b7ad6b7169203331-00`, TRACE_ID],
    [` ${VALID} `, TRACE_ID],
    [`01-${TRACE_ID}-b7ad6b7169203331-01-future-field`, TRACE_ID],
    [`00-${TRACE_ID}-b7ad6b7169203331-01-extra`, undefined],
    [`ff-${TRACE_ID}-b7ad6b7169203331-01`, undefined],
    [`00-${'0'.repeat(32)}-b7ad6b7169203331-01`, undefined],
    [`00-${TRACE_ID}-${'0'.repeat(16)}-01`, undefined],
    [`00-${TRACE_ID.toUpperCase()}-b7ad6b7169203331-01`, undefined],
    ['00-short-b7ad6b7169203331-01', undefined],
    ['', undefined],
  ];
  for (const [value, expected] of cases) {
    it(`${expected === undefined ? 'rejects' : 'accepts'} ${JSON.stringify(value)}`, () => assert.equal(traceIdOf(value), expected));
  }
});

describe('readTraceCarrier', () => {
  it('takes _meta before the HTTP headers, with its own tracestate and baggage', () => {
    const other = `00-${'1'.repeat(32)}-b7ad6b7169203331-01`;
    const carrier = readTraceCarrier({ traceparent: other, tracestate: 'h=1' }, { traceparent: VALID, tracestate: 'm=1', baggage: 'k=v' });
    assert.deepEqual(carrier, { source: 'meta', traceparent: VALID, tracestate: 'm=1', baggage: 'k=v', traceId: TRACE_ID, parentSpanId: 'b7ad6b7169203331', isSampled: true });
  });

  it('falls back to the headers when _meta has no valid traceparent', () => {
    const carrier = readTraceCarrier({ traceparent: VALID, tracestate: 'h=1', baggage: 'a=1' }, { traceparent: 'garbage' });
    assert.deepEqual(carrier, { source: 'headers', traceparent: VALID, tracestate: 'h=1', baggage: 'a=1', traceId: TRACE_ID, parentSpanId: 'b7ad6b7169203331', isSampled: true });
  });

  it('reads the caller\'s sampled flag from the low bit of the trace flags', () => {
    const unsampled = readTraceCarrier({ traceparent: VALID.replace(/-01$/, '-00') }, undefined);
    const otherBits = readTraceCarrier({ traceparent: VALID.replace(/-01$/, '-03') }, undefined);
    assert.equal(unsampled?.isSampled, false);
    assert.equal(otherBits?.isSampled, true);
  });

  it('joins repeated tracestate and baggage header lines with commas', () => {
    const carrier = readTraceCarrier({ traceparent: VALID, tracestate: ['a=1', 'b=2'] as unknown as string, baggage: ['x=1', 'y=2'] as unknown as string }, undefined);
    assert.equal(carrier?.tracestate, 'a=1,b=2');
    assert.equal(carrier?.baggage, 'x=1,y=2');
  });

  it('ignores non-string _meta values and reports nothing without a valid traceparent', () => {
    assert.equal(readTraceCarrier(undefined, { traceparent: 7 }), undefined);
    assert.equal(readTraceCarrier({}, 'not an object'), undefined);
    assert.equal(readTraceCarrier({ traceparent: 'nope' }, null), undefined);
    const carrier = readTraceCarrier(undefined, { traceparent: VALID, tracestate: 5, baggage: {} });
    assert.equal(carrier?.tracestate, undefined);
    assert.equal(carrier?.baggage, undefined);
  });
});

describe('writing a carrier', () => {
  it('replaces the trace keys in a copy of _meta and drops stale tracestate and baggage', () => {
    const clientMeta = { 'io.example/x': 1, traceparent: 'old', tracestate: 'old=1', baggage: 'old=1' };
    const params: Record<string, unknown> = { name: 't', _meta: clientMeta };
    writeMetaCarrier(params, VALID, undefined, undefined);
    assert.deepEqual(params._meta, { 'io.example/x': 1, traceparent: VALID });
    assert.equal(clientMeta.traceparent, 'old');
  });

  it('creates _meta when the params had none', () => {
    const params: Record<string, unknown> = {};
    writeMetaCarrier(params, VALID, 'a=1', 'k=v');
    assert.deepEqual(params, { _meta: { traceparent: VALID, tracestate: 'a=1', baggage: 'k=v' } });
  });

  it('adds the headers to a new object and leaves the input alone', () => {
    const input = { accept: 'application/json', tracestate: 'stale=1' };
    assert.deepEqual(withHeaderCarrier(input, VALID, undefined, 'k=v'), { accept: 'application/json', traceparent: VALID, baggage: 'k=v' });
    assert.deepEqual(input, { accept: 'application/json', tracestate: 'stale=1' });
    assert.deepEqual(withHeaderCarrier(undefined, VALID, 'a=1', undefined), { traceparent: VALID, tracestate: 'a=1' });
  });
});
