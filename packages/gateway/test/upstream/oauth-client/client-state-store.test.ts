// Where the backends' OAuth client state is kept: a SQLite file that
// survives a restart and only its owner can read, and the shared Redis,
// where one replica's tokens are every replica's.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SqliteOAuthClientStateStore } from '../../../src/upstream/oauth-client/sqlite-client-state-store.ts';
import { RedisOAuthClientStateStore } from '../../../src/upstream/oauth-client/redis-client-state-store.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import type { OAuthClientState } from '../../../src/upstream/oauth-client/client-state-store.ts';

const state: OAuthClientState = {
  clientInformation: { client_id: 'client-1', issuer: 'https://as.example.com' },
  tokens: { access_token: 'at-1', token_type: 'Bearer', refresh_token: 'rt-1', expires_in: 3600, obtainedAt: 1_700_000_000_000 },
};

describe('the SQLite store of backend OAuth state', () => {
  it('keeps a backend\'s tokens across a reopen, in a file only its owner can read', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'gatehouse-oauth-store-'));
    try {
      const path = join(directory, 'state', 'backend-oauth.db');
      const first = new SqliteOAuthClientStateStore(path);
      await first.save('reports', state);
      await first.close();
      assert.equal(statSync(path).mode & 0o777, 0o600);
      const second = new SqliteOAuthClientStateStore(path);
      assert.deepEqual(await second.load('reports'), state);
      assert.equal(await second.load('other'), undefined);
      await second.close();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('the Redis store of backend OAuth state', () => {
  it('shows one replica\'s tokens to another sharing the Redis', async () => {
    const prefix = `gatehouse-test-${randomBytes(4).toString('hex')}:`;
    const writer = new RedisOAuthClientStateStore('redis://127.0.0.1:6379', prefix, silentLogger);
    const reader = new RedisOAuthClientStateStore('redis://127.0.0.1:6379', prefix, silentLogger);
    try {
      assert.equal(await reader.load('reports'), undefined);
      await writer.save('reports', state);
      assert.deepEqual(await reader.load('reports'), state);
      await writer.save('reports', {});
    } finally {
      await writer.close();
      await reader.close();
    }
  });
});
