// The narrow settings each part reads, taken from the one Config. The parts name their settings
// in their own words (seconds spelled out, for instance); this is the only place that maps them.
import type { Config } from '../config/index.ts';
import type { PlanSettings } from '../plan.ts';

export function planSettingsFrom(config: Config): PlanSettings {
  return {
    cordonOnly: config.cordonOnly,
    taintNode: config.taintNode,
    taintEffect: config.taintEffect,
    rebalanceAction: config.rebalanceAction,
    uncordonOnRunning: config.uncordonOnRunning,
    stateChangeDrainStates: config.stateChangeDrainStates,
    scheduledChangeLeadTimeSeconds: config.scheduledChangeLeadTime,
    nodeTerminationGracePeriodSeconds: config.nodeTerminationGracePeriod,
    launchTimeoutSeconds: config.launchTimeout,
    lifecycleResultOnFailure: config.lifecycleResultOnFailure,
    lifecycleResultOnNodeNotFound: config.lifecycleResultOnNodeNotFound,
    deleteMessageIfNodeNotFound: config.deleteSqsMsgIfNodeNotFound,
  };
}
