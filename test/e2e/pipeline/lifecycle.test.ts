// Issue 3 acceptance: Auto Scaling lifecycle hooks. Terminate: heartbeats while a PDB holds the
// drain, then exactly one CompleteLifecycleAction CONTINUE with the right token, after the node
// is drained. Launch: CONTINUE only once the Node is Ready; ABANDON when it never appears. No
// Node for a terminate: the hook is completed with the configured result.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { asgLaunchLifecycleAction, asgTerminateLifecycleAction } from '../../fixtures/events/index.ts';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createFleet, createNode } from '../../env/helpers/fleet.ts';
import { createNamespace, kubeClients } from '../../env/helpers/kube.ts';
import { createQueueWithRules, putEvents } from '../../env/helpers/queue.ts';
import { sleep, uniqueName, waitFor } from '../../env/helpers/wait.ts';
import type { LifecycleCall } from '../../env/moto.ts';
import { queueDepth, startController, type RunningController } from './harness.ts';
import { pinDeployment, runningPodsOn } from './workload.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);
const controllers: RunningController[] = [];
after(async () => {
  for (const c of controllers) await c.stop();
});

async function callsFor(groupName: string): Promise<LifecycleCall[]> {
  return (await env.moto.lifecycleCalls()).filter((c) => c.autoScalingGroupName === groupName);
}

