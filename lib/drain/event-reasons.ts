// The reasons of the Kubernetes Events we record (documented in docs/architecture.md,
// "Kubernetes Events"). Stable strings: people filter on them (kubectl get events --field-selector
// reason=Drained) and alert on the Warning ones.

export const NODE_EVENT_REASONS = {
  Cordoned: 'Cordoned',
  Tainted: 'Tainted',
  ExcludedFromLoadBalancers: 'ExcludedFromLoadBalancers',
  DrainStarted: 'DrainStarted',
  Drained: 'Drained',
  DrainBlocked: 'DrainBlocked',
  DrainDeadlineExceeded: 'DrainDeadlineExceeded',
  DrainFailed: 'DrainFailed',
  OutOfServiceTainted: 'OutOfServiceTainted',
  Uncordoned: 'Uncordoned',
} as const;

export const POD_EVENT_REASONS = {
  PodEviction: 'PodEviction',
  PodEvictionFailed: 'PodEvictionFailed',
} as const;

/** Annotations on every Event we record, so tools can join an Event to the AWS event behind it. */
export const EVENT_ANNOTATIONS = {
  eventId: 'node-termination-handler.aws/event-id',
  eventKind: 'node-termination-handler.aws/event-kind',
  instanceId: 'node-termination-handler.aws/instance-id',
} as const;
