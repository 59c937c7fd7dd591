// The demo's scenario: each step puts one event on EventBridge (so the rules of
// infra/event-patterns.ts route it, as in AWS) about its own node, a few seconds apart. The ASG step
// first starts a terminate lifecycle action in moto, as a scale-in would, so the controller has a
// real token to complete.
import type { Config } from '../../lib/config/index.ts';
import {
  asgTerminateLifecycleAction,
  rebalanceRecommendation,
  scheduledChange,
  spotInterruption,
  type EventBridgeEvent,
} from '../../test/fixtures/events/index.ts';
import type { FleetInstance } from '../../test/env/helpers/fleet.ts';
import { putEvents } from '../../test/env/helpers/queue.ts';
import { uniqueName } from '../../test/env/helpers/wait.ts';
import type { LocalEnvironment } from '../local.ts';
import type { ScenarioStep } from './args.ts';

/** Where a node ends up; the order is the order a drained node passes through. */
export type NodeState = 'ready' | 'tainted' | 'cordoned' | 'draining' | 'drained' | 'hook completed';

export interface PlannedStep {
  step: ScenarioStep;
  /** What the event is, for the view. */
  title: string;
  instance: FleetInstance;
  /** Milliseconds after the scenario starts. */
  at: number;
  expected: NodeState;
}

const TITLES: Record<ScenarioStep, string> = {
  spot: 'spot interruption',
  asg: 'ASG scale-in (hook)',
  maintenance: 'scheduled maintenance',
  rebalance: 'rebalance recommendation',
};

/** Seconds between steps: long enough to watch one begin before the next. */
export const STEP_SPACING_MS = 4_000;

/** What the settings make of each event (lib/plan's table, in the few cases the demo plays). */
export function expectedState(step: ScenarioStep, config: Config): NodeState {
  if (config.dryRun) return 'ready';
  const action = step === 'rebalance' ? config.rebalanceAction : 'drain';
  const finished: NodeState = step === 'asg' ? 'hook completed' : 'drained';
  if (action === 'none') return 'ready';
  if (action === 'taint') return 'tainted';
  if (action === 'cordon' || config.cordonOnly) return step === 'asg' ? finished : 'cordoned';
  return finished;
}

/** One node per step, in order; the rest of the fleet watches (and takes the evicted pods). */
export function planScenario(steps: readonly ScenarioStep[], instances: readonly FleetInstance[], config: Config): PlannedStep[] {
  return steps.map((step, i) => {
    const instance = instances[i];
    if (instance === undefined) throw new Error(`the demo cluster has ${instances.length} nodes, fewer than the ${steps.length} steps`);
    return { step, title: TITLES[step], instance, at: i * STEP_SPACING_MS, expected: expectedState(step, config) };
  });
}

/** Sends one step's event; returns a line for the view's event feed. */
export async function playStep(local: LocalEnvironment, planned: PlannedStep): Promise<string> {
  const { instanceId, nodeName } = planned.instance;
  const now = new Date();
  let event: EventBridgeEvent;
  switch (planned.step) {
    case 'spot':
      event = spotInterruption({ instanceId, time: now, id: uniqueName('spot') });
      break;
    case 'rebalance':
      event = rebalanceRecommendation({ instanceId, time: now, id: uniqueName('rebalance') });
      break;
    case 'maintenance':
      event = scheduledChange({
        instanceIds: [instanceId], time: now, id: uniqueName('health'),
        startTime: new Date(now.getTime() + 10 * 60_000), endTime: new Date(now.getTime() + 70 * 60_000),
      });
      break;
    case 'asg': {
      const hook = local.fleet.terminateHookName ?? '';
      const token = await local.moto.startLifecycleAction({
        autoScalingGroupName: local.fleet.autoScalingGroupName, lifecycleHookName: hook, instanceId,
      });
      event = asgTerminateLifecycleAction({
        instanceId, time: now, id: uniqueName('scale-in'),
        autoScalingGroupName: local.fleet.autoScalingGroupName, lifecycleHookName: hook, lifecycleActionToken: token,
      });
      break;
    }
  }
  await putEvents(local.aws, [event], local.queue.eventBusName);
  return `sent ${event['detail-type']} for ${instanceId} (${nodeName})`;
}
