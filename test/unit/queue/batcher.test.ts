// RequestBatcher: requests gathered for a window go out in batches of at most ten; each submitter
// learns its own entry's fate, and a failed call fails every entry of its batch.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestBatcher, type BatchEntry } from '../../../lib/queue/batcher.ts';

/** A sender that records each batch and answers with the failures `fail` picks. */
function recordingSender(fail: (entry: BatchEntry<string>) => string | undefined = () => undefined) {
  const batches: BatchEntry<string>[][] = [];
  const send = (entries: BatchEntry<string>[]): Promise<Map<string, string>> => {
    batches.push(entries);
    const failed = new Map<string, string>();
    for (const entry of entries) {
      const reason = fail(entry);
      if (reason !== undefined) failed.set(entry.id, reason);
    }
    return Promise.resolve(failed);
  };
  return { batches, send };
}

test('requests within the window go out together, once the window ends', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const sender = recordingSender();
  const batcher = new RequestBatcher(sender.send, 50);
  const done = [batcher.submit('a'), batcher.submit('b'), batcher.submit('c')];
  t.mock.timers.tick(49);
  assert.equal(sender.batches.length, 0, 'nothing before the window ends');
  t.mock.timers.tick(1);
  await Promise.all(done);
  assert.deepEqual(sender.batches.map((b) => b.map((e) => e.item)), [['a', 'b', 'c']]);
  const ids = sender.batches[0]?.map((e) => e.id) ?? [];
  assert.equal(new Set(ids).size, 3, 'entry IDs are distinct within a batch');
});

test('the tenth request sends at once, without waiting for the window', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const sender = recordingSender();
  const batcher = new RequestBatcher(sender.send, 1000);
  const done = Array.from({ length: 10 }, (_, i) => batcher.submit(`m${i}`));
  assert.equal(sender.batches.length, 1);
  assert.equal(sender.batches[0]?.length, 10);
  await Promise.all(done);
  // The next request starts a new window rather than riding the old timer.
  const eleventh = batcher.submit('m10');
  t.mock.timers.tick(999);
  assert.equal(sender.batches.length, 1);
  t.mock.timers.tick(1);
  await eleventh;
  assert.deepEqual(sender.batches[1]?.map((e) => e.item), ['m10']);
});

test('25 requests in one window make batches of 10, 10 and 5', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const sender = recordingSender();
  const batcher = new RequestBatcher(sender.send, 20);
  const done = Array.from({ length: 25 }, (_, i) => batcher.submit(`m${i}`));
  t.mock.timers.tick(20);
  await Promise.all(done);
  assert.deepEqual(sender.batches.map((b) => b.length), [10, 10, 5]);
  assert.deepEqual(sender.batches.flat().map((e) => e.item), Array.from({ length: 25 }, (_, i) => `m${i}`));
  for (const batch of sender.batches) assert.equal(new Set(batch.map((e) => e.id)).size, batch.length);
});

test('a failed entry rejects only its own submitter, with the reason', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const sender = recordingSender((e) => (e.item === 'bad' ? 'ReceiptHandleIsInvalid: gone' : undefined));
  const batcher = new RequestBatcher(sender.send, 10);
  const good = batcher.submit('good');
  const bad = batcher.submit('bad');
  const other = batcher.submit('other');
  t.mock.timers.tick(10);
  await good;
  await other;
  await assert.rejects(bad, { message: 'ReceiptHandleIsInvalid: gone' });
  assert.equal(sender.batches.length, 1);
});

test('a failed call rejects every entry of that batch, and only that batch', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let calls = 0;
  const batcher = new RequestBatcher<string>(() => {
    calls += 1;
    if (calls === 1) return Promise.reject(new Error('AccessDenied'));
    return Promise.resolve(new Map<string, string>());
  }, 10);
  const first = Array.from({ length: 10 }, (_, i) => batcher.submit(`a${i}`));
  const second = [batcher.submit('b0'), batcher.submit('b1')];
  t.mock.timers.tick(10);
  const settled = await Promise.allSettled(first);
  assert.ok(settled.every((s) => s.status === 'rejected' && s.reason instanceof Error && s.reason.message === 'AccessDenied'));
  await Promise.all(second);
  assert.equal(calls, 2);
});

test('a non-Error rejection becomes an Error', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the case under test
  const batcher = new RequestBatcher<string>(() => Promise.reject('socket hang up'), 5);
  const done = batcher.submit('x');
  t.mock.timers.tick(5);
  await assert.rejects(done, (error: unknown) => error instanceof Error && error.message === 'socket hang up');
});

test('a later window makes a new batch', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const sender = recordingSender();
  const batcher = new RequestBatcher(sender.send, 10);
  const a = batcher.submit('a');
  t.mock.timers.tick(10);
  await a;
  const b = batcher.submit('b');
  t.mock.timers.tick(10);
  await b;
  assert.deepEqual(sender.batches.map((batch) => batch.map((e) => e.item)), [['a'], ['b']]);
});
