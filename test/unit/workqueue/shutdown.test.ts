// Failures reach every submitter the work covered; drain() finishes what was submitted; close()
// aborts running work and rejects what never started.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkQueue, WorkQueueClosedError } from '../../../lib/workqueue.ts';
import { FakeRunner, job, queueWith, settle, track, type Job } from './fake.ts';

test('an error reaches every submitter attached to the failed work, and the queue goes on', async () => {
  const runner = new FakeRunner();
  const queue = queueWith(runner, 1);
  const merged = [queue.submit('node-a', job('one')), queue.submit('node-a', job('two'))];
  await settle();
  const attached = queue.submit('node-a', job('three', 'cordon'));
  const other = queue.submit('node-b', job('b'));
  const failure = new Error('eviction blocked by PDB');
  runner.last('node-a').fail(failure);
  for (const promise of [...merged, attached]) await assert.rejects(promise, failure);
  await settle();
  runner.last('node-b').finish('b');
  assert.equal(await other, 'b');
});

test('a runner that throws synchronously fails its submitters the same way', async () => {
  const failure = new Error('boom');
  const queue = new WorkQueue<Job, string>({
    workers: 1,
    run: () => {
      throw failure;
    },
    merge: (a) => a,
    covers: () => true,
    rank: () => ({ priority: 0, deadline: 0 }),
  });
  await assert.rejects(queue.submit('node-a', job('a')), failure);
  assert.equal(queue.size, 0);
});

test('close aborts running work, rejects pending work with WorkQueueClosedError and waits for running work', async () => {
  const runner = new FakeRunner();
  const queue = queueWith(runner, 1);
  const running = track(queue.submit('node-a', job('a')));
  await settle();
  const pending = queue.submit('node-b', job('b'));
  const followUp = queue.submit('node-a', job('a2', 'drain', 0, 1)); // covered → attached to running
  const call = runner.last('node-a');

  const closed = track(queue.close());
  await assert.rejects(pending, (error: unknown) => error instanceof WorkQueueClosedError && error.key === 'node-b');
  assert.equal(call.signal.aborted, true);
  assert.ok(call.signal.reason instanceof WorkQueueClosedError);
  await assert.rejects(queue.submit('node-c', job('c')), WorkQueueClosedError);
  await settle();
  assert.equal(closed.state, 'pending', 'close waits for the running work');
  assert.equal(queue.pending, 0);
  assert.equal(queue.running, 1);

  const aborted = new Error('drain aborted');
  call.fail(aborted);
  await assert.rejects(followUp, aborted);
  await settle();
  assert.equal(closed.state, 'fulfilled');
  assert.equal(running.error, aborted);
  assert.equal(runner.calls.length, 1, 'nothing started after close');
});

test('close on an idle queue resolves at once, and twice is harmless', async () => {
  const queue = queueWith(new FakeRunner(), 2);
  await queue.close();
  await queue.close();
  assert.equal(queue.size, 0);
});

test('close before the first run starts rejects it without running it', async () => {
  const runner = new FakeRunner();
  const queue = queueWith(runner, 1);
  const never = queue.submit('node-a', job('a'));
  await queue.close();
  await assert.rejects(never, WorkQueueClosedError);
  await settle();
  assert.equal(runner.calls.length, 0);
});

test('drain refuses new work, runs what was submitted, and resolves when it is done', async () => {
  const runner = new FakeRunner();
  const queue = queueWith(runner, 1);
  const a = queue.submit('node-a', job('a', 'cordon'));
  await settle();
  const b = queue.submit('node-b', job('b'));
  const a2 = queue.submit('node-a', job('a2', 'drain'));
  const drained = track(queue.drain());
  await assert.rejects(queue.submit('node-c', job('c')), WorkQueueClosedError);
  await assert.rejects(queue.submit('node-a', job('a3', 'taint')), WorkQueueClosedError);

  for (let i = 0; i < 3; i++) {
    assert.equal(drained.state, 'pending');
    runner.calls.at(-1)?.finish(runner.calls.at(-1)?.key ?? '');
    await settle();
  }
  assert.deepEqual(runner.order, ['node-a', 'node-b', 'node-a']);
  assert.deepEqual(await Promise.all([a, b, a2]), ['node-a', 'node-b', 'node-a']);
  assert.equal(drained.state, 'fulfilled');
  assert.equal(runner.calls[0]?.signal.aborted, false, 'drain does not abort');
});

test('close during drain cuts it short', async () => {
  const runner = new FakeRunner();
  const queue = queueWith(runner, 1);
  void queue.submit('node-a', job('a')).catch(() => undefined);
  const b = queue.submit('node-b', job('b'));
  await settle();
  const drained = track(queue.drain());
  const closed = queue.close();
  await assert.rejects(b, WorkQueueClosedError);
  runner.last(runner.order[0] ?? '').finish('a');
  await closed;
  await settle();
  assert.equal(drained.state, 'fulfilled');
});
