// The domain model of what arrives on the queue. Parsers (one file per kind) turn a JSON message
// into one of these; nothing here talks to AWS or Kubernetes.

/** Every kind of interruption we act on (DESIGN §3). */
export type EventKind =
  | 'spot-interruption'
  | 'rebalance-recommendation'
  | 'instance-state-change'
  | 'capacity-reservation-interruption'
  | 'scheduled-change'
  | 'asg-terminate'
  | 'asg-launch';

export const EVENT_KINDS: readonly EventKind[] = [
  'spot-interruption',
  'rebalance-recommendation',
  'instance-state-change',
  'capacity-reservation-interruption',
  'scheduled-change',
  'asg-terminate',
  'asg-launch',
];

/** How the event reached us: the envelope that was unwrapped around it. */
export type EnvelopeKind = 'eventbridge' | 'sns' | 'asg-direct';

/** What an ASG lifecycle action needs to be heartbeated and completed. */
export interface LifecycleActionRef {
  autoScalingGroupName: string;
  lifecycleHookName: string;
  lifecycleActionToken: string;
  transition: 'autoscaling:EC2_INSTANCE_TERMINATING' | 'autoscaling:EC2_INSTANCE_LAUNCHING';
}

interface EventBase {
  /** EventBridge `id`; for a direct ASG notification its `RequestId`. Used in every log line. */
  id: string;
  /** When AWS says it happened (EventBridge `time`, ASG `Time`). Deadlines are counted from it. */
  time: Date;
  /** The instances it concerns; never empty. */
  instanceIds: string[];
  envelope: EnvelopeKind;
  region?: string;
  account?: string;
}

export interface SpotInterruption extends EventBase {
  kind: 'spot-interruption';
  /** `detail.instance-action`: terminate, stop or hibernate. */
  instanceAction: string;
}

export interface RebalanceRecommendation extends EventBase {
  kind: 'rebalance-recommendation';
}

export interface InstanceStateChange extends EventBase {
  kind: 'instance-state-change';
  /** `detail.state`: pending, running, stopping, stopped, shutting-down, terminated. */
  state: string;
}

export interface CapacityReservationInterruption extends EventBase {
  kind: 'capacity-reservation-interruption';
  /** `detail.instance-action`, when given (documented value: terminate). */
  instanceAction?: string;
  /** `detail.instance-termination-time`, when given: the moment the instance is terminated. */
  terminationTime?: Date;
}

export interface ScheduledChange extends EventBase {
  kind: 'scheduled-change';
  /** `detail.eventTypeCode`, e.g. AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED. */
  eventTypeCode: string;
  /** `detail.startTime` (RFC 1123 text in the event), when the maintenance begins. */
  startTime?: Date;
  endTime?: Date;
}

export interface AsgLifecycle extends EventBase {
  kind: 'asg-terminate' | 'asg-launch';
  lifecycle: LifecycleActionRef;
}

export type InterruptionEvent =
  | SpotInterruption
  | RebalanceRecommendation
  | InstanceStateChange
  | CapacityReservationInterruption
  | ScheduledChange
  | AsgLifecycle;

/**
 * The result of parsing one queue message. `ignored` messages are well-formed but need no action
 * (test notifications, other services, kinds we do not handle) and are deleted at once; `invalid`
 * ones are left to the queue's redrive policy so they end in the dead-letter queue.
 */
export type ParseResult =
  | { outcome: 'event'; event: InterruptionEvent }
  | { outcome: 'ignored'; reason: IgnoreReason; detail: string; id?: string }
  | { outcome: 'invalid'; error: InvalidMessageError };

export type IgnoreReason = 'test-notification' | 'unknown-kind' | 'not-ec2' | 'not-applicable';

/** A message we cannot understand. `path` is the JSON path of the problem, e.g. `$.detail.instance-id`. */
export class InvalidMessageError extends Error {
  override readonly name = 'InvalidMessageError';
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.path = path;
  }
}
