// One piece of work per node: submissions merge into the pending entry, attach to running work
// that covers them, or queue one follow-up that runs after it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkQueue } from '../../../lib/workqueue.ts';
import { FakeRunner, job, queueWith, settle, track, type Job } from './fake.ts';

test('one submission runs once and settles with its result', async () => {
  const runner = new FakeRunner();
  const queue = queueWith(runner);
  const result = queue.submit('node-a', job('spot'));
  await settle();
  assert.deepEqual(runner.order, ['node-a']);
  runner.last('node-a').finish('drained');
  assert.equal(await result, 'drained');
  assert.equal(queue.size, 0);
});

test('submissions in the same turn merge into one run; every submitter gets its result', async () => {
  const runner = new FakeRunner();
  const queue = queueWith(runner, 2);
  const a = queue.submit('node-a', job('rebalance', 'cordon', 3, 900));
  const b = queue.submit('node-a', job('spot', 'drain', 0, 120));
  const c = queue.submit('node-a', job('state', 'taint', 1, 500));
  assert.equal(queue.pending, 1, 'one entry for the node');
  await settle();
  assert.equal(runner.calls.length, 1);
  assert.deepEqual(runner.last('node-a').item, { action: 'drain', priority: 0, deadline: 120, from: ['rebalance', 'spot', 'state'] });
  runner.last('node-a').finish('done');
  assert.deepEqual(await Promise.all([a, b, c]), ['done', 'done', 'done']);
});

test('a submission while the node waits for a worker merges into the pending entry', async () => {
  const runner = new FakeRunner();
  const queue = queueWith(runner, 1);
  const blocker = queue.submit('node-x', job('x'));
  await settle();
  const first = queue.submit('node-a', job('first', 'cordon'));
  await settle();
  const second = queue.submit('node-a', job('second', 'drain'));
  assert.equal(queue.pending, 1);
  runner.last('node-x').finish('x');
  await blocker;
  await settle();
  assert.deepEqual(runner.order, ['node-x', 'node-a']);
  assert.deepEqual(runner.last('node-a').item.from, ['first', 'second']);
  assert.equal(runner.last('node-a').item.action, 'drain');
  runner.last('node-a').finish('a');
  assert.deepEqual(await Promise.all([first, second]), ['a', 'a']);
});

test('a submission covered by the running work attaches to it (drain running, cordon arrives)', async () => {
  const runner = new FakeRunner();
  const queue = queueWith(runner);
  const drain = queue.submit('node-a', job('spot', 'drain'));
  await settle();
  const cordon = track(queue.submit('node-a', job('rebalance', 'cordon')));
  assert.equal(queue.pending, 0, 'no new entry');
  assert.equal(queue.running, 1);
  runner.last('node-a').finish('drained');
  assert.equal(await drain, 'drained');
  await settle();
  assert.equal(cordon.state, 'fulfilled');
  assert.equal(cordon.value, 'drained');
  assert.equal(runner.calls.length, 1, 'nothing ran again');
});

test('a submission not covered by the running work runs after it, never alongside it', async () => {
  const runner = new FakeRunner();
  const queue = queueWith(runner, 4);
  const cordon = queue.submit('node-a', job('rebalance', 'cordon'));
  await settle();
  const drain = track(queue.submit('node-a', job('spot', 'drain')));
  await settle();
  assert.equal(runner.calls.length, 1, 'the follow-up waits although workers are free');
  assert.equal(queue.running, 1);
  assert.equal(queue.pending, 1);
  assert.equal(queue.size, 2);

  runner.last('node-a').finish('cordoned');
  assert.equal(await cordon, 'cordoned');
  await settle();
  assert.equal(drain.state, 'pending', 'the follow-up does not take the earlier result');
  assert.equal(runner.calls.length, 2);
  assert.equal(runner.last('node-a').item.action, 'drain');
  runner.last('node-a').finish('drained');
  await settle();
  assert.equal(drain.value, 'drained');
  assert.equal(runner.overlapOnOneKey, false);
});

test('with a follow-up pending, covered submissions attach to the running work and others merge into the follow-up', async () => {
  const runner = new FakeRunner();
  const queue = queueWith(runner, 2);
  const first = track(queue.submit('node-a', job('one', 'cordon')));
  await settle();
  const followUp = track(queue.submit('node-a', job('two', 'drain')));
  const covered = track(queue.submit('node-a', job('three', 'taint')));
  const merged = track(queue.submit('node-a', job('four', 'drain', 0, 50)));
  assert.equal(queue.pending, 1);

  runner.last('node-a').finish('first');
  await settle();
  assert.equal(first.value, 'first');
  assert.equal(covered.value, 'first');
  assert.equal(followUp.state, 'pending');
  assert.deepEqual(runner.last('node-a').item, { action: 'drain', priority: 0, deadline: 50, from: ['two', 'four'] });

  runner.last('node-a').finish('second');
  await settle();
  assert.equal(followUp.value, 'second');
  assert.equal(merged.value, 'second');
  assert.equal(runner.calls.length, 2);
});

test('different nodes are separate pieces of work', async () => {
  const runner = new FakeRunner();
  const queue = queueWith(runner, 2);
  const a = queue.submit('node-a', job('a'));
  const b = queue.submit('node-b', job('b'));
  await settle();
  assert.deepEqual(runner.order.sort(), ['node-a', 'node-b']);
  runner.last('node-b').finish('b');
  runner.last('node-a').finish('a');
  assert.deepEqual(await Promise.all([a, b]), ['a', 'b']);
});

test('a throwing merge fails only that submission', async () => {
  const runner = new FakeRunner();
  const broken = new Error('merge failed');
  const queue = new WorkQueue<Job, string>({
    workers: 1,
    run: runner.run,
    merge: () => {
      throw broken;
    },
    covers: () => false,
    rank: (item) => ({ priority: item.priority, deadline: item.deadline }),
  });
  const ok = queue.submit('node-a', job('one'));
  await assert.rejects(queue.submit('node-a', job('two')), broken);
  await settle();
  runner.last('node-a').finish('one');
  assert.equal(await ok, 'one');
  assert.equal(runner.calls.length, 1);
});
