// Issue 5 acceptance: the controller runs with the token of the ServiceAccount that deploy/base
// binds to its ClusterRole (not the admin token) and does its whole job: a spot drain, an ASG
// terminate held by a PodDisruptionBudget (heartbeats and visibility renewals meanwhile), and an
// ASG launch whose node never comes (retried, then ABANDON). The AWS calls it made on the way,
// recorded by the SDK clients themselves, are exactly the IAM policy's actions: no more, no less.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CONTROLLER_AWS_ACTIONS, iamActionForOperation } from '../../../infra/permissions.ts';
import { asgLaunchLifecycleAction, asgTerminateLifecycleAction, spotInterruption } from '../../fixtures/events/index.ts';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createFleet, createNode, type Fleet, type FleetInstance } from '../../env/helpers/fleet.ts';
import { kubeClients } from '../../env/helpers/kube.ts';
import { createQueueWithRules, putEvents, type TestQueue } from '../../env/helpers/queue.ts';
import { uniqueName, waitFor } from '../../env/helpers/wait.ts';
import { queueDepth } from '../pipeline/harness.ts';
import { isCordoned, pinDeployment, runningPodsOn } from '../pipeline/workload.ts';
import { anyForbidden, launchController, settledWithin, type LaunchedController } from './controller.ts';
import { BASE_DIR, kubectlFor } from './kubectl.ts';
import { installRbacCopy, rbacOf, type RbacCopy } from './rbac.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);
const kubectl = await kubectlFor(env);