describe('ASG lifecycle hooks', () => {
  test('terminate: heartbeats while a PDB holds the drain, then one CONTINUE after the node is drained', async () => {
    const namespace = await createNamespace(kube, uniqueName('asg-term'));
    const fleet = await createFleet(aws, kube, { count: 1, terminateHook: { heartbeatTimeout: 30 } });
    const instance = fleet.instances[0];
    assert.ok(instance && fleet.terminateHookName);
    await pinDeployment(kube, namespace, 'held', instance.nodeName, 2);
    // minAvailable 2 of 2 pinned pods: no eviction is allowed until the test relaxes it.
    await kube.policy.createNamespacedPodDisruptionBudget({
      namespace, body: { metadata: { name: 'held' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'held' } } } },
    });
    const queue = await createQueueWithRules(aws, { ownEventBus: true });
    const running = await startController(env, queue, { HEARTBEAT_INTERVAL: '1', HEARTBEAT_UNTIL: '60' });
    controllers.push(running);
    const token = await env.moto.startLifecycleAction({
      autoScalingGroupName: fleet.autoScalingGroupName, lifecycleHookName: fleet.terminateHookName, instanceId: instance.instanceId,
    });
    await putEvents(aws, [asgTerminateLifecycleAction({
      instanceId: instance.instanceId, autoScalingGroupName: fleet.autoScalingGroupName,
      lifecycleHookName: fleet.terminateHookName, lifecycleActionToken: token, time: new Date(), id: uniqueName('term'),
    })], queue.eventBusName);

    // Two heartbeat intervals and more while the PDB blocks every eviction.
    await waitFor('two heartbeats while the drain is held', async () => {
      const beats = (await callsFor(fleet.autoScalingGroupName)).filter((c) => c.call === 'RecordLifecycleActionHeartbeat' && c.outcome === 'ok');
      return { done: beats.length >= 2, seen: `${beats.length} heartbeats` };
    }, { timeoutMs: 20_000 });
    assert.equal((await callsFor(fleet.autoScalingGroupName)).filter((c) => c.call === 'CompleteLifecycleAction').length, 0, 'not completed while pods remain');
    assert.equal(await runningPodsOn(kube, namespace, instance.nodeName), 2, 'the PDB held both pods');

    await kube.policy.deleteNamespacedPodDisruptionBudget({ namespace, name: 'held' });
    let drainedAt = 0;
    await waitFor('the node to be drained', async () => {
      const pods = await runningPodsOn(kube, namespace, instance.nodeName);
      if (pods === 0 && drainedAt === 0) drainedAt = Date.now() / 1000;
      return { done: pods === 0, seen: `${pods} pods` };
    }, { intervalMs: 50 });
    const completion = await waitFor('CompleteLifecycleAction', async () => {
      const done = (await callsFor(fleet.autoScalingGroupName)).filter((c) => c.call === 'CompleteLifecycleAction');
      return { done: done.length > 0, seen: `${done.length} completions`, value: done };
    });
    await waitFor('the message to be deleted', async () => ({ done: (await queueDepth(aws, queue.queueUrl)) === 0, seen: 'messages left' }));
    await sleep(1500); // a second completion, if any, would show up now
    const completions = (await callsFor(fleet.autoScalingGroupName)).filter((c) => c.call === 'CompleteLifecycleAction');
    assert.equal(completions.length, 1, `exactly one completion: ${JSON.stringify(completions)}`);
    const [call] = completion ?? [];
    assert.equal(call?.result, 'CONTINUE');
    assert.equal(call?.token, token);
    assert.equal(call?.outcome, 'ok');
    assert.equal(call?.instanceId, instance.instanceId);
    // moto's clock and ours are the same machine's; the 50 ms poll makes drainedAt a little late.
    assert.ok((call?.time ?? 0) >= drainedAt - 0.2, `completed (${call?.time}) only after the node was drained (${drainedAt})`);
  });

  test('launch: CONTINUE only once the Node is Ready', async () => {
    const fleet = await createFleet(aws, kube, { count: 1, launchHook: {}, createNodes: false });
    const instance = fleet.instances[0];
    assert.ok(instance && fleet.launchHookName);
    const queue = await createQueueWithRules(aws, { ownEventBus: true });
    const running = await startController(env, queue, { NTH_LAUNCH_TIMEOUT: '120' });
    controllers.push(running);
    const token = await env.moto.startLifecycleAction({
      autoScalingGroupName: fleet.autoScalingGroupName, lifecycleHookName: fleet.launchHookName, instanceId: instance.instanceId,
    });
    await putEvents(aws, [asgLaunchLifecycleAction({
      instanceId: instance.instanceId, autoScalingGroupName: fleet.autoScalingGroupName,
      lifecycleHookName: fleet.launchHookName, lifecycleActionToken: token, time: new Date(), id: uniqueName('launch'),
    })], queue.eventBusName);
    await sleep(3000);
    assert.equal((await callsFor(fleet.autoScalingGroupName)).length, 0, 'nothing completed while the node does not exist');
    await createNode(kube, instance);
    const readyAt = Date.now() / 1000;
    const calls = await waitFor('the launch to be completed', async () => {
      const done = (await callsFor(fleet.autoScalingGroupName)).filter((c) => c.call === 'CompleteLifecycleAction');
      return { done: done.length > 0, seen: `${done.length} completions`, value: done };
    }, { timeoutMs: 30_000 });
    assert.equal(calls?.length, 1);
    assert.equal(calls?.[0]?.result, 'CONTINUE');
    assert.equal(calls?.[0]?.token, token);
    assert.ok((calls?.[0]?.time ?? 0) >= readyAt - 0.5, 'completed after the Node turned Ready');
    await waitFor('the message to be deleted', async () => ({ done: (await queueDepth(aws, queue.queueUrl)) === 0, seen: 'messages left' }));
  });

  test('launch: a node that never appears is ABANDONed after the launch timeout', async () => {
    const fleet = await createFleet(aws, kube, { count: 1, launchHook: {}, createNodes: false });
    const instance = fleet.instances[0];
    assert.ok(instance && fleet.launchHookName);
    const queue = await createQueueWithRules(aws, { ownEventBus: true });
    const running = await startController(env, queue, { NTH_LAUNCH_TIMEOUT: '3' });
    controllers.push(running);
    const token = await env.moto.startLifecycleAction({
      autoScalingGroupName: fleet.autoScalingGroupName, lifecycleHookName: fleet.launchHookName, instanceId: instance.instanceId,
    });
    const sentAt = Date.now() / 1000;
    await putEvents(aws, [asgLaunchLifecycleAction({
      instanceId: instance.instanceId, autoScalingGroupName: fleet.autoScalingGroupName,
      lifecycleHookName: fleet.launchHookName, lifecycleActionToken: token, time: new Date(), id: uniqueName('launch'),
    })], queue.eventBusName);
    const calls = await waitFor('ABANDON', async () => {
      const done = (await callsFor(fleet.autoScalingGroupName)).filter((c) => c.call === 'CompleteLifecycleAction');
      return { done: done.length > 0, seen: `${done.length} completions`, value: done };
    }, { timeoutMs: 30_000 });
    assert.equal(calls?.[0]?.result, 'ABANDON');
    assert.ok((calls?.[0]?.time ?? 0) >= sentAt + 2.5, 'not before the timeout');
    await waitFor('the message to be deleted', async () => ({ done: (await queueDepth(aws, queue.queueUrl)) === 0, seen: 'messages left' }));
  });

  test('terminate with no Node: the hook is completed with the configured result', async () => {
    const fleet = await createFleet(aws, kube, { count: 1, terminateHook: {}, createNodes: false });
    const instance = fleet.instances[0];
    assert.ok(instance && fleet.terminateHookName);
    const queue = await createQueueWithRules(aws, { ownEventBus: true });
    const running = await startController(env, queue, { NTH_LIFECYCLE_RESULT_ON_NODE_NOT_FOUND: 'ABANDON' });
    controllers.push(running);
    const token = await env.moto.startLifecycleAction({
      autoScalingGroupName: fleet.autoScalingGroupName, lifecycleHookName: fleet.terminateHookName, instanceId: instance.instanceId,
    });
    await putEvents(aws, [asgTerminateLifecycleAction({
      instanceId: instance.instanceId, autoScalingGroupName: fleet.autoScalingGroupName,
      lifecycleHookName: fleet.terminateHookName, lifecycleActionToken: token, time: new Date(), id: uniqueName('term'),
    })], queue.eventBusName);
    const calls = await waitFor('the hook to be completed', async () => {
      const done = (await callsFor(fleet.autoScalingGroupName)).filter((c) => c.call === 'CompleteLifecycleAction');
      return { done: done.length > 0, seen: `${done.length} completions`, value: done };
    });
    assert.equal(calls?.[0]?.result, 'ABANDON');
    assert.equal(calls?.[0]?.outcome, 'ok');
    await waitFor('the message to be deleted', async () => ({ done: (await queueDepth(aws, queue.queueUrl)) === 0, seen: 'messages left' }));
  });
});
