// `aws.ec2` / `EC2 Instance State-change Notification`: every state transition of every instance.
// The planner decides which states matter, so any non-empty state is passed on unchanged.

import { found } from './context.ts';
import type { EventBridgeContext, KindResult } from './context.ts';

export const INSTANCE_STATE_CHANGE = { source: 'aws.ec2', detailType: 'EC2 Instance State-change Notification' } as const;

export function parseInstanceStateChange({ detail, common }: EventBridgeContext): KindResult {
  return found({
    kind: 'instance-state-change',
    ...common,
    instanceIds: [detail.get('instance-id').instanceId()],
    state: detail.get('state').nonEmptyString(),
  });
}
