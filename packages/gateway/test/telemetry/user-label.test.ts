// The bounded `user` label: allowlist by name, stable hash buckets for the
// rest, `anonymous` without identity.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createUserLabeler, userBucketOf, ANONYMOUS_USER_LABEL } from '../../src/telemetry/user-label.ts';

describe('user labels', () => {
  it('shows allowlisted users by name and others as a bucket', () => {
    const label = createUserLabeler({ allowlist: ['svc-reporting'], buckets: 16 });
    assert.equal(label('svc-reporting'), 'svc-reporting');
    assert.match(label('joe@company.com'), /^bucket-\d{2}$/);
  });

  it('labels a caller without identity as anonymous', () => {
    const label = createUserLabeler();
    assert.equal(label(undefined), ANONYMOUS_USER_LABEL);
    assert.equal(label(''), ANONYMOUS_USER_LABEL);
  });

  it('puts a user in the same bucket every time, as userBucketOf reports it', () => {
    const label = createUserLabeler({ buckets: 16 });
    for (const user of ['joe@company.com', 'ana@company.com', 'user:42', 'ünïcødé']) {
      assert.equal(label(user), label(user));
      assert.equal(label(user), userBucketOf(user, 16));
    }
  });

  it('matches known FNV-1a buckets, so the mapping is stable across releases', () => {
    assert.equal(userBucketOf('joe@company.com', 16), createUserLabeler({ buckets: 16 })('joe@company.com'));
    // FNV-1a 32-bit of "a" is 0xe40c292c; 0xe40c292c % 16 = 12.
    assert.equal(userBucketOf('a', 16), 'bucket-12');
    assert.equal(userBucketOf('a', 1000), `bucket-${String(0xe40c292c % 1000).padStart(3, '0')}`);
  });

  it('spreads many users over at most N buckets', () => {
    const label = createUserLabeler({ buckets: 8 });
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(label(`user-${i}`));
    assert.equal(seen.size, 8);
  });

  it('folds everyone not allowlisted into "other" with zero buckets', () => {
    const label = createUserLabeler({ allowlist: ['root'], buckets: 0 });
    assert.equal(label('root'), 'root');
    assert.equal(label('anyone'), 'other');
  });

  it('refuses a bucket count that is not a whole number from 0 to 1024', () => {
    assert.throws(() => createUserLabeler({ buckets: -1 }), RangeError);
    assert.throws(() => createUserLabeler({ buckets: 2.5 }), RangeError);
    assert.throws(() => createUserLabeler({ buckets: 5000 }), /from 0 to 1024/);
  });
});
