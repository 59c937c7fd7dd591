// One minimal event per kind the controller handles, shaped as AWS sends it (source, detail-type
// and the detail fields rules filter on). doctor asks which rule would deliver each to the queue.

export interface SampleEvent {
  readonly kind: string;
  /** How the output names it. */
  readonly title: string;
  /** false: only some setups need it (launch hooks), so a missing rule is a warning. */
  readonly required: boolean;
  readonly event: { readonly source: string; readonly 'detail-type': string; readonly detail: Readonly<Record<string, unknown>> };
}

const ec2 = (kind: string, title: string, detailType: string, detail: Record<string, unknown> = {}): SampleEvent => ({
  kind, title, required: true,
  event: { source: 'aws.ec2', 'detail-type': detailType, detail: { 'instance-id': 'i-1234567890abcdef0', ...detail } },
});

export const SAMPLE_EVENTS: readonly SampleEvent[] = [
  ec2('spot-interruption', 'spot interruption warnings', 'EC2 Spot Instance Interruption Warning', { 'instance-action': 'terminate' }),
  ec2('rebalance-recommendation', 'rebalance recommendations', 'EC2 Instance Rebalance Recommendation'),
  ec2('instance-state-change', 'instance state changes', 'EC2 Instance State-change Notification', { state: 'stopping' }),
  ec2('capacity-reservation-interruption', 'capacity reservation interruptions',
    'EC2 Capacity Reservation Instance Interruption Warning', { 'instance-action': 'terminate' }),
  {
    kind: 'scheduled-change', title: 'scheduled maintenance (AWS Health)', required: true,
    event: {
      source: 'aws.health', 'detail-type': 'AWS Health Event',
      detail: { service: 'EC2', eventTypeCategory: 'scheduledChange', eventTypeCode: 'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED' },
    },
  },
  {
    kind: 'asg-terminate', title: 'ASG terminate lifecycle actions', required: true,
    event: {
      source: 'aws.autoscaling', 'detail-type': 'EC2 Instance-terminate Lifecycle Action',
      detail: { LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING', AutoScalingGroupName: 'nth-workers' },
    },
  },
  {
    kind: 'asg-launch', title: 'ASG launch lifecycle actions (only with launch hooks)', required: false,
    event: {
      source: 'aws.autoscaling', 'detail-type': 'EC2 Instance-launch Lifecycle Action',
      detail: { LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING', AutoScalingGroupName: 'nth-workers' },
    },
  },
];