describe('the controller with the deploy ServiceAccount\'s token', () => {
  let copy: RbacCopy;
  let queue: TestQueue;
  let running: LaunchedController;
  // One Auto Scaling group (moto creates groups slowly) with both hooks: the spot and the
  // terminating instance become Nodes, the launching one never does.
  let group: Fleet;
  let spot: FleetInstance;
  let terminating: FleetInstance;
  let launching: FleetInstance;

  before(async () => {
    copy = await installRbacCopy(env, kube, rbacOf(await kubectl.render(BASE_DIR)), { name: uniqueName('nth-sa') });
    [group, queue] = await Promise.all([
      createFleet(aws, kube, { count: 3, terminateHook: { heartbeatTimeout: 30 }, launchHook: {}, createNodes: false }),
      createQueueWithRules(aws, { ownEventBus: true }),
    ]);
    const [a, b, c] = group.instances;
    assert.ok(a && b && c);
    [spot, terminating, launching] = [a, b, c];
    await Promise.all([createNode(kube, spot), createNode(kube, terminating)]);
    await Promise.all([
      pinDeployment(kube, copy.namespace, 'spot-app', spot.nodeName, 2),
      pinDeployment(kube, copy.namespace, 'held', terminating.nodeName, 2),
    ]);
    // minAvailable 2 of 2: the terminate drain waits until the test has seen heartbeats and renewals.
    await kube.policy.createNamespacedPodDisruptionBudget({
      namespace: copy.namespace, body: { metadata: { name: 'held' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'held' } } } },
    });
    running = await launchController(env, queue, {
      NTH_KUBECONFIG: copy.kubeconfig,
      POD_NAME: 'node-termination-handler-test',
      NAMESPACE: copy.namespace,
      HEARTBEAT_INTERVAL: '1',
      HEARTBEAT_UNTIL: '60',
      // The shortest allowed: visibility is renewed every ~3 s while the PDB holds the drain.
      NTH_VISIBILITY_TIMEOUT: '10',
      NTH_LAUNCH_TIMEOUT: '3',
    });
    assert.equal(await settledWithin(running.started, 15_000), 'started');

    const terminateToken = await env.moto.startLifecycleAction({
      autoScalingGroupName: group.autoScalingGroupName, lifecycleHookName: group.terminateHookName ?? '', instanceId: terminating.instanceId,
    });
    const launchToken = await env.moto.startLifecycleAction({
      autoScalingGroupName: group.autoScalingGroupName, lifecycleHookName: group.launchHookName ?? '', instanceId: launching.instanceId,
    });
    const time = new Date();
    await putEvents(aws, [
      spotInterruption({ instanceId: spot.instanceId, time, id: uniqueName('spot') }),
      asgTerminateLifecycleAction({
        instanceId: terminating.instanceId, autoScalingGroupName: group.autoScalingGroupName,
        lifecycleHookName: group.terminateHookName ?? '', lifecycleActionToken: terminateToken, time, id: uniqueName('term'),
      }),
      asgLaunchLifecycleAction({
        instanceId: launching.instanceId, autoScalingGroupName: group.autoScalingGroupName,
        lifecycleHookName: group.launchHookName ?? '', lifecycleActionToken: launchToken, time, id: uniqueName('launch'),
      }),
    ], queue.eventBusName);
  });
  after(async () => {
    await running?.stop();
    await copy?.remove();
  });

  const completions = async (instance: FleetInstance) => (await env.moto.lifecycleCalls())
    .filter((c) => c.instanceId === instance.instanceId && c.call === 'CompleteLifecycleAction');

  test('spot interruption: the node is cordoned and drained', async () => {
    const { nodeName } = spot;
    await waitFor(`${nodeName} cordoned with no running pods`, async () => {
      const cordoned = await isCordoned(kube, nodeName);
      const pods = await runningPodsOn(kube, copy.namespace, nodeName);
      return { done: cordoned && pods === 0, seen: `cordoned=${cordoned} pods=${pods}` };
    });
  });

  test('ASG terminate: heartbeats and visibility renewals while a PDB holds the drain, then CONTINUE', async () => {
    await waitFor('two heartbeats and a batch visibility renewal', async () => {
      const beats = (await env.moto.lifecycleCalls())
        .filter((c) => c.instanceId === terminating.instanceId && c.call === 'RecordLifecycleActionHeartbeat' && c.outcome === 'ok').length;
      const renewals = running.awsCalls.filter((c) => c.operation === 'ChangeMessageVisibilityBatch').length;
      return { done: beats >= 2 && renewals >= 1, seen: `heartbeats=${beats} renewals=${renewals}` };
    }, { timeoutMs: 20_000 });
    assert.equal((await completions(terminating)).length, 0, 'not completed while the PDB holds the pods');
    await kube.policy.deleteNamespacedPodDisruptionBudget({ namespace: copy.namespace, name: 'held' });
    const calls = await waitFor('CompleteLifecycleAction', async () => {
      const done = await completions(terminating);
      return { done: done.length > 0, seen: `${done.length} completions`, value: done };
    });
    assert.equal(calls?.[0]?.result, 'CONTINUE');
    assert.equal(await runningPodsOn(kube, copy.namespace, terminating.nodeName), 0);
  });

  test('ASG launch whose node never joins: retried, then ABANDON', async () => {
    const calls = await waitFor('the launch to be abandoned', async () => {
      const done = await completions(launching);
      return { done: done.length > 0, seen: `${done.length} completions`, value: done };
    });
    assert.equal(calls?.[0]?.result, 'ABANDON');
    assert.ok(running.awsCalls.some((c) => c.operation === 'ChangeMessageVisibility'), 'the message was put back with a delay first');
  });

  test('every message is deleted, and no request was refused', async () => {
    await waitFor('the queue to be empty', async () => {
      const depth = await queueDepth(aws, queue.queueUrl);
      return { done: depth === 0, seen: `${depth} messages` };
    });
    assert.deepEqual(anyForbidden(running.logs), [], 'the ClusterRole covers every Kubernetes request made');
  });

  test('the AWS operations sent map onto exactly CONTROLLER_AWS_ACTIONS', () => {
    const operations = [...new Set(running.awsCalls.map((c) => `${c.service}:${c.operation}`))].sort();
    // Every call the code can make, so the comparison below covers the whole policy.
    assert.deepEqual(operations, [
      'autoscaling:CompleteLifecycleAction',
      'autoscaling:RecordLifecycleActionHeartbeat',
      'ec2:DescribeInstances',
      'sqs:ChangeMessageVisibility',
      'sqs:ChangeMessageVisibilityBatch',
      'sqs:DeleteMessageBatch',
      'sqs:ReceiveMessage',
    ]);
    const unauthorised = running.awsCalls.filter((c) => iamActionForOperation(c.service, c.operation) === undefined);
    assert.deepEqual(unauthorised, [], 'every call the code made is allowed by the policy');
    const used = new Set(running.awsCalls.map((c) => iamActionForOperation(c.service, c.operation)));
    assert.deepEqual([...used].sort(), [...CONTROLLER_AWS_ACTIONS].sort(), 'every action the policy grants was used');
  });
});
