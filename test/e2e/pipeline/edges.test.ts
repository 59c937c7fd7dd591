// Issue 3 acceptance: a Health event naming three instances; three events for one instance at
// once (one drain, one lifecycle completion, three deletions); an instance outside the cluster;
// malformed messages next to a valid one in the same batch.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { asgTerminateLifecycleAction, instanceStateChange, scheduledChange, spotInterruption } from '../../fixtures/events/index.ts';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createFleet } from '../../env/helpers/fleet.ts';
import { createNamespace, kubeClients } from '../../env/helpers/kube.ts';
import { createQueueWithRules, putEvents } from '../../env/helpers/queue.ts';
import { sleep, uniqueName, waitFor } from '../../env/helpers/wait.ts';
import { metricValue, queueDepth, startController, type RunningController } from './harness.ts';
import { isCordoned, nodeWithPods, pinDeployment, runningPodsOn } from './workload.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);
const controllers: RunningController[] = [];
after(async () => {
  for (const c of controllers) await c.stop();
});

async function emptied(queueUrl: string): Promise<void> {
  await waitFor('the queue to be empty', async () => {
    const depth = await queueDepth(aws, queueUrl);
    return { done: depth === 0, seen: `${depth} messages` };
  });
}

describe('pipeline edge cases', () => {
  test('a Health event naming three instances drains all three', async () => {
    const namespace = await createNamespace(kube, uniqueName('health'));
    const fleet = await createFleet(aws, kube, { count: 3 });
    await Promise.all(fleet.instances.map((i, n) => pinDeployment(kube, namespace, `app-${n}`, i.nodeName, 1)));
    const queue = await createQueueWithRules(aws, { ownEventBus: true });
    controllers.push(await startController(env, queue));
    await putEvents(aws, [scheduledChange({ instanceIds: fleet.instances.map((i) => i.instanceId), time: new Date(), id: uniqueName('health') })], queue.eventBusName);
    for (const instance of fleet.instances) {
      await waitFor(`${instance.nodeName} drained`, async () => {
        const cordoned = await isCordoned(kube, instance.nodeName);
        const pods = await runningPodsOn(kube, namespace, instance.nodeName);
        return { done: cordoned && pods === 0, seen: `cordoned=${cordoned} pods=${pods}` };
      });
    }
    await emptied(queue.queueUrl);
  });

  test('spot warning, state change and ASG terminate for one instance: one drain, one completion, three deletions', async () => {
    const namespace = await createNamespace(kube, uniqueName('dedupe'));
    const fleet = await createFleet(aws, kube, { count: 1, terminateHook: {} });
    const instance = fleet.instances[0];
    assert.ok(instance && fleet.terminateHookName);
    await pinDeployment(kube, namespace, 'app', instance.nodeName, 3);
    const queue = await createQueueWithRules(aws, { ownEventBus: true });
    const running = await startController(env, queue);
    controllers.push(running);
    const token = await env.moto.startLifecycleAction({
      autoScalingGroupName: fleet.autoScalingGroupName, lifecycleHookName: fleet.terminateHookName, instanceId: instance.instanceId,
    });
    const now = new Date();
    await putEvents(aws, [
      spotInterruption({ instanceId: instance.instanceId, time: now, id: uniqueName('spot') }),
      instanceStateChange({ instanceId: instance.instanceId, state: 'shutting-down', time: now, id: uniqueName('state') }),
      asgTerminateLifecycleAction({
        instanceId: instance.instanceId, autoScalingGroupName: fleet.autoScalingGroupName,
        lifecycleHookName: fleet.terminateHookName, lifecycleActionToken: token, time: now, id: uniqueName('term'),
      }),
    ], queue.eventBusName);
    await emptied(queue.queueUrl);
    await sleep(1000);
    assert.equal(await metricValue(running.metrics.messagesFinished, { result: 'deleted' }), 3, 'three messages deleted');
    // actions_total counts node actions that ran, not the messages that waited on one.
    assert.equal(await metricValue(running.metrics.actions, { action: 'drain' }), 1, 'one drain action ran');
    const drainsStarted = running.logs.filter((l) => l.msg === 'drain started').length;
    assert.equal(drainsStarted, 1, `one drain ran (log lines "drain started": ${drainsStarted})`);
    const completions = (await env.moto.lifecycleCalls()).filter((c) => c.autoScalingGroupName === fleet.autoScalingGroupName && c.call === 'CompleteLifecycleAction');
    assert.equal(completions.length, 1);
    assert.equal(completions[0]?.result, 'CONTINUE');
    assert.equal(await runningPodsOn(kube, namespace, instance.nodeName), 0);
  });

  test('a spot warning of one node whose informer copy is current: one PATCH of the node, no GET', async () => {
    const { namespace, instance } = await nodeWithPods(aws, kube, 'requests', 1);
    const queue = await createQueueWithRules(aws, { ownEventBus: true });
    const running = await startController(env, queue);
    controllers.push(running);
    // A new Node settles (Ready, the node lifecycle controller's taints) before the event; then
    // the informer's copy is the apiserver's.
    let previous = '';
    await waitFor('the informer to hold the Node as it is, unchanged for a second', async () => {
      const current = (await kube.core.readNode({ name: instance.nodeName })).metadata?.resourceVersion ?? '';
      const informed = running.controller.nodes.byName(instance.nodeName)?.metadata?.resourceVersion;
      const settled = current === previous && informed === current;
      previous = current;
      if (!settled) await sleep(1000);
      return { done: settled, seen: `apiserver ${current}, informer ${informed ?? 'none'}` };
    });
    const requests = async (operation: string, code?: string) =>
      await metricValue(running.metrics.apiRequests, { target: 'kubernetes', operation, ...(code ? { code } : {}) });
    const before = { get: await requests('GET nodes'), patch: await requests('PATCH nodes') };
    await putEvents(aws, [spotInterruption({ instanceId: instance.instanceId, time: new Date(), id: uniqueName('spot') })], queue.eventBusName);
    await emptied(queue.queueUrl);
    assert.equal(await runningPodsOn(kube, namespace, instance.nodeName), 0, 'drained');
    // The cordon starts from the informer's copy and carries the drain deadline; the drain's own
    // first step starts from that PATCH's answer and finds nothing to send.
    assert.equal(await requests('PATCH nodes') - before.patch, 1, `PATCH nodes: ${await requests('PATCH nodes', '409')} answered 409`);
    assert.equal(await requests('GET nodes') - before.get, 0, 'GET nodes');
    assert.equal(running.logs.filter((l) => l.msg === 'cordoned node').length, 1, 'cordoned node is logged once');
  });

  test('an instance that is not in the cluster: message deleted, nothing changed, counted', async () => {
    const fleet = await createFleet(aws, kube, { count: 1, createNodes: false });
    const instance = fleet.instances[0];
    assert.ok(instance);
    const nodesBefore = (await kube.core.listNode()).items.filter((n) => n.spec?.unschedulable).length;
    const queue = await createQueueWithRules(aws, { ownEventBus: true });
    const running = await startController(env, queue);
    controllers.push(running);
    await putEvents(aws, [spotInterruption({ instanceId: instance.instanceId, time: new Date(), id: uniqueName('spot') })], queue.eventBusName);
    await emptied(queue.queueUrl);
    assert.equal(await metricValue(running.metrics.messagesFinished, { result: 'ignored', reason: 'node-not-found' }), 1);
    const nodesAfter = (await kube.core.listNode()).items.filter((n) => n.spec?.unschedulable).length;
    assert.equal(nodesAfter, nodesBefore, 'no node was cordoned');
  });

  test('malformed messages: no crash, one clear log line each, counted, the valid one in the batch handled', async () => {
    const { namespace, instance } = await nodeWithPods(aws, kube, 'bad', 1);
    const queue = await createQueueWithRules(aws, { ownEventBus: true, maxReceiveCount: 2 });
    const running = await startController(env, queue);
    controllers.push(running);
    const valid = spotInterruption({ instanceId: instance.instanceId, time: new Date(), id: uniqueName('spot') });
    const bad = {
      'malformed-json': '{"source": "aws.ec2", "detail-type": ',
      'unknown-source': JSON.stringify({ ...valid, source: 'aws.s3', 'detail-type': 'Object Created', id: uniqueName('s3') }),
      'missing-instance-id': JSON.stringify({ ...valid, id: uniqueName('x'), detail: { 'instance-action': 'terminate' } }),
      'wrong-type': JSON.stringify({ ...valid, id: uniqueName('y'), detail: { 'instance-id': 42, 'instance-action': 'terminate' } }),
      // SQS refuses a truly empty body; a blank one is the closest a queue can carry.
      'blank-body': ' ',
    };
    await aws.sqs.send(new SendMessageBatchCommand({
      QueueUrl: queue.queueUrl,
      Entries: [...Object.entries(bad).map(([id, body]) => ({ Id: id, MessageBody: body })), { Id: 'valid', MessageBody: JSON.stringify(valid) }],
    }));
    await waitFor('the valid event to drain its node', async () => {
      const pods = await runningPodsOn(kube, namespace, instance.nodeName);
      return { done: pods === 0, seen: `${pods} pods` };
    });
    await waitFor('each bad message to be seen', async () => {
      const invalid = await metricValue(running.metrics.messagesFinished, { result: 'invalid' });
      const ignored = await metricValue(running.metrics.messagesFinished, { result: 'ignored', reason: 'unknown-kind' });
      return { done: invalid >= 4 && ignored >= 1, seen: `invalid=${invalid} ignored=${ignored}` };
    });
    const invalidLines = running.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('invalid message'));
    const paths = new Set(invalidLines.map((l) => l.path));
    for (const path of ['$', '$.detail.instance-id']) assert.ok(paths.has(path), `a log line names ${path}: ${[...paths].join(', ')}`);
    assert.ok(invalidLines.every((l) => typeof l.messageId === 'string'), 'every line names the SQS message');
  });
});
