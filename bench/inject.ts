// The storm: K interruption events for K instances, spread evenly over S seconds and sent through
// EventBridge (PutEvents, ten entries a call), so the rules of infra/event-patterns.ts route them
// to the queue as in AWS. A message's "sent" time is when the PutEvents call carrying it returned.
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { asgTerminateLifecycleAction, spotInterruption, type EventBridgeEvent } from '../test/fixtures/events/index.ts';
import type { AwsClients } from '../test/env/helpers/aws.ts';
import type { MotoHarness } from '../test/env/moto.ts';
import type { FleetInstance } from '../test/env/helpers/fleet.ts';
import { sleep } from '../test/env/helpers/wait.ts';
import { percentile } from './report.ts';
import { inParallel } from './scenario.ts';

export type EventKindOption = 'spot' | 'asg';

export interface Injection {
  /** Instance ID → when PutEvents returned for its event (epoch ms). */
  sentAt: Map<string, number>;
  firstSentAt: number;
  lastSentAt: number;
  /** How long PutEvents took (moto's pace limits the storm's). */
  putEventsMs: { p50: number; max: number };
}

export interface LifecycleTarget {
  autoScalingGroupName: string;
  lifecycleHookName: string;
}

/** For ASG terminations: start a lifecycle action per instance (as a scale-in would); returns the tokens. */
export async function startLifecycleActions(moto: MotoHarness, target: LifecycleTarget, instances: FleetInstance[]): Promise<Map<string, string>> {
  const tokens = new Map<string, string>();
  await inParallel(instances, 8, async (instance) => {
    tokens.set(instance.instanceId, await moto.startLifecycleAction({ ...target, instanceId: instance.instanceId }));
  });
  return tokens;
}

export function buildEvent(kind: EventKindOption, runId: string, index: number, instance: FleetInstance, lifecycle?: LifecycleTarget & { token: string }): EventBridgeEvent {
  const common = { id: `bench-${runId}-${index}`, time: new Date(), instanceId: instance.instanceId };
  if (kind === 'spot') return spotInterruption(common);
  if (!lifecycle) throw new Error('an ASG termination needs its lifecycle hook and token');
  return asgTerminateLifecycleAction({
    ...common, autoScalingGroupName: lifecycle.autoScalingGroupName, lifecycleHookName: lifecycle.lifecycleHookName, lifecycleActionToken: lifecycle.token,
  });
}

/**
 * Sends one event per instance, event i at i × S / (K − 1) seconds after the start, one PutEvents
 * call each: moto delivers to the queue inside the call, and a handler polling the queue may have
 * acted before a ten-entry call returns, which would blur "sent". Calls overlap (up to 8) when moto
 * is slower than the schedule, so the storm keeps its pace.
 */
export async function inject(aws: AwsClients, eventBusName: string, instances: FleetInstance[], withinSeconds: number,
  makeEvent: (instance: FleetInstance, index: number) => EventBridgeEvent): Promise<Injection> {
  const spacingMs = instances.length > 1 ? (withinSeconds * 1000) / (instances.length - 1) : 0;
  const sentAt = new Map<string, number>();
  const callMs: number[] = [];
  const start = Date.now();
  await inParallel(instances, 8, async (instance, i) => {
    const due = start + i * spacingMs;
    if (due > Date.now()) await sleep(due - Date.now());
    // The event time is taken now, as AWS stamps it when the interruption is decided.
    const event = makeEvent(instance, i);
    const called = Date.now();
    const out = await aws.eventbridge.send(new PutEventsCommand({ Entries: [{
      Source: event.source, DetailType: event['detail-type'], Detail: JSON.stringify(event.detail),
      Time: new Date(event.time), Resources: event.resources, EventBusName: eventBusName,
    }] }));
    const at = Date.now();
    if (out.FailedEntryCount) throw new Error(`PutEvents failed: ${JSON.stringify(out.Entries)}`);
    sentAt.set(instance.instanceId, at);
    callMs.push(at - called);
  });
  const times = [...sentAt.values()];
  callMs.sort((a, b) => a - b);
  return { sentAt, firstSentAt: Math.min(...times), lastSentAt: Math.max(...times), putEventsMs: { p50: percentile(callMs, 50), max: callMs.at(-1) ?? 0 } };
}
