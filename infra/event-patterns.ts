// The EventBridge rules that feed the queue: one rule per kind of DESIGN §3. The CDK construct
// creates them and the test environment loads the very same patterns into moto, so what the tests
// prove about matching is what users deploy.

export interface EventRuleSpec {
  /** Stable id, used in the rule name and in the CDK construct id. */
  id: string;
  description: string;
  pattern: {
    source: string[];
    'detail-type': string[];
    detail?: Record<string, unknown>;
  };
}

export const EVENT_RULES: readonly EventRuleSpec[] = [
  {
    id: 'spot-interruption',
    description: 'EC2 Spot Instance Interruption Warning (two-minute notice)',
    pattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] },
  },
  {
    id: 'rebalance-recommendation',
    description: 'EC2 Instance Rebalance Recommendation',
    pattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Instance Rebalance Recommendation'] },
  },
  {
    id: 'instance-state-change',
    description: 'EC2 Instance State-change Notification',
    pattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] },
  },
  {
    id: 'capacity-reservation-interruption',
    description: 'EC2 Capacity Reservation Instance Interruption Warning',
    pattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Capacity Reservation Instance Interruption Warning'] },
  },
  {
    id: 'scheduled-change',
    description: 'AWS Health scheduled changes for EC2 (retirement, reboot, maintenance)',
    pattern: {
      source: ['aws.health'],
      'detail-type': ['AWS Health Event'],
      detail: { service: ['EC2'], eventTypeCategory: ['scheduledChange'] },
    },
  },
  {
    id: 'asg-lifecycle',
    description: 'Auto Scaling lifecycle actions (terminate and launch)',
    pattern: {
      source: ['aws.autoscaling'],
      'detail-type': ['EC2 Instance-terminate Lifecycle Action', 'EC2 Instance-launch Lifecycle Action'],
    },
  },
];
