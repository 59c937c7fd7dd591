// Issue 6 acceptance: the Kubernetes Events with the documented reasons appear on the Node (the
// interruption, each action, the lifecycle completion) and on each evicted Pod (PodEviction), with
// the event's annotations, the configured extra annotations and this pod as reporting instance.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { CoreV1Event } from '@kubernetes/client-node';
import { CONTROLLER_EVENT_REASONS } from '../../../lib/controller/node-events.ts';
import { EVENT_ANNOTATIONS, NODE_EVENT_REASONS, POD_EVENT_REASONS } from '../../../lib/drain/event-reasons.ts';
import { asgTerminateLifecycleAction } from '../../fixtures/events/index.ts';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createFleet } from '../../env/helpers/fleet.ts';
import { createNamespace, kubeClients } from '../../env/helpers/kube.ts';
import { createQueueWithRules, putEvents } from '../../env/helpers/queue.ts';
import { uniqueName, waitFor } from '../../env/helpers/wait.ts';
import { queueDepth, startController, type RunningController } from '../pipeline/harness.ts';
import { pinDeployment } from '../pipeline/workload.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);
const controllers: RunningController[] = [];
after(async () => {
  for (const c of controllers) await c.stop();
});

async function eventsAbout(namespace: string, kind: string, name: string): Promise<CoreV1Event[]> {
  const list = await kube.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` });
  return list.items.filter((e) => e.source?.component === 'node-termination-handler');
}

describe('Kubernetes Events', () => {
  test('on the Node for the interruption and each action, PodEviction on each evicted Pod', async () => {
    const namespace = await createNamespace(kube, uniqueName('events'));
    const fleet = await createFleet(aws, kube, { count: 1, terminateHook: {} });
    const instance = fleet.instances[0];
    assert.ok(instance && fleet.terminateHookName);
    await pinDeployment(kube, namespace, 'app', instance.nodeName, 2);
    const pods = (await kube.core.listNamespacedPod({ namespace })).items.map((p) => p.metadata?.name ?? '');
    const queue = await createQueueWithRules(aws, { ownEventBus: true });
    const running = await startController(env, queue, {
      KUBERNETES_EVENTS_EXTRA_ANNOTATIONS: 'team=infra,cluster=e2e', POD_NAME: 'nth-e2e-0', NAMESPACE: 'default',
    });
    controllers.push(running);
    const token = await env.moto.startLifecycleAction({
      autoScalingGroupName: fleet.autoScalingGroupName, lifecycleHookName: fleet.terminateHookName, instanceId: instance.instanceId,
    });
    await putEvents(aws, [asgTerminateLifecycleAction({
      instanceId: instance.instanceId, autoScalingGroupName: fleet.autoScalingGroupName,
      lifecycleHookName: fleet.terminateHookName, lifecycleActionToken: token, time: new Date(),
    })], queue.eventBusName);
    await waitFor('the message to be deleted', async () => {
      const depth = await queueDepth(aws, queue.queueUrl);
      return { done: depth === 0, seen: `${depth} messages` };
    });

    // EventBridge gives the event its ID; the log lines about the instance tell it.
    const eventId = running.logs.find((l) => l.instanceId === instance.instanceId && typeof l.eventId === 'string')?.eventId;
    assert.ok(typeof eventId === 'string');
    const expected = [
      CONTROLLER_EVENT_REASONS.Interruption, NODE_EVENT_REASONS.Cordoned, NODE_EVENT_REASONS.DrainStarted,
      NODE_EVENT_REASONS.Drained, CONTROLLER_EVENT_REASONS.LifecycleActionCompleted,
    ];
    const nodeEvents = await waitFor('the Node Events', async () => {
      const events = await eventsAbout('default', 'Node', instance.nodeName);
      const reasons = events.map((e) => e.reason ?? '');
      return { done: expected.every((r) => reasons.includes(r)), seen: reasons.join(', '), value: events };
    });
    assert.ok(nodeEvents);
    for (const reason of expected) assert.equal(nodeEvents.filter((e) => e.reason === reason).length, 1, `one ${reason} Event`);
    for (const e of nodeEvents) {
      assert.equal(e.type, 'Normal', `${e.reason}: ${e.message}`);
      assert.equal(e.reportingComponent, 'node-termination-handler');
      assert.equal(e.reportingInstance, 'nth-e2e-0');
      assert.equal(e.involvedObject.uid !== undefined, true, `${e.reason} names the Node's uid`);
      assert.deepEqual(e.metadata?.annotations, {
        team: 'infra', cluster: 'e2e',
        [EVENT_ANNOTATIONS.eventId]: eventId, [EVENT_ANNOTATIONS.eventKind]: 'asg-terminate', [EVENT_ANNOTATIONS.instanceId]: instance.instanceId,
      }, `${e.reason} annotations`);
    }
    const interruption = nodeEvents.find((e) => e.reason === CONTROLLER_EVENT_REASONS.Interruption);
    assert.match(interruption?.message ?? '', new RegExp(`Auto Scaling terminate lifecycle action for instance ${instance.instanceId} \\(event ${eventId}`));
    assert.match(nodeEvents.find((e) => e.reason === CONTROLLER_EVENT_REASONS.LifecycleActionCompleted)?.message ?? '', /CompleteLifecycleAction CONTINUE/);

    for (const pod of pods) {
      const podEvents = await waitFor(`PodEviction on ${pod}`, async () => {
        const events = await eventsAbout(namespace, 'Pod', pod);
        return { done: events.some((e) => e.reason === POD_EVENT_REASONS.PodEviction), seen: events.map((e) => e.reason).join(', '), value: events };
      });
      const eviction = podEvents?.find((e) => e.reason === POD_EVENT_REASONS.PodEviction);
      assert.match(eviction?.message ?? '', new RegExp(`node ${instance.nodeName.replaceAll('.', '\\.')} is drained`));
      assert.equal(eviction?.metadata?.annotations?.[EVENT_ANNOTATIONS.eventId], eventId);
      assert.equal(eviction?.metadata?.annotations?.team, 'infra');
    }
  });
});
