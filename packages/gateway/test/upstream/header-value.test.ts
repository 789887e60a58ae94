import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeHeaderValue, encodeHeaderValue } from '../../src/upstream/header-value.ts';

describe('encodeHeaderValue', () => {
  // The first five rows are the spec's own table (streamable-http, "Value Encoding").
  const table: Array<[string, string, string]> = [
    ['keeps plain ASCII as it is', 'us-west1', 'us-west1'],
    ['encodes non-ASCII text as Base64 of its UTF-8', 'Hello, 世界', '=?base64?SGVsbG8sIOS4lueVjA==?='],
    ['encodes a value with leading and trailing spaces', ' padded ', '=?base64?IHBhZGRlZCA=?='],
    ['encodes a value with an embedded newline', 'line1\nline2', '=?base64?bGluZTEKbGluZTI=?='],
    ['encodes a plain value that looks like the sentinel', '=?base64?literal?=', '=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?='],
    ['keeps interior spaces plain', 'get weather now', 'get weather now'],
    ['keeps a resource URI plain', 'file:///projects/myapp/config.json', 'file:///projects/myapp/config.json'],
    ['encodes a leading tab', '\tindent', `=?base64?${Buffer.from('\tindent').toString('base64')}?=`],
    ['encodes CR/LF so it cannot inject a header', 'a\r\nX-Injected: 1', `=?base64?${Buffer.from('a\r\nX-Injected: 1').toString('base64')}?=`],
    ['encodes the empty string, which would vanish on the wire', '', '=?base64??='],
    ['encodes DEL, a control character', 'a\u007fb', `=?base64?${Buffer.from('a\u007fb').toString('base64')}?=`],
  ];
  for (const [behaviour, input, expected] of table) {
    test(behaviour, () => {
      assert.equal(encodeHeaderValue(input), expected);
      assert.equal(decodeHeaderValue(expected), input);
    });
  }
});

describe('decodeHeaderValue', () => {
  test('passes a plain value through', () => {
    assert.equal(decodeHeaderValue('tools_echo'), 'tools_echo');
  });
  test('refuses Base64 without its padding', () => {
    assert.equal(decodeHeaderValue('=?base64?SGVsbG8?='), undefined);
  });
  test('refuses characters outside the Base64 alphabet', () => {
    assert.equal(decodeHeaderValue('=?base64?SGV%%G8=?='), undefined);
  });
  test('refuses a payload that is not valid UTF-8', () => {
    assert.equal(decodeHeaderValue(`=?base64?${Buffer.from([0xff, 0xfe]).toString('base64')}?=`), undefined);
  });
  test('refuses a plain value carrying a control character', () => {
    assert.equal(decodeHeaderValue('bad\u0001value'), undefined);
  });
  test('treats the markers as case-sensitive', () => {
    assert.equal(decodeHeaderValue('=?BASE64?SGk=?='), '=?BASE64?SGk=?=');
  });
});
