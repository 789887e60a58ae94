// The audit page's type filter offers every operation type the gateway
// records, and no other: a type added to the record must reach the filter.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OPERATION_TYPES as GATEWAY_TYPES } from '../../gateway/src/audit/record.ts';
import { OPERATION_TYPES as CONSOLE_TYPES } from '../src/pages/audit-record.ts';

describe('the audit page\'s type filter', () => {
  it('lists exactly the gateway\'s operation types', () => {
    assert.deepEqual([...CONSOLE_TYPES].sort(), [...GATEWAY_TYPES].sort());
  });
});
