import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { childEnvironment, resolveExecutable } from '../../src/upstream/stdio-child.ts';

describe('childEnvironment', () => {
  test('passes only allow-listed variables of the gateway plus the configured env', () => {
    const environment = childEnvironment({ API_URL: 'http://crm' }, { PATH: '/usr/bin', HOME: '/home/g', GATEHOUSE_ADMIN_TOKEN: 'secret' });
    assert.deepEqual(environment, { PATH: '/usr/bin', HOME: '/home/g', API_URL: 'http://crm' });
  });

  test('lets the configured env override an inherited variable', () => {
    assert.equal(childEnvironment({ PATH: '/opt/bin' }, { PATH: '/usr/bin' }).PATH, '/opt/bin');
  });

  test('drops exported shell functions', () => {
    assert.equal(childEnvironment(undefined, { SHELL: '() { :; }; echo pwned' }).SHELL, undefined);
  });
});

describe('resolveExecutable', () => {
  test("runs `node` as the gateway's own Node binary", () => {
    assert.equal(resolveExecutable('node'), process.execPath);
  });

  test('leaves any other command as configured', () => {
    assert.equal(resolveExecutable('uvx'), 'uvx');
  });
});
