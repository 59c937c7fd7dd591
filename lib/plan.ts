// The pure decision table (DESIGN §1 "plan"): what to do about one event on one node.
// The parts live in lib/plan/; this is the one import for the rest of the code.

export type * from './plan/types.ts';
export { planAction } from './plan/table.ts';
export { OUR_TAINT_KEYS, TAINT_KEY_BY_KIND } from './plan/taints.ts';
export { MINIMUM_DRAIN_SECONDS, PRIORITY_BY_KIND, SPOT_WARNING_SECONDS } from './plan/timing.ts';
