// The decision table: event + node as seen + settings + now → Plan. Pure and synchronous, so every
// row is a unit test; the controller carries the plan out.

import type {
  AsgLifecycle,
  InstanceStateChange,
  InterruptionEvent,
  RebalanceRecommendation,
  ScheduledChange,
} from '../events/types.ts';
import { TAINT_KEY_BY_KIND } from './taints.ts';
import { PRIORITY_BY_KIND, SPOT_WARNING_SECONDS, addSeconds, drainDeadline, scheduledNotBefore } from './timing.ts';
import type { LifecycleCompletion, LifecycleResult, NodeTaint, Plan, PlanInput } from './types.ts';

/** The state after which `uncordonOnRunning` undoes our cordon. */
const RUNNING_STATE = 'running';

export function planAction(input: PlanInput): Plan {
  const { event } = input;
  switch (event.kind) {
    case 'spot-interruption':
      return disrupt(input, 'drain', { wanted: addSeconds(event.time, SPOT_WARNING_SECONDS) });
    case 'capacity-reservation-interruption':
      return disrupt(input, 'drain', {});
    case 'rebalance-recommendation':
      return planRebalance(input, event);
    case 'instance-state-change':
      return planStateChange(input, event);
    case 'scheduled-change':
      return planScheduledChange(input, event);
    case 'asg-terminate':
    case 'asg-launch':
      return event.kind === 'asg-launch' ? planLaunch(input, event) : planTerminate(input, event);
  }
}

function planRebalance(input: PlanInput, event: RebalanceRecommendation): Plan {
  const action = input.settings.rebalanceAction;
  // No node would change anything, so even a missing node is no reason to keep the message.
  if (action === 'none') return nothing(input, event, 'delete', 'rebalance action is none');
  return disrupt(input, action, {});
}

function planStateChange(input: PlanInput, event: InstanceStateChange): Plan {
  const { settings, node } = input;
  if (settings.stateChangeDrainStates.includes(event.state)) return disrupt(input, 'drain', {});
  const mayUncordon = event.state === RUNNING_STATE && settings.uncordonOnRunning;
  if (!mayUncordon) return nothing(input, event, 'delete', `state ${event.state} needs no action`);
  if (node === undefined) return nodeNotFound(input);
  if (!node.cordonedByUs) return nothing(input, event, 'delete', 'the node was not cordoned by us');
  return {
    action: 'uncordon',
    nodeName: node.name,
    untaint: [...node.ourTaints],
    deadline: addSeconds(input.now, settings.nodeTerminationGracePeriodSeconds),
    priority: PRIORITY_BY_KIND[event.kind],
    disposition: 'delete',
    reason: `${describe(event)}: uncordon node ${node.name}`,
  };
}

function planScheduledChange(input: PlanInput, event: ScheduledChange): Plan {
  const { settings, now } = input;
  const notBefore = scheduledNotBefore(event.startTime, settings.scheduledChangeLeadTimeSeconds, now);
  // The grace period counts from when the drain may start, not from when we heard of it.
  const wanted = addSeconds(notBefore ?? now, settings.nodeTerminationGracePeriodSeconds);
  return disrupt(input, 'drain', notBefore === undefined ? { wanted } : { wanted, notBefore });
}

function planTerminate(input: PlanInput, event: AsgLifecycle): Plan {
  const { settings } = input;
  if (input.node === undefined) {
    // The hook is completed anyway, else the ASG waits for its timeout before terminating.
    const result = settings.lifecycleResultOnNodeNotFound;
    const plan = nothing(input, event, 'delete', `no Node for the instance, completing the hook with ${result}`);
    return { ...plan, lifecycle: { hook: event.lifecycle, result, resultOnFailure: result } };
  }
  const lifecycle = { hook: event.lifecycle, result: 'CONTINUE', resultOnFailure: settings.lifecycleResultOnFailure } as const;
  return disrupt(input, 'drain', { lifecycle });
}

