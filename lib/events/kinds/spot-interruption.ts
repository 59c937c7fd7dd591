// `aws.ec2` / `EC2 Spot Instance Interruption Warning`: EC2 reclaims a Spot Instance about two
// minutes after the event `time` (hibernation starts at once), so this is the most urgent kind.

import { found } from './context.ts';
import type { EventBridgeContext, KindResult } from './context.ts';

export const SPOT_INTERRUPTION = { source: 'aws.ec2', detailType: 'EC2 Spot Instance Interruption Warning' } as const;

export function parseSpotInterruption({ detail, common }: EventBridgeContext): KindResult {
  return found({
    kind: 'spot-interruption',
    ...common,
    instanceIds: [detail.get('instance-id').instanceId()],
    // terminate, stop or hibernate; kept as text so a new action still drains rather than fails.
    instanceAction: detail.get('instance-action').nonEmptyString(),
  });
}
