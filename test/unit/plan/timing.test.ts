// The constants and time helpers the table is built on.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OUR_TAINT_KEYS, PRIORITY_BY_KIND, TAINT_KEY_BY_KIND } from '../../../lib/plan.ts';
import { drainDeadline, scheduledNotBefore } from '../../../lib/plan/timing.ts';
import { at } from './fixtures.ts';

test('priority: terminations first, then state change, then scheduled maintenance, then rebalance', () => {
  const p = PRIORITY_BY_KIND;
  assert.equal(p['spot-interruption'], p['asg-terminate']);
  assert.equal(p['spot-interruption'], p['capacity-reservation-interruption']);
  assert.ok(p['spot-interruption'] < p['instance-state-change']);
  assert.ok(p['instance-state-change'] < p['scheduled-change']);
  assert.ok(p['scheduled-change'] < p['rebalance-recommendation']);
  assert.ok(p['asg-launch'] < p['scheduled-change'], 'a waiting ASG scale-out goes before maintenance days away');
});

test('taint keys are NTH’s, and state change and launch have none', () => {
  assert.deepEqual(TAINT_KEY_BY_KIND, {
    'spot-interruption': 'aws-node-termination-handler/spot-itn',
    'rebalance-recommendation': 'aws-node-termination-handler/rebalance-recommendation',
    'scheduled-change': 'aws-node-termination-handler/scheduled-maintenance',
    'asg-terminate': 'aws-node-termination-handler/asg-lifecycle-termination',
    'capacity-reservation-interruption': 'aws-node-termination-handler/capacity-reservation',
  });
  assert.equal(OUR_TAINT_KEYS.length, 5);
});

test('drainDeadline keeps a future deadline and floors a past one at now + 10 s', () => {
  assert.deepEqual(drainDeadline(at(60), at(0)), at(60));
  assert.deepEqual(drainDeadline(at(10), at(0)), at(10));
  assert.deepEqual(drainDeadline(at(9), at(0)), at(10));
  assert.deepEqual(drainDeadline(at(-3600), at(0)), at(10));
});

test('scheduledNotBefore: only a start − lead in the future delays the drain', () => {
  assert.equal(scheduledNotBefore(at(7200), -1, at(0)), undefined);
  assert.equal(scheduledNotBefore(undefined, 600, at(0)), undefined);
  assert.deepEqual(scheduledNotBefore(at(7200), 3600, at(0)), at(3600));
  assert.equal(scheduledNotBefore(at(3600), 3600, at(0)), undefined);
  assert.equal(scheduledNotBefore(at(-10), 0, at(0)), undefined);
});
