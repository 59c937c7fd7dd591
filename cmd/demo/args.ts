// The demo's own flags. `run` (what `npm start` runs) takes --scenario too, so main.ts lifts it out
// of argv before the controller's options are parsed.
import { flagValue, takeFlags, UsageError } from '../args.ts';

export const SCENARIO_STEPS = ['spot', 'asg', 'maintenance', 'rebalance'] as const;
export type ScenarioStep = (typeof SCENARIO_STEPS)[number];

/** `none`: no demo, just the controller on the local environment. */
export type Scenario = readonly ScenarioStep[] | 'none';

export const DEMO_USAGE = `usage: node-termination-handler demo [--scenario all|none|STEP[,STEP...]] [--option value ...]
       npm start [-- --scenario ...]          (the same, when QUEUE_URL is not set)

Starts the local environment (a Kubernetes control plane with fake kubelets, and moto for SQS, EC2,
Auto Scaling and EventBridge; binaries are built once and cached), creates a small cluster (6
nodes of one Auto Scaling group, three Deployments with PodDisruptionBudgets, a DaemonSet), starts
the controller and plays a scenario through EventBridge, with a live view of every node (ready,
cordoned, draining with pods left, drained, hook completed), recent events and timings. It ends
with a summary and keeps the environment up until Ctrl-C, then tears it all down.

  --scenario all           every step below, a few seconds apart (default)
  --scenario STEP,...      some of them: spot (Spot Instance Interruption Warning), asg (scale-in
                           with a terminate lifecycle hook), maintenance (AWS Health scheduled
                           change), rebalance (Rebalance Recommendation)
  --scenario none          \`run\`/\`npm start\`: no demo, the controller on the local environment with its
                           log on the terminal; \`demo\`: the live view with no scenario (send
                           events yourself with send-test-event)
  --help                   this text

Controller options (--rebalance-action cordon, --cordon-only, …) apply as usual. The controller's
JSON log goes to controller.log in the environment's folder (shown at the top of the view).
`;

export function parseScenario(text: string): Scenario {
  if (text === 'none') return 'none';
  if (text === 'all') return SCENARIO_STEPS;
  const steps = text.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = steps.filter((s) => !(SCENARIO_STEPS as readonly string[]).includes(s));
  if (steps.length === 0 || unknown.length > 0) {
    throw new UsageError(`--scenario ${text}: allowed: all, none, or a list of ${SCENARIO_STEPS.join(', ')}`);
  }
  return SCENARIO_STEPS.filter((s) => steps.includes(s));
}

/** Takes --scenario out of argv; the rest are controller options. */
export function takeScenario(argv: readonly string[]): { scenario: Scenario; rest: string[] } {
  const taken = takeFlags(argv, [{ flag: '--scenario', value: true }]);
  return { scenario: parseScenario(flagValue(taken, '--scenario') ?? 'all'), rest: taken.rest };
}
