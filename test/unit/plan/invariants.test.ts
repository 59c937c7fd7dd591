// Properties that hold for every row of the table, checked over random events, nodes and settings
// (the explicit rows are in the per-kind files; this catches the combinations they do not list).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { InterruptionEvent } from '../../../lib/events/types.ts';
import { MINIMUM_DRAIN_SECONDS, PRIORITY_BY_KIND, TAINT_KEY_BY_KIND, planAction } from '../../../lib/plan.ts';
import type { NodeView, PlanSettings } from '../../../lib/plan.ts';
import { INSTANCE_ID, NOW, hook } from './fixtures.ts';

const MIN = Date.UTC(2025, 0, 1);
const MAX = Date.UTC(2025, 5, 1);
const date = fc.integer({ min: MIN, max: MAX }).map((ms) => new Date(ms));
const result = fc.constantFrom('CONTINUE' as const, 'ABANDON' as const);

const settings: fc.Arbitrary<PlanSettings> = fc.record({
  cordonOnly: fc.boolean(),
  taintNode: fc.boolean(),
  taintEffect: fc.constantFrom('NoSchedule' as const, 'PreferNoSchedule' as const, 'NoExecute' as const),
  rebalanceAction: fc.constantFrom('drain' as const, 'cordon' as const, 'taint' as const, 'none' as const),
  uncordonOnRunning: fc.boolean(),
  stateChangeDrainStates: fc.subarray(['stopping', 'stopped', 'shutting-down', 'terminated', 'running']),
  scheduledChangeLeadTimeSeconds: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 7 * 86_400 })),
  nodeTerminationGracePeriodSeconds: fc.integer({ min: 0, max: 7200 }),
  launchTimeoutSeconds: fc.integer({ min: 0, max: 7200 }),
  lifecycleResultOnFailure: result,
  lifecycleResultOnNodeNotFound: result,
  deleteMessageIfNodeNotFound: fc.boolean(),
});

const node: fc.Arbitrary<NodeView | undefined> = fc.option(
  fc.record({
    name: fc.constant('ip-10-0-0-1.ec2.internal'),
    ready: fc.boolean(),
    unschedulable: fc.boolean(),
    cordonedByUs: fc.boolean(),
    ourTaints: fc.subarray(Object.values(TAINT_KEY_BY_KIND)),
  }),
  { nil: undefined },
);

const common = fc.record({
  id: fc.uuid(),
  time: date,
  instanceIds: fc.constant(INSTANCE_ID).map((id) => [id]),
  envelope: fc.constantFrom('eventbridge' as const, 'sns' as const, 'asg-direct' as const),
});

const event: fc.Arbitrary<InterruptionEvent> = fc.oneof(
  common.chain((b) => fc.constantFrom('terminate', 'stop', 'hibernate').map((instanceAction): InterruptionEvent => ({ ...b, kind: 'spot-interruption', instanceAction }))),
  common.map((b): InterruptionEvent => ({ ...b, kind: 'rebalance-recommendation' })),
  common.map((b): InterruptionEvent => ({ ...b, kind: 'capacity-reservation-interruption' })),
  common.chain((b) =>
    fc.constantFrom('pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated').map((state): InterruptionEvent => ({ ...b, kind: 'instance-state-change', state })),
  ),
  common.chain((b) =>
    fc.option(date, { nil: undefined }).map((startTime): InterruptionEvent => {
      const base = { ...b, kind: 'scheduled-change', eventTypeCode: 'AWS_EC2_SYSTEM_MAINTENANCE_EVENT' } as const;
      return startTime === undefined ? base : { ...base, startTime };
    }),
  ),
  common.map((b): InterruptionEvent => ({ ...b, kind: 'asg-terminate', lifecycle: hook('autoscaling:EC2_INSTANCE_TERMINATING') })),
  common.map((b): InterruptionEvent => ({ ...b, kind: 'asg-launch', lifecycle: hook('autoscaling:EC2_INSTANCE_LAUNCHING') })),
);

const input = fc.record({ event, node, settings, now: date });

test('every plan keeps the invariants of the table', () => {
  fc.assert(
    fc.property(input, (raw) => {
      const frozen = { ...raw, event: Object.freeze(raw.event), settings: Object.freeze(raw.settings), node: raw.node && Object.freeze(raw.node) };
      const { event: ev, node: seen, settings: s, now } = frozen;
      const plan = planAction(frozen);
      assert.deepEqual(planAction(frozen), plan, 'deterministic');
      assert.equal(plan.priority, PRIORITY_BY_KIND[ev.kind]);
      assert.ok(plan.reason.length > 0);

      const acts = plan.action === 'drain' || plan.action === 'cordon' || plan.action === 'taint';
      if (acts) {
        assert.equal(plan.nodeName, seen?.name);
        assert.equal(plan.disposition, 'delete');
        assert.ok(plan.deadline.getTime() >= now.getTime() + MINIMUM_DRAIN_SECONDS * 1000, 'a minimal drain is granted');
      }
      if (seen === undefined) {
        assert.ok(['none', 'wait-launch', 'complete-launch'].includes(plan.action));
        assert.equal(plan.nodeName, undefined);
      } else {
        assert.equal(plan.nodeName, seen.name);
      }
      if (s.cordonOnly) assert.notEqual(plan.action, 'drain');
      if (plan.action === 'taint') assert.equal(ev.kind, 'rebalance-recommendation');
      if (plan.disposition === 'retry') assert.ok(plan.action === 'none' || plan.action === 'wait-launch');

      const key = TAINT_KEY_BY_KIND[ev.kind];
      const wantsTaint = acts && key !== undefined && (s.taintNode || plan.action === 'taint');
      assert.deepEqual(plan.taint, wantsTaint ? { key, value: ev.id, effect: s.taintEffect } : undefined);

      if (ev.kind === 'asg-terminate') assert.ok(plan.lifecycle !== undefined, 'a terminate hook is always completed');
      else if (ev.kind === 'asg-launch') assert.equal(plan.lifecycle !== undefined, plan.action === 'complete-launch');
      else assert.equal(plan.lifecycle, undefined);

      if (plan.action === 'uncordon') {
        assert.ok(ev.kind === 'instance-state-change' && ev.state === 'running' && s.uncordonOnRunning && seen?.cordonedByUs === true);
        assert.deepEqual(plan.untaint, seen?.ourTaints);
      } else {
        assert.equal(plan.untaint, undefined);
      }

      if (plan.notBefore !== undefined) {
        assert.equal(ev.kind, 'scheduled-change');
        assert.ok(plan.notBefore.getTime() > now.getTime());
        assert.ok(plan.deadline.getTime() >= plan.notBefore.getTime());
      }
    }),
    { numRuns: 2000 },
  );
});

test('the fixtures use a fixed now inside the generated range', () => {
  assert.ok(NOW.getTime() >= MIN && NOW.getTime() <= MAX);
});
