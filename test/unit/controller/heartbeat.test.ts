// startHeartbeats, on mocked timers: a beat per interval, until stopped, until the limit, or until
// the lifecycle action is gone; other failures do not stop it.

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { LifecycleActionGoneError, type LifecycleActions } from '../../../lib/aws/lifecycle.ts';
import type { LifecycleActionRef } from '../../../lib/events/types.ts';
import { silentLogger } from '../../../lib/observe/logger.ts';
import { startHeartbeats, type HeartbeatOptions } from '../../../lib/controller/heartbeat.ts';

const HOOK: LifecycleActionRef = {
  autoScalingGroupName: 'nodes-a', lifecycleHookName: 'nth-terminate', lifecycleActionToken: 'token-1',
  transition: 'autoscaling:EC2_INSTANCE_TERMINATING',
};
const INSTANCE = 'i-0123456789abcdef0';

class FakeLifecycle implements LifecycleActions {
  readonly beats: { hook: LifecycleActionRef; instanceId: string; at: number }[] = [];
  /** Failures for the next beats, in order (undefined = success). */
  readonly failures: (Error | undefined)[] = [];

  heartbeat(hook: LifecycleActionRef, instanceId: string): Promise<void> {
    this.beats.push({ hook, instanceId, at: Date.now() });
    const failure = this.failures.shift();
    return failure ? Promise.reject(failure) : Promise.resolve();
  }
  complete(): Promise<void> {
    return Promise.reject(new Error('heartbeats never complete'));
  }
}

function start(t: TestContext, options: Partial<HeartbeatOptions> = {}) {
  t.mock.timers.enable({ apis: ['setInterval', 'Date'], now: 0 });
  const lifecycle = new FakeLifecycle();
  const outcomes: string[] = [];
  const stop = startHeartbeats({
    lifecycle, hook: HOOK, instanceId: INSTANCE, intervalSeconds: 10, untilSeconds: 3600, logger: silentLogger(),
    onBeat: (outcome) => outcomes.push(outcome), ...options,
  });
  t.after(stop);
  /** Moves the clock on by whole seconds and lets the beats' promises settle. */
  const advance = async (seconds: number): Promise<void> => {
    for (let s = 0; s < seconds; s++) {
      t.mock.timers.tick(1000);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { lifecycle, outcomes, stop, advance };
}

test('a heartbeat every interval, for the hook and the instance; none at once', async (t) => {
  const { lifecycle, outcomes, advance } = start(t);
  await advance(9);
  assert.equal(lifecycle.beats.length, 0);
  await advance(1);
  assert.deepEqual(lifecycle.beats, [{ hook: HOOK, instanceId: INSTANCE, at: 10_000 }]);
  await advance(20);
  assert.deepEqual(lifecycle.beats.map((b) => b.at), [10_000, 20_000, 30_000]);
  assert.deepEqual(outcomes, ['ok', 'ok', 'ok']);
});

test('stop() ends the beats', async (t) => {
  const { lifecycle, stop, advance } = start(t);
  await advance(25);
  stop();
  await advance(100);
  assert.equal(lifecycle.beats.length, 2);
  stop(); // twice is harmless
});

test('the beats end `untilSeconds` after the start', async (t) => {
  const { lifecycle, outcomes, advance } = start(t, { intervalSeconds: 10, untilSeconds: 35 });
  await advance(200);
  assert.deepEqual(lifecycle.beats.map((b) => b.at), [10_000, 20_000, 30_000]);
  assert.deepEqual(outcomes, ['ok', 'ok', 'ok']);
});

test('no beat at or after the limit itself', async (t) => {
  const { lifecycle, advance } = start(t, { intervalSeconds: 10, untilSeconds: 30 });
  await advance(100);
  assert.deepEqual(lifecycle.beats.map((b) => b.at), [10_000, 20_000]);
});

test('a gone lifecycle action ends the beats', async (t) => {
  const { lifecycle, outcomes, advance } = start(t);
  lifecycle.failures.push(undefined, new LifecycleActionGoneError('No active Lifecycle Action found with token token-1'));
  await advance(100);
  assert.equal(lifecycle.beats.length, 2);
  assert.deepEqual(outcomes, ['ok', 'gone']);
});

test('other failures are counted and the beats go on', async (t) => {
  const { lifecycle, outcomes, advance } = start(t);
  lifecycle.failures.push(new Error('Throttling'), new Error('socket hang up'));
  await advance(40);
  assert.equal(lifecycle.beats.length, 4);
  assert.deepEqual(outcomes, ['error', 'error', 'ok', 'ok']);
});

test('works without an onBeat hook', async (t) => {
  const { lifecycle, advance } = start(t, { onBeat: undefined });
  lifecycle.failures.push(new Error('Throttling'));
  await advance(20);
  assert.equal(lifecycle.beats.length, 2);
});
