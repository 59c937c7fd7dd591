// The Node Events the controller records itself (the drain engine records those of its actions,
// lib/drain/event-reasons.ts): the interruption as it arrives, before anything is done to the
// node, and the completion of the Auto Scaling lifecycle action. Same recorder, namespace and
// annotations as the engine's, so `kubectl describe node` tells the story in order.
import type { V1Node } from '@kubernetes/client-node';
import { EVENT_ANNOTATIONS } from '../drain/event-reasons.ts';
import type { EventKind, InterruptionEvent } from '../events/types.ts';
import type { EventRecorder, EventType } from '../kube/event-recorder.ts';

export const CONTROLLER_EVENT_REASONS = {
  /** A message about the node's instance arrived and the node will be acted on. */
  Interruption: 'Interruption',
  /** CompleteLifecycleAction succeeded for the node's instance. */
  LifecycleActionCompleted: 'LifecycleActionCompleted',
} as const;

/** Readable kind names for Event messages. */
const KIND_TEXT: Readonly<Record<EventKind, string>> = {
  'spot-interruption': 'EC2 spot interruption warning',
  'rebalance-recommendation': 'EC2 rebalance recommendation',
  'instance-state-change': 'EC2 instance state change',
  'capacity-reservation-interruption': 'EC2 capacity reservation interruption',
  'scheduled-change': 'AWS Health scheduled change',
  'asg-terminate': 'Auto Scaling terminate lifecycle action',
  'asg-launch': 'Auto Scaling launch lifecycle action',
};

export interface NodeEventTarget {
  node: V1Node | undefined;
  nodeName: string;
  instanceId: string;
  event: InterruptionEvent;
}

export class ControllerNodeEvents {
  private readonly recorder: EventRecorder;

  constructor(recorder: EventRecorder) {
    this.recorder = recorder;
  }

  /** Never throws (the recorder logs failures). */
  interruption(target: NodeEventTarget, action: string, reason: string, deadline: Date): Promise<void> {
    const what = KIND_TEXT[target.event.kind];
    return this.record(target, 'Normal', CONTROLLER_EVENT_REASONS.Interruption,
      `${what} for instance ${target.instanceId} (event ${target.event.id}, ${target.event.time.toISOString()}): ` +
      `${action} by ${deadline.toISOString()} — ${reason}`);
  }

  lifecycleCompleted(target: NodeEventTarget, result: string, hook: { autoScalingGroupName: string; lifecycleHookName: string }): Promise<void> {
    return this.record(target, 'Normal', CONTROLLER_EVENT_REASONS.LifecycleActionCompleted,
      `CompleteLifecycleAction ${result} for instance ${target.instanceId}, hook ${hook.lifecycleHookName} of group ` +
      `${hook.autoScalingGroupName} (event ${target.event.id})`);
  }

  private record(target: NodeEventTarget, type: EventType, reason: string, message: string): Promise<void> {
    const uid = target.node?.metadata?.uid;
    return this.recorder.record({ kind: 'Node', name: target.nodeName, ...(uid ? { uid } : {}) }, type, reason, message, {
      [EVENT_ANNOTATIONS.eventId]: target.event.id,
      [EVENT_ANNOTATIONS.eventKind]: target.event.kind,
      [EVENT_ANNOTATIONS.instanceId]: target.instanceId,
    });
  }
}
