// Which work starts next (priority, then deadline, then arrival) and how much runs at once.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkQueue } from '../../../lib/workqueue.ts';
import { FakeRunner, job, queueWith, settle } from './fake.ts';

/** Holds the only worker with node-x, queues the rest, then lets each run finish in turn. */
async function startOrder(submit: (queue: WorkQueue<ReturnType<typeof job>, string>) => void): Promise<string[]> {
  const runner = new FakeRunner();
  const queue = queueWith(runner, 1);
  void queue.submit('node-x', job('blocker'));
  await settle();
  submit(queue);
  await settle();
  while (runner.active > 0) {
    runner.calls.at(-1)?.finish('ok');
    await settle();
  }
  return runner.order.slice(1);
}

test('pending work starts by priority, then deadline, then arrival', async () => {
  const order = await startOrder((queue) => {
    void queue.submit('rebalance', job('r', 'cordon', 3, 100));
    void queue.submit('spot-late', job('s1', 'drain', 0, 200));
    void queue.submit('spot-soon', job('s2', 'drain', 0, 100));
    void queue.submit('asg-soon', job('a', 'drain', 0, 100));
    void queue.submit('state', job('st', 'drain', 1, 50));
  });
  assert.deepEqual(order, ['spot-soon', 'asg-soon', 'spot-late', 'state', 'rebalance']);
});

test('deadlines may be Dates', async () => {
  const runner = new FakeRunner();
  const queue = new WorkQueue<{ at: Date }, string>({
    workers: 1,
    run: (key) => runner.run(key, job(key), new AbortController().signal),
    merge: (a) => a,
    covers: () => true,
    rank: (item) => ({ priority: 0, deadline: item.at }),
  });
  void queue.submit('x', { at: new Date(0) });
  await settle();
  void queue.submit('later', { at: new Date('2025-01-02T00:00:00Z') });
  void queue.submit('invalid', { at: new Date(Number.NaN) });
  void queue.submit('sooner', { at: new Date('2025-01-01T00:00:00Z') });
  for (let i = 0; i < 4; i++) {
    runner.calls.at(-1)?.finish('ok');
    await settle();
  }
  assert.deepEqual(runner.order, ['x', 'sooner', 'later', 'invalid'], 'an invalid deadline sorts last');
});

test('a merge that makes a pending entry more urgent moves it up', async () => {
  const order = await startOrder((queue) => {
    void queue.submit('node-a', job('a', 'drain', 1, 100));
    void queue.submit('node-b', job('b-rebalance', 'cordon', 3, 100));
    void queue.submit('node-b', job('b-spot', 'drain', 0, 100));
  });
  assert.deepEqual(order, ['node-b', 'node-a']);
});

test('a pending follow-up does not block other nodes while its node runs', async () => {
  const runner = new FakeRunner();
  const queue = queueWith(runner, 2);
  void queue.submit('node-a', job('a1', 'cordon', 0));
  await settle();
  void queue.submit('node-a', job('a2', 'drain', 0)); // most urgent, but node-a is busy
  void queue.submit('node-b', job('b', 'drain', 5));
  await settle();
  assert.deepEqual(runner.order, ['node-a', 'node-b']);
  assert.equal(queue.running, 2);
  assert.equal(queue.pending, 1);
});

test('never more than `workers` runs at once, and all workers are used', async () => {
  const runner = new FakeRunner();
  const queue = queueWith(runner, 3);
  const results = Array.from({ length: 20 }, (_, i) => queue.submit(`node-${i}`, job(`${i}`, 'drain', i % 4, 1000 - i)));
  await settle();
  assert.equal(queue.running, 3);
  assert.equal(queue.pending, 17);
  // Finish runs out of start order: the second-started first, then the newest, and so on.
  let step = 0;
  while (runner.active > 0) {
    const open = runner.calls.filter((call) => runner.activeKeys.has(call.key));
    const pick = open[step++ % open.length];
    pick?.finish(pick.key);
    await settle();
    assert.ok(queue.running <= 3);
  }
  assert.equal(runner.maxActive, 3);
  assert.equal(runner.calls.length, 20);
  assert.deepEqual(await Promise.all(results), Array.from({ length: 20 }, (_, i) => `node-${i}`));
  assert.equal(queue.size, 0);
});

test('workers must be a positive integer', () => {
  const runner = new FakeRunner();
  for (const workers of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => queueWith(runner, workers), RangeError);
  }
});
