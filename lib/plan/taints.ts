// The taint keys we own. They match aws-node-termination-handler's, so an NTH user's tolerations
// and dashboards keep working after the switch, and so we recognise taints NTH left behind.

import type { EventKind } from '../events/types.ts';

const PREFIX = 'aws-node-termination-handler/';

/** Kinds without a key (state change, launch) never taint. */
export const TAINT_KEY_BY_KIND: Readonly<Partial<Record<EventKind, string>>> = {
  'spot-interruption': `${PREFIX}spot-itn`,
  'rebalance-recommendation': `${PREFIX}rebalance-recommendation`,
  'scheduled-change': `${PREFIX}scheduled-maintenance`,
  'asg-terminate': `${PREFIX}asg-lifecycle-termination`,
  'capacity-reservation-interruption': `${PREFIX}capacity-reservation`,
};

/** Every key above: what the Node view counts as "our taints". */
export const OUR_TAINT_KEYS: readonly string[] = Object.values(TAINT_KEY_BY_KIND);
