import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from '../../src/audit/canonical-json.ts';

describe('canonical JSON (RFC 8785)', () => {
  const cases: [string, unknown, string][] = [
    ['sorts keys by UTF-16 code units, at every depth', { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }, '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}'],
    ['orders digit keys as strings, not as array indexes', { 10: 'a', 9: 'b', a: 'c' }, '{"10":"a","9":"b","a":"c"}'],
    ['sorts keys outside the BMP by their surrogate code units (RFC 8785 section 3.2.3)', { '\u{1F600}': 1, '\uFB33': 2 }, '{"\u{1F600}":1,"\uFB33":2}'],
    ['writes numbers in their shortest round-trip form', [1e21, 1e-7, 0.1, -0, 100, 1.5e300], '[1e+21,1e-7,0.1,0,100,1.5e+300]'],
    ['escapes only what JSON requires in strings', ['"\\\n\u0001é€'], '["\\"\\\\\\n\\u0001é€"]'],
    ['drops undefined members and writes null for undefined array slots', { a: undefined, b: [undefined] }, '{"b":[null]}'],
    ['serializes a Date through its toJSON', { at: new Date(Date.UTC(2026, 4, 19)) }, '{"at":"2026-05-19T00:00:00.000Z"}'],
    ['keeps an already sorted object exactly as JSON.stringify writes it', { a: 1, b: 'x', c: [true, false] }, '{"a":1,"b":"x","c":[true,false]}'],
  ];
  for (const [behaviour, value, expected] of cases) {
    it(behaviour, () => assert.equal(canonicalJson(value), expected));
  }

  it('gives the same text whatever the key insertion order', () => {
    assert.equal(canonicalJson({ z: { b: 1, a: 2 }, a: 0 }), canonicalJson({ a: 0, z: { a: 2, b: 1 } }));
  });

  it('writes a number JSON cannot carry (a client\'s 1e400 parses to Infinity) as a {"$number"} marker, not null and not a failure', () => {
    assert.equal(canonicalJson(JSON.parse('{"amount":1e400,"debt":-1e400}')), '{"amount":{"$number":"Infinity"},"debt":{"$number":"-Infinity"}}');
    assert.equal(canonicalJson([Number.NaN]), '[{"$number":"NaN"}]');
  });

  it('still refuses values no JSON text can produce', () => {
    assert.throws(() => canonicalJson({ a: 10n }), TypeError);
  });
});
