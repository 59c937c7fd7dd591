// Deadlines, start times and priorities: the time arithmetic of the decision table, kept pure.

import type { EventKind } from '../events/types.ts';

/** AWS gives two minutes between the spot interruption warning and the interruption. */
export const SPOT_WARNING_SECONDS = 120;

/**
 * The least time a drain is granted, counted from now. An event can reach us late (a backlog, a
 * restart, a spot warning older than its two minutes): its deadline is then already in the past.
 * We still drain rather than skip, because issuing the evictions gets pods rescheduled now instead
 * of after the node controller notices the instance is gone; a few seconds are enough for that.
 */
export const MINIMUM_DRAIN_SECONDS = 10;

/**
 * Lower = sooner. Imminent terminations first (two minutes or an ASG waiting on its hook), then
 * state changes (the instance is already stopping) and launches (an ASG scale-out is waiting and
 * the work is one API call), then scheduled maintenance (days of notice), then rebalance advice.
 */
export const PRIORITY_BY_KIND: Readonly<Record<EventKind, number>> = {
  'spot-interruption': 0,
  'asg-terminate': 0,
  'capacity-reservation-interruption': 0,
  'instance-state-change': 1,
  'asg-launch': 1,
  'scheduled-change': 2,
  'rebalance-recommendation': 3,
};

export function addSeconds(at: Date, seconds: number): Date {
  return new Date(at.getTime() + seconds * 1000);
}

function later(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}

/** A drain deadline, never sooner than MINIMUM_DRAIN_SECONDS from now. */
export function drainDeadline(wanted: Date, now: Date): Date {
  return later(wanted, addSeconds(now, MINIMUM_DRAIN_SECONDS));
}

/** When the drain for a scheduled change may start, or undefined for at once. */
export function scheduledNotBefore(startTime: Date | undefined, leadSeconds: number, now: Date): Date | undefined {
  if (leadSeconds < 0 || startTime === undefined) return undefined;
  const start = addSeconds(startTime, -leadSeconds);
  return start.getTime() > now.getTime() ? start : undefined;
}
