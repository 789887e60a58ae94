// progress-router.ts: progress reaches the call that minted the token, in
// order, until the call closes its route.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { recordProgress } from '../../src/clients/progress-recorder.ts';
import { ProgressRouter } from '../../src/clients/progress-router.ts';

describe('ProgressRouter', () => {
  it('delivers progress to the route of its token, in order', () => {
    const router = new ProgressRouter();
    const first = recordProgress();
    const second = recordProgress();
    const firstToken = router.open(first.onprogress);
    const secondToken = router.open(second.onprogress);
    assert.notEqual(firstToken, secondToken);
    router.deliver({ progressToken: firstToken, progress: 1, total: 2 });
    router.deliver({ progressToken: secondToken, progress: 7, message: 'other call' });
    router.deliver({ progressToken: firstToken, progress: 2, total: 2 });
    assert.deepEqual(first.updates, [
      { progress: 1, total: 2 },
      { progress: 2, total: 2 },
    ]);
    assert.deepEqual(second.updates, [{ progress: 7, message: 'other call' }]);
  });

  it('refuses progress for a token it did not mint or has closed', () => {
    const router = new ProgressRouter();
    const token = router.open(() => undefined);
    router.close(token);
    assert.equal(router.deliver({ progressToken: token, progress: 1 }), false);
    assert.equal(router.deliver({ progressToken: 42, progress: 1 }), false);
  });
});
