// `aws.ec2` / `EC2 Instance Rebalance Recommendation`: a Spot Instance is at elevated risk of
// interruption. Carries only the instance; what to do about it is a configuration choice.

import { found } from './context.ts';
import type { EventBridgeContext, KindResult } from './context.ts';

export const REBALANCE_RECOMMENDATION = { source: 'aws.ec2', detailType: 'EC2 Instance Rebalance Recommendation' } as const;

export function parseRebalanceRecommendation({ detail, common }: EventBridgeContext): KindResult {
  return found({
    kind: 'rebalance-recommendation',
    ...common,
    instanceIds: [detail.get('instance-id').instanceId()],
  });
}
