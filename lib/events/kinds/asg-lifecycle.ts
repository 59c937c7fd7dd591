// Auto Scaling lifecycle actions: an instance is held in Terminating:Wait (or Pending:Wait) until we
// complete the action. They arrive as EventBridge events (fields under `detail`) or as the hook's
// own notification sent straight to SQS or SNS (the same fields at the top level, with RequestId
// and Time in place of EventBridge's id and time).

import { quote } from '../reader.ts';
import type { Reader } from '../reader.ts';
import type { AsgLifecycle, EnvelopeKind, LifecycleActionRef } from '../types.ts';
import { found, ignored, readEventId } from './context.ts';
import type { EventBridgeContext, EventCommon, KindResult } from './context.ts';

export const ASG_TERMINATE = { source: 'aws.autoscaling', detailType: 'EC2 Instance-terminate Lifecycle Action' } as const;
export const ASG_LAUNCH = { source: 'aws.autoscaling', detailType: 'EC2 Instance-launch Lifecycle Action' } as const;

type Transition = LifecycleActionRef['transition'];

const TERMINATING: Transition = 'autoscaling:EC2_INSTANCE_TERMINATING';
const LAUNCHING: Transition = 'autoscaling:EC2_INSTANCE_LAUNCHING';
const TRANSITIONS: readonly Transition[] = [TERMINATING, LAUNCHING];

function readLifecycle(fields: Reader, allowed: readonly Transition[], common: EventCommon): AsgLifecycle {
  const instanceId = fields.get('EC2InstanceId').instanceId();
  const lifecycleActionToken = fields.get('LifecycleActionToken').nonEmptyString();
  const autoScalingGroupName = fields.get('AutoScalingGroupName').nonEmptyString();
  const lifecycleHookName = fields.get('LifecycleHookName').nonEmptyString();
  const transition = fields.get('LifecycleTransition').oneOf(allowed);
  return {
    kind: transition === TERMINATING ? 'asg-terminate' : 'asg-launch',
    ...common,
    instanceIds: [instanceId],
    lifecycle: { autoScalingGroupName, lifecycleHookName, lifecycleActionToken, transition },
  };
}

// The detail-type already names the transition; a disagreeing LifecycleTransition is a malformed
// event, not a choice between the two.
export function parseAsgTerminate({ detail, common }: EventBridgeContext): KindResult {
  return found(readLifecycle(detail, [TERMINATING], common));
}

export function parseAsgLaunch({ detail, common }: EventBridgeContext): KindResult {
  return found(readLifecycle(detail, [LAUNCHING], common));
}

function isTransition(value: string): value is Transition {
  return TRANSITIONS.some((transition) => transition === value);
}

/** A lifecycle hook notification delivered directly (SQS target) or through SNS. */
export function parseAsgNotification(doc: Reader, envelope: EnvelopeKind, fallbackId?: string): KindResult {
  const service = doc.get('Service');
  if (!service.isMissing()) service.oneOf(['AWS Auto Scaling']);
  const id = readEventId(doc.get('RequestId'), fallbackId);
  const time = doc.get('Time').isoTime();
  const account = doc.get('AccountId').optionalNonEmptyString();
  const transition = doc.get('LifecycleTransition').nonEmptyString();
  if (!isTransition(transition)) {
    return ignored('unknown-kind', `Auto Scaling lifecycle transition ${quote(transition)}`, id);
  }
  const common: EventCommon = { id, time, envelope, ...(account === undefined ? {} : { account }) };
  return found(readLifecycle(doc, TRANSITIONS, common));
}
