// Which parser reads which EventBridge event, keyed by (source, detail-type). Adding a kind is one
// file in kinds/ and one line here; infra and e2e can read EVENT_TYPES to build matching rules.

import { ASG_LAUNCH, ASG_TERMINATE, parseAsgLaunch, parseAsgTerminate } from './kinds/asg-lifecycle.ts';
import {
  CAPACITY_RESERVATION_INTERRUPTION,
  parseCapacityReservationInterruption,
} from './kinds/capacity-reservation-interruption.ts';
import type { KindParser } from './kinds/context.ts';
import { INSTANCE_STATE_CHANGE, parseInstanceStateChange } from './kinds/instance-state-change.ts';
import { parseRebalanceRecommendation, REBALANCE_RECOMMENDATION } from './kinds/rebalance-recommendation.ts';
import { parseScheduledChange, SCHEDULED_CHANGE } from './kinds/scheduled-change.ts';
import { parseSpotInterruption, SPOT_INTERRUPTION } from './kinds/spot-interruption.ts';

export interface EventType {
  readonly source: string;
  readonly detailType: string;
}

interface Registration extends EventType {
  readonly parse: KindParser;
}

const REGISTRATIONS: readonly Registration[] = [
  { ...SPOT_INTERRUPTION, parse: parseSpotInterruption },
  { ...REBALANCE_RECOMMENDATION, parse: parseRebalanceRecommendation },
  { ...INSTANCE_STATE_CHANGE, parse: parseInstanceStateChange },
  { ...CAPACITY_RESERVATION_INTERRUPTION, parse: parseCapacityReservationInterruption },
  { ...SCHEDULED_CHANGE, parse: parseScheduledChange },
  { ...ASG_TERMINATE, parse: parseAsgTerminate },
  { ...ASG_LAUNCH, parse: parseAsgLaunch },
];

// A separator that cannot occur in either part keeps ("a b", "c") and ("a", "b c") apart.
const keyOf = (source: string, detailType: string): string => `${source}\u0000${detailType}`;

const PARSERS: ReadonlyMap<string, KindParser> = new Map(
  REGISTRATIONS.map((registration) => [keyOf(registration.source, registration.detailType), registration.parse]),
);

/** Every (source, detail-type) we handle, e.g. for the EventBridge rules that feed the queue. */
export const EVENT_TYPES: readonly EventType[] = REGISTRATIONS.map(({ source, detailType }) => ({ source, detailType }));

export function findParser(source: string, detailType: string): KindParser | undefined {
  return PARSERS.get(keyOf(source, detailType));
}
