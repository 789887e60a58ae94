// The shipped sample data and the customer store: the PII is well-formed
// (so redaction tests exercise real patterns), and lookups, search and
// updates behave as the tools promise.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isToolError } from '@gatehouse/server-kit';

import { CustomerStore, loadSampleCustomers } from '../src/index.ts';

function passesLuhn(cardNumber: string): boolean {
  const digits = cardNumber.replace(/\D/g, '');
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return digits.length >= 13 && sum % 10 === 0;
}

describe('sample customers', () => {
  const customers = loadSampleCustomers();

  it('ships about a dozen customers with unique ids like C-1001', () => {
    assert.ok(customers.length >= 10);
    assert.equal(new Set(customers.map((customer) => customer.id)).size, customers.length);
    for (const customer of customers) assert.match(customer.id, /^C-\d{4}$/);
  });

  it('gives every customer a card number that passes the Luhn check', () => {
    for (const customer of customers) assert.ok(passesLuhn(customer.payment_card.number), customer.id);
  });

  it('gives every customer an SSN in NNN-NN-NNNN form and an email address', () => {
    for (const customer of customers) {
      assert.match(customer.ssn, /^\d{3}-\d{2}-\d{4}$/, customer.id);
      assert.match(customer.email, /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/, customer.id);
    }
  });
});

describe('CustomerStore', () => {
  it('finds a customer by id regardless of case and surrounding spaces', () => {
    assert.equal(new CustomerStore().find(' c-1004 ')?.name, 'Daniel Okafor');
  });

  it('throws a customer_not_found tool error for an unknown id', () => {
    assert.throws(
      () => new CustomerStore().get('C-42'),
      (error: unknown) => isToolError(error) && error.code === 'customer_not_found' && error.kind === 'permanent',
    );
  });

  const searches: Array<[query: string, expectedIds: string[]]> = [
    ['example.org', ['C-1002', 'C-1005', 'C-1011']],
    ['HOUSTON', ['C-1004']],
    ['555-0148', ['C-1002']],
    ['nobody-by-this-name', []],
  ];
  for (const [query, expectedIds] of searches) {
    it(`search "${query}" matches ${expectedIds.join(', ') || 'nobody'}`, () => {
      const { matches, total } = new CustomerStore().search(query, 50);
      assert.deepEqual(
        matches.map((customer) => customer.id),
        expectedIds,
      );
      assert.equal(total, expectedIds.length);
    });
  }

  it('reports the total beyond the limit', () => {
    const { matches, total } = new CustomerStore().search('example', 3);
    assert.equal(matches.length, 3);
    assert.equal(total, 12);
  });

  it('diffs only the fields that would change', () => {
    const store = new CustomerStore();
    const changes = store.diff('C-1001', { tier: 'enterprise', phone: '+1 415-555-0100' });
    assert.deepEqual(changes, [{ field: 'phone', before: '+1 415-555-0132', after: '+1 415-555-0100' }]);
    assert.equal(store.get('C-1001').phone, '+1 415-555-0132');
  });

  it('keeps each store independent of the others', () => {
    const changed = new CustomerStore();
    changed.update('C-1001', { tier: 'free' });
    assert.equal(changed.get('C-1001').tier, 'free');
    assert.equal(new CustomerStore().get('C-1001').tier, 'enterprise');
  });

  it('hands out copies, so changing a returned record does not change the store', () => {
    const store = new CustomerStore();
    store.get('C-1001').tier = 'free';
    assert.equal(store.get('C-1001').tier, 'enterprise');
  });

  it('counts segment sizes by tier', () => {
    const store = new CustomerStore();
    assert.equal(store.segmentSize('all'), 12);
    assert.equal(store.segmentSize('enterprise') + store.segmentSize('pro') + store.segmentSize('free'), 12);
  });
});
