// `aws.ec2` / `EC2 Capacity Reservation Instance Interruption Warning`: the owner of an
// interruptible Capacity Reservation reclaims it; instances are terminated about two minutes later.

import { found } from './context.ts';
import type { EventBridgeContext, KindResult } from './context.ts';

export const CAPACITY_RESERVATION_INTERRUPTION = {
  source: 'aws.ec2',
  detailType: 'EC2 Capacity Reservation Instance Interruption Warning',
} as const;

export function parseCapacityReservationInterruption({ detail, common }: EventBridgeContext): KindResult {
  const instanceId = detail.get('instance-id').instanceId();
  const instanceAction = detail.get('instance-action').optionalNonEmptyString();
  // When present it is the real deadline, better than event time + 120 s.
  const terminationTime = detail.get('instance-termination-time').optionalIsoTime();
  return found({
    kind: 'capacity-reservation-interruption',
    ...common,
    instanceIds: [instanceId],
    ...(instanceAction === undefined ? {} : { instanceAction }),
    ...(terminationTime === undefined ? {} : { terminationTime }),
  });
}