function planLaunch(input: PlanInput, event: AsgLifecycle): Plan {
  const { node, now, settings } = input;
  const giveUpAt = addSeconds(event.time, settings.launchTimeoutSeconds);
  const onNode = node === undefined ? {} : { nodeName: node.name };
  const base = { ...onNode, priority: PRIORITY_BY_KIND[event.kind] };
  const complete = (result: LifecycleResult): LifecycleCompletion => ({
    hook: event.lifecycle,
    result,
    resultOnFailure: result,
  });
  if (node?.ready === true) {
    return {
      ...base,
      action: 'complete-launch',
      deadline: now,
      lifecycle: complete('CONTINUE'),
      disposition: 'delete',
      reason: `${describe(event)}: node ${node.name} is Ready, CONTINUE`,
    };
  }
  const waitingFor = node === undefined ? 'no Node yet' : `node ${node.name} not Ready`;
  if (now.getTime() >= giveUpAt.getTime()) {
    // A node that never became Ready should not enter service: ABANDON makes the ASG replace it.
    return {
      ...base,
      action: 'complete-launch',
      deadline: now,
      lifecycle: complete('ABANDON'),
      disposition: 'delete',
      reason: `${describe(event)}: ${waitingFor} after ${settings.launchTimeoutSeconds}s, ABANDON`,
    };
  }
  return {
    ...base,
    action: 'wait-launch',
    deadline: giveUpAt,
    disposition: 'retry',
    reason: `${describe(event)}: ${waitingFor}, waiting until ${giveUpAt.toISOString()}`,
  };
}

interface DisruptionDetails {
  /** When the action should be over; default now + grace period. */
  wanted?: Date;
  notBefore?: Date;
  lifecycle?: LifecycleCompletion;
}

/** The plan for the kinds that cordon, taint or drain a node (or find none to act on). */
function disrupt(input: PlanInput, wantedAction: 'drain' | 'cordon' | 'taint', details: DisruptionDetails): Plan {
  const { event, node, now, settings } = input;
  if (node === undefined) return nodeNotFound(input);
  const action = wantedAction === 'drain' && settings.cordonOnly ? 'cordon' : wantedAction;
  const taint = taintFor(input, action);
  const deadline = drainDeadline(details.wanted ?? addSeconds(now, settings.nodeTerminationGracePeriodSeconds), now);
  const start = details.notBefore === undefined ? '' : ` starting ${details.notBefore.toISOString()}`;
  const plan: Plan = {
    action,
    nodeName: node.name,
    deadline,
    priority: PRIORITY_BY_KIND[event.kind],
    disposition: 'delete',
    reason: `${describe(event)}: ${verb(action, wantedAction)} node ${node.name}${start} by ${deadline.toISOString()}`,
  };
  if (taint !== undefined) plan.taint = taint;
  if (details.notBefore !== undefined) plan.notBefore = details.notBefore;
  if (details.lifecycle !== undefined) plan.lifecycle = details.lifecycle;
  return plan;
}

function taintFor({ event, settings }: PlanInput, action: 'drain' | 'cordon' | 'taint'): NodeTaint | undefined {
  const key = TAINT_KEY_BY_KIND[event.kind];
  if (key === undefined || (!settings.taintNode && action !== 'taint')) return undefined;
  return { key, value: event.id, effect: settings.taintEffect };
}

function verb(action: string, wanted: string): string {
  return action === wanted ? action : `${action} (cordon-only, instead of ${wanted})`;
}

/** No Node matches the instance (and the kind is not an ASG lifecycle action). */
function nodeNotFound(input: PlanInput): Plan {
  const { event, settings } = input;
  const disposition = settings.deleteMessageIfNodeNotFound ? 'delete' : 'retry';
  return nothing(input, event, disposition, 'no Node for the instance');
}

function nothing(input: PlanInput, event: InterruptionEvent, disposition: 'delete' | 'retry', why: string): Plan {
  const onNode = input.node === undefined ? '' : ` on node ${input.node.name}`;
  const plan: Plan = {
    action: 'none',
    deadline: input.now,
    priority: PRIORITY_BY_KIND[event.kind],
    disposition,
    reason: `${describe(event)}: ${why}; nothing to do${onNode}, message ${disposition === 'delete' ? 'deleted' : 'kept for retry'}`,
  };
  if (input.node !== undefined) plan.nodeName = input.node.name;
  return plan;
}

function describe(event: InterruptionEvent): string {
  switch (event.kind) {
    case 'spot-interruption':
      return `spot interruption warning (${event.instanceAction})`;
    case 'rebalance-recommendation':
      return 'rebalance recommendation';
    case 'instance-state-change':
      return `instance state ${event.state}`;
    case 'capacity-reservation-interruption':
      return 'capacity reservation interruption';
    case 'scheduled-change':
      return `scheduled change ${event.eventTypeCode}`;
    case 'asg-terminate':
    case 'asg-launch': {
      const { autoScalingGroupName, lifecycleHookName } = event.lifecycle;
      const what = event.kind === 'asg-launch' ? 'launch' : 'terminate';
      return `ASG ${what} lifecycle action (${autoScalingGroupName}/${lifecycleHookName})`;
    }
  }
}
