// messages_finished_total counts each delivery once, with the most telling result of its instances.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { combine, deferred, done, failed, forDryRun, ignored } from '../../../lib/controller/message-result.ts';

test('one instance failed: retried, counted failed, at the soonest retry asked for', () => {
  assert.deepEqual(combine([done('drain'), failed(10, 'action-error'), deferred(3, 'not-before')]),
    { outcome: { disposition: 'retry', retryAfterSeconds: 3 }, result: 'failed', reason: 'action-error' });
});

test('all done or ignored: deleted, counted by the action done', () => {
  assert.deepEqual(combine([ignored('unmanaged'), done('drain')]), { outcome: { disposition: 'delete' }, result: 'deleted', reason: 'drain' });
  assert.deepEqual(combine([ignored('node-not-found'), ignored('unmanaged')]), { outcome: { disposition: 'delete' }, result: 'ignored', reason: 'node-not-found' });
});

test('dry run leaves what would have been deleted, and says so', () => {
  assert.deepEqual(forDryRun(done('drain')), { outcome: { disposition: 'leave' }, result: 'left', reason: 'drain' });
  assert.deepEqual(forDryRun(failed(5, 'x')), failed(5, 'x'));
});
