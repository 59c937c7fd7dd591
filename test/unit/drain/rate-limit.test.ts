// The token bucket: a burst at once, then qps per second, first come first served.
import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import { TokenBucket } from '../../../lib/kube/rate-limit.ts';

describe('TokenBucket', () => {
  test('lets a burst through at once, then one request per 1/qps', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    try {
      const bucket = new TokenBucket({ qps: 10, burst: 3 });
      const granted: number[] = [];
      bucket.onRequest((at) => granted.push(at));
      const all = Promise.all(Array.from({ length: 6 }, () => bucket.take()));
      await Promise.resolve();
      assert.deepEqual(granted, [0, 0, 0]);
      for (let i = 0; i < 3; i++) {
        mock.timers.tick(100);
        await Promise.resolve();
      }
      await all;
      assert.deepEqual(granted, [0, 0, 0, 100, 200, 300]);
      assert.equal(bucket.requestCount, 6);
    } finally {
      mock.timers.reset();
    }
  });

  test('waiters go in order, and a new caller does not jump the queue', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    try {
      const bucket = new TokenBucket({ qps: 2, burst: 1 });
      const order: string[] = [];
      await bucket.take();
      const first = bucket.take().then(() => order.push('first'));
      mock.timers.tick(250);
      const second = bucket.take().then(() => order.push('second'));
      mock.timers.tick(250);
      await first;
      assert.deepEqual(order, ['first']);
      mock.timers.tick(500);
      await second;
      assert.deepEqual(order, ['first', 'second']);
    } finally {
      mock.timers.reset();
    }
  });

  test('refills up to the burst only', async () => {
    let now = 0;
    const bucket = new TokenBucket({ qps: 100, burst: 2, now: () => now });
    now = 60_000;
    await bucket.take();
    await bucket.take();
    assert.equal(bucket.waiting, 0);
    const third = bucket.take();
    assert.equal(bucket.waiting, 1, 'a third request in the same instant waits');
    now += 10; // one token's worth at 100 qps
    await third;
    assert.equal(bucket.requestCount, 3);
  });

  test('a listener that throws does not fail the request', async () => {
    const bucket = new TokenBucket({ qps: 100, burst: 1 });
    bucket.onRequest(() => {
      throw new Error('bad metric label');
    });
    await bucket.take();
    await bucket.take(); // served from the queue, by the timer
    assert.equal(bucket.requestCount, 2);
  });

  test('rejects nonsense limits', () => {
    assert.throws(() => new TokenBucket({ qps: 0, burst: 1 }), RangeError);
    assert.throws(() => new TokenBucket({ qps: 1, burst: 0 }), RangeError);
  });
});
