// notification-log.ts: waiting for a notification finds one already received
// or the next to arrive, and a timeout names what did arrive.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { NotificationLog } from '../../src/clients/notification-log.ts';

describe('NotificationLog', () => {
  it('resolves at once with a matching notification already received', async () => {
    const log = new NotificationLog();
    log.record('notifications/resources/updated', { uri: 'test://a' });
    assert.deepEqual(await log.waitFor('notifications/resources/updated'), { uri: 'test://a' });
  });

  it('resolves when a matching notification arrives later', async () => {
    const log = new NotificationLog();
    const waiting = log.waitFor('notifications/message', { matching: (params) => params['level'] === 'warning' });
    log.record('notifications/message', { level: 'info' });
    log.record('notifications/message', { level: 'warning' });
    assert.deepEqual(await waiting, { level: 'warning' });
  });

  it('ignores notifications received before the given position', async () => {
    const log = new NotificationLog();
    log.record('notifications/tools/list_changed', undefined);
    const waiting = log.waitFor('notifications/tools/list_changed', { after: 1 });
    log.record('notifications/tools/list_changed', { second: true });
    assert.deepEqual(await waiting, { second: true });
  });

  it('rejects with a notification_timeout error listing what arrived', async () => {
    const log = new NotificationLog();
    log.record('notifications/message', { level: 'info' });
    await assert.rejects(log.waitFor('notifications/resources/updated', { timeoutMs: 20 }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'notification_timeout');
      assert.match(error.message, /received so far: notifications\/message/);
      return true;
    });
  });

  it('lists the params of one method in arrival order', () => {
    const log = new NotificationLog();
    log.record('notifications/message', { data: 1 });
    log.record('notifications/tools/list_changed', {});
    log.record('notifications/message', { data: 2 });
    assert.deepEqual(log.paramsOf('notifications/message'), [{ data: 1 }, { data: 2 }]);
  });
});
