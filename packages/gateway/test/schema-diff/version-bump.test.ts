import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { versionStep } from '../../src/schema-diff/version-bump.ts';

describe('versionStep', () => {
  const rows: Array<[string, string, boolean]> = [
    ['1.0.0', '2.0.0', true],
    ['1.4.2', '1.5.0', false],
    ['1.4.2', '1.4.3', false],
    ['v1.9.9', 'v2.0.0-rc.1', true],
    ['0.3.1', '0.4.0', true],
    ['0.3.1', '0.3.2', false],
    ['2.0.0', '1.0.0', false],
    ['unknown', '2.0.0', false],
  ];
  for (const [before, after, isMajor] of rows) {
    it(`${before} -> ${after} is ${isMajor ? '' : 'not '}a major step`, () => {
      assert.equal(versionStep(before, after).isMajorBump, isMajor);
    });
  }

  it('explains a version it cannot read', () => {
    assert.match(versionStep('latest', '1.0.0').reason, /cannot compare versions "latest"/);
  });
});
