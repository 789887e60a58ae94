import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CLIENT_SAFE_NAME, isPlainQualifiedName, qualifyName, splitQualifiedName } from '../../src/catalog/naming.ts';

describe('catalog naming', () => {
  const table: Array<[backend: string, name: string, separator: string, expected: string]> = [
    ['crm', 'get_customer', '__', 'crm__get_customer'],
    ['salesforce-prod', 'query', '__', 'salesforce-prod__query'],
    ['crm', 'double__underscore__tool', '__', 'crm__double__underscore__tool'],
    ['a', 'b', '-', 'a-b'],
  ];
  for (const [backend, name, separator, expected] of table) {
    it(`qualifies ${backend} + ${name} with "${separator}" as ${expected} and splits it back`, () => {
      assert.equal(qualifyName(backend, name, separator), expected);
      assert.deepEqual(splitQualifiedName(expected, separator), { backend, name });
    });
  }

  it('splits at the first separator so a tool name containing the separator survives', () => {
    assert.deepEqual(splitQualifiedName('github__search__issues', '__'), { backend: 'github', name: 'search__issues' });
  });

  it('makes names with dots, slashes or spaces client-safe and distinct', () => {
    const dotted = qualifyName('crm', 'customers.get', '__');
    const slashed = qualifyName('crm', 'customers/get', '__');
    assert.match(dotted, CLIENT_SAFE_NAME);
    assert.match(slashed, CLIENT_SAFE_NAME);
    assert.notEqual(dotted, slashed);
  });

  it('keeps names over 64 characters within 64 and distinct', () => {
    const long = 'x'.repeat(80);
    const a = qualifyName('crm', `${long}a`, '__');
    const b = qualifyName('crm', `${long}b`, '__');
    assert.ok(a.length <= 64 && b.length <= 64);
    assert.notEqual(a, b);
  });

  it('refuses to split a name without a separator or with an empty side', () => {
    assert.equal(splitQualifiedName('plain', '__'), undefined);
    assert.equal(splitQualifiedName('__tool', '__'), undefined);
    assert.equal(splitQualifiedName('crm__', '__'), undefined);
  });

  const backendName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,15}$/);
  const toolName = fc.stringMatching(/^[A-Za-z0-9_.\/ -]{1,80}$/);

  it('always yields a client-safe name (property)', () => {
    fc.assert(fc.property(backendName, toolName, (backend, name) => CLIENT_SAFE_NAME.test(qualifyName(backend, name, '__'))));
  });

  it('round-trips every plain qualified name through split (property)', () => {
    fc.assert(
      fc.property(backendName, toolName, (backend, name) => {
        fc.pre(isPlainQualifiedName(backend, name, '__'));
        assert.deepEqual(splitQualifiedName(qualifyName(backend, name, '__'), '__'), { backend, name });
      }),
    );
  });

  it('never maps two different tools of one backend to one name (property)', () => {
    fc.assert(
      fc.property(backendName, toolName, toolName, (backend, first, second) => {
        fc.pre(first !== second);
        assert.notEqual(qualifyName(backend, first, '__'), qualifyName(backend, second, '__'));
      }),
    );
  });
});
