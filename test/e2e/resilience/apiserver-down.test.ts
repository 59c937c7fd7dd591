// Issue 7, Kubernetes API down mid-drain: a drain held by a PodDisruptionBudget, the apiserver
// stopped for 30 s, started again, the budget released → the in-process controller recovers
// without a restart: the Node watch comes back (NodeIndex restarts its informer), the drain goes
// on, the message is deleted, and nothing was left unhandled (no unhandled rejection). Runs on an
// environment of its own, because stopping the shared apiserver would fail every other test.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { instanceStateChange } from '../../fixtures/events/index.ts';
import { TestEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { kubeClients } from '../../env/helpers/kube.ts';
import { createQueue } from '../../env/helpers/queue.ts';
import { sleep, uniqueName, waitFor } from '../../env/helpers/wait.ts';
import { metricValue, queueDepth, startController, type LogLine, type RunningController } from '../pipeline/harness.ts';
import { nodeWithPods, runningPodsOn } from '../pipeline/workload.ts';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
process.on('unhandledRejection', onUnhandled);

const environment = await TestEnvironment.start();
const env = environment.shared;
const kube = kubeClients(env);
const aws = awsClients(env);
let running: RunningController | undefined;
after(async () => {
  await running?.stop();
  await environment.stop();
  process.off('unhandledRejection', onUnhandled);
});

const OUTAGE_MS = 30_000;
const seconds = (from: number, to = Date.now()): string => ((to - from) / 1000).toFixed(1);
const msgIs = (text: string) => (l: LogLine): boolean => typeof l.msg === 'string' && l.msg.startsWith(text);
const at = (l: LogLine): number => new Date(String(l.time)).getTime();

test('the apiserver stops for 30 s during a held drain; the controller recovers without a restart', { timeout: 600_000 }, async () => {
  const { namespace, instance } = await nodeWithPods(aws, kube, 'apidown', 2);
  await kube.policy.createNamespacedPodDisruptionBudget({
    namespace, body: { metadata: { name: 'hold' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'app' } } } },
  });
  const queue = await createQueue(aws);
  // A state change drains by now + NODE_TERMINATION_GRACE_PERIOD: long enough to outlast the outage.
  running = await startController(env, queue, { NODE_TERMINATION_GRACE_PERIOD: '900' });
  const { logs, controller, metrics } = running;
  await aws.sqs.send(new SendMessageCommand({
    QueueUrl: queue.queueUrl,
    MessageBody: JSON.stringify(instanceStateChange({ instanceId: instance.instanceId, state: 'stopping', time: new Date(), id: uniqueName('stop') })),
  }));
  await waitFor('the drain held by the budget', () => Promise.resolve({ done: logs.some(msgIs('eviction refused for now')), seen: `${logs.length} lines` }), { timeoutMs: 90_000 });

  const stoppedAt = Date.now();
  await environment.cluster.stopApiserver();
  const kubeOkAtDown = controller.health().kubeOkAt ?? 0;
  await sleep(OUTAGE_MS);
  const kubeOkAtBeforeRestart = controller.health().kubeOkAt ?? 0;
  const restartAt = Date.now();
  await environment.cluster.startApiserver();
  const upAt = Date.now();
  const apiserverStartup = seconds(restartAt, upAt);

  // The Node watch is back when a change made after the restart reaches the index.
  const mark = String(upAt);
  await kube.core.patchNode({ name: instance.nodeName, body: { metadata: { labels: { 'nth.test/after-outage': mark } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  await waitFor('the Node watch to deliver a change made after the outage', () => {
    const seen = controller.nodes.byName(instance.nodeName)?.metadata?.labels?.['nth.test/after-outage'];
    return Promise.resolve({ done: seen === mark, seen: `label ${seen ?? 'unset'}` });
  }, { timeoutMs: 90_000 });
  const watchBackAt = Date.now();
  const kubeOkAtBack = controller.health().kubeOkAt ?? 0;
  // The drain is alive when the budget refuses an eviction again.
  const refusedAgain = await waitFor('the drain to ask again after the outage', () => {
    const line = logs.find((l) => msgIs('eviction refused for now')(l) && at(l) >= upAt);
    return Promise.resolve({ done: line !== undefined, seen: `${logs.length} lines`, value: line });
  }, { timeoutMs: 90_000 });
  const drainBackAt = refusedAgain ? at(refusedAgain) : Date.now();

  const releasedAt = Date.now();
  await kube.policy.deleteNamespacedPodDisruptionBudget({ namespace, name: 'hold' });
  await waitFor('the node drained', async () => {
    const pods = await runningPodsOn(kube, namespace, instance.nodeName);
    return { done: pods === 0, seen: `${pods} pods` };
  }, { timeoutMs: 90_000 });
  await waitFor('the message deleted', async () => {
    const depth = await queueDepth(aws, queue.queueUrl);
    return { done: depth === 0, seen: `${depth} messages` };
  }, { timeoutMs: 90_000 });
  const deletedAt = Date.now();

  const during = logs.filter((l) => at(l) >= stoppedAt && at(l) < upAt && (l.level ?? 0) >= 40);
  const kinds = [...new Set(during.map((l) => String(l.msg).slice(0, 60)))];
  const finished = await metricValue(metrics.messagesFinished, { result: 'deleted' });
  const failed = await metricValue(metrics.messagesFinished, { result: 'failed' });
  const drains = logs.filter(msgIs('drain started')).length;
  process.stderr.write(`[resilience] apiserver down: stopped ${seconds(stoppedAt, restartAt)} s, restart took ${apiserverStartup} s; a Node change made after /readyz reached the index in ${seconds(upAt, watchBackAt)} s; the drain asking again ${seconds(upAt, drainBackAt)} s after /readyz\n`);
  process.stderr.write(`[resilience] apiserver down: budget released → message deleted in ${seconds(releasedAt, deletedAt)} s (eviction back-off ≤ 10 s included; ${seconds(upAt, deletedAt)} s after the apiserver was back); drains started ${drains}, messages failed ${failed} then deleted ${finished}\n`);
  process.stderr.write(`[resilience] apiserver down: ${during.length} warn/error lines while down: ${kinds.join(' | ')}\n`);
  process.stderr.write(`[resilience] apiserver down: kubeOkAt at stop ${new Date(kubeOkAtDown).toISOString()}, just before restart ${new Date(kubeOkAtBeforeRestart).toISOString()}; unhandled rejections ${unhandled.length}\n`);

  assert.deepEqual(unhandled, [], 'no unhandled rejection');
  assert.equal(controller.health().state, 'running');
  assert.equal(finished, 1, 'the message was deleted after the drain');
  assert.equal(kubeOkAtBeforeRestart, kubeOkAtDown, 'health().kubeOkAt stood still while the apiserver was down');
  assert.ok(kubeOkAtBack >= upAt, 'health().kubeOkAt moves again once the watch is back');
});
