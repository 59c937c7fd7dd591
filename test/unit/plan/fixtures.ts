// Shared inputs for the decision-table tests: one fixed `now`, one event per kind, the node states
// that matter, NTH-like default settings, and a runner for table rows.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AsgLifecycle, InterruptionEvent, LifecycleActionRef } from '../../../lib/events/types.ts';
import { planAction } from '../../../lib/plan.ts';
import type { NodeView, Plan, PlanSettings } from '../../../lib/plan.ts';

export const NOW = new Date('2025-03-01T12:00:00.000Z');
export const NODE_NAME = 'ip-10-0-1-23.ec2.internal';
export const INSTANCE_ID = 'i-0123456789abcdef0';
export const EVENT_ID = '7e1f5c2a-0000-4000-8000-000000000001';

/** NOW shifted by whole seconds. */
export function at(offsetSeconds: number): Date {
  return new Date(NOW.getTime() + offsetSeconds * 1000);
}

export const DEFAULT_SETTINGS: PlanSettings = Object.freeze({
  cordonOnly: false,
  taintNode: false,
  taintEffect: 'NoSchedule',
  rebalanceAction: 'drain',
  uncordonOnRunning: false,
  stateChangeDrainStates: Object.freeze(['stopping', 'stopped', 'shutting-down', 'terminated']),
  scheduledChangeLeadTimeSeconds: -1,
  nodeTerminationGracePeriodSeconds: 120,
  launchTimeoutSeconds: 600,
  lifecycleResultOnFailure: 'ABANDON',
  lifecycleResultOnNodeNotFound: 'CONTINUE',
  deleteMessageIfNodeNotFound: false,
});

export const SPOT_TAINT = 'aws-node-termination-handler/spot-itn';
export const REBALANCE_TAINT = 'aws-node-termination-handler/rebalance-recommendation';
export const SCHEDULED_TAINT = 'aws-node-termination-handler/scheduled-maintenance';
export const ASG_TAINT = 'aws-node-termination-handler/asg-lifecycle-termination';
export const CAPACITY_TAINT = 'aws-node-termination-handler/capacity-reservation';

function node(ready: boolean, unschedulable: boolean, cordonedByUs: boolean, ourTaints: string[]): NodeView {
  return Object.freeze({ name: NODE_NAME, ready, unschedulable, cordonedByUs, ourTaints: Object.freeze(ourTaints) });
}

/** Every node state the table distinguishes; `missing` = no Node found for the instance. */
export const NODES = {
  missing: undefined,
  ready: node(true, false, false, []),
  readyCordonedByUs: node(true, true, true, [SPOT_TAINT]),
  readyCordonedByOther: node(true, true, false, []),
  notReady: node(false, false, false, []),
  notReadyCordonedByUs: node(false, true, true, [REBALANCE_TAINT, ASG_TAINT]),
} as const;

export type NodeState = keyof typeof NODES;

export const FOUND: readonly NodeState[] = ['ready', 'readyCordonedByUs', 'readyCordonedByOther', 'notReady', 'notReadyCordonedByUs'];
export const MISSING: readonly NodeState[] = ['missing'];
export const ANY: readonly NodeState[] = ['missing', ...FOUND];

const base = { id: EVENT_ID, instanceIds: [INSTANCE_ID], envelope: 'eventbridge', region: 'us-east-1' } as const;

export function spot(time: Date = at(-30), instanceAction = 'terminate'): InterruptionEvent {
  return { ...base, instanceIds: [INSTANCE_ID], kind: 'spot-interruption', time, instanceAction };
}

export function rebalance(): InterruptionEvent {
  return { ...base, instanceIds: [INSTANCE_ID], kind: 'rebalance-recommendation', time: at(-30) };
}

export function stateChange(state: string): InterruptionEvent {
  return { ...base, instanceIds: [INSTANCE_ID], kind: 'instance-state-change', time: at(-5), state };
}

export function capacity(): InterruptionEvent {
  return { ...base, instanceIds: [INSTANCE_ID], kind: 'capacity-reservation-interruption', time: at(-30) };
}

export function scheduled(startTime?: Date): InterruptionEvent {
  const event: InterruptionEvent = {
    ...base,
    instanceIds: [INSTANCE_ID],
    kind: 'scheduled-change',
    time: at(-86_400),
    eventTypeCode: 'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED',
  };
  return startTime === undefined ? event : { ...event, startTime };
}

export function hook(transition: LifecycleActionRef['transition']): LifecycleActionRef {
  return { autoScalingGroupName: 'workers', lifecycleHookName: 'nth', lifecycleActionToken: 'token-1', transition };
}

export function asgTerminate(): AsgLifecycle {
  return { ...base, instanceIds: [INSTANCE_ID], kind: 'asg-terminate', time: at(-10), lifecycle: hook('autoscaling:EC2_INSTANCE_TERMINATING') };
}

export function asgLaunch(time: Date): AsgLifecycle {
  return { ...base, instanceIds: [INSTANCE_ID], kind: 'asg-launch', time, lifecycle: hook('autoscaling:EC2_INSTANCE_LAUNCHING') };
}

/** One row of the table: an event under some settings, for some node states, and the whole plan but its reason. */
export interface Row {
  name: string;
  event: InterruptionEvent;
  settings?: Partial<PlanSettings>;
  nodes: readonly NodeState[];
  expect: Omit<Plan, 'reason'>;
}

export function plan(event: InterruptionEvent, state: NodeState, settings: Partial<PlanSettings> = {}): Plan {
  return planAction({ event, node: NODES[state], now: NOW, settings: Object.freeze({ ...DEFAULT_SETTINGS, ...settings }) });
}

/** One test per (row, node state), each comparing the whole plan. */
export function checkRows(rows: readonly Row[]): void {
  for (const row of rows) {
    for (const state of row.nodes) {
      test(`${row.name} [node ${state}]`, () => {
        const { reason, ...rest } = plan(row.event, state, row.settings);
        assert.deepEqual(rest, row.expect);
        assert.ok(reason.length > 0, 'a reason is given');
        if (rest.nodeName !== undefined) assert.ok(reason.includes(NODE_NAME), `reason names the node: ${reason}`);
      });
    }
  }
}
