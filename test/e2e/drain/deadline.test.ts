// A budget that never allows a disruption: the drain retries (with back-off, not in a hot loop)
// until its deadline, then stops and names the stuck pod in its result, a log line and a Node
// Event; with forceDeleteAtDeadline the pod is deleted then. A pod under two budgets is reported
// at once (the eviction API refuses it with a 500 that retrying cannot fix).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DrainBlockedError, DrainDeadlineExceededError } from '../../../lib/drain/errors.ts';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createNamespace, kubeClients, statusOf } from '../../env/helpers/kube.ts';
import { uniqueName, waitFor } from '../../env/helpers/wait.ts';
import { createEngine, createNodes, drainRequest, inNamespace, nodeEvents, waitForRunningPods } from './harness.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);

/** A one-replica Deployment pinned to `nodeName` (its replacement could only run there) and budgets over it. */
async function guardedApp(namespace: string, nodeName: string, name: string, budgets: { minAvailable?: number; maxUnavailable?: number }[]): Promise<string> {
  const labels = { app: name };
  await kube.apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { nodeSelector: { 'kubernetes.io/hostname': nodeName }, containers: [{ name: 'app', image: 'fake' }] } },
      },
    },
  });
  for (const [i, budget] of budgets.entries()) {
    await kube.policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: { metadata: { name: `${name}-${i}` }, spec: { ...budget, selector: { matchLabels: labels } } },
    });
  }
  const [pod] = await waitForRunningPods(kube, namespace, 1, `app=${name}`);
  for (const i of budgets.keys()) {
    // With two budgets over one pod the disruption controller resyncs only one of them when the
    // pod changes, so the other may not count it for a while; the eviction API refuses such a pod
    // before it reads any budget's status, so "observed" is all the two-budget case needs.
    const counted = budgets.length === 1;
    await waitFor(`PDB ${name}-${i} to be observed${counted ? ' and count the pod' : ''}`, async () => {
      const pdb = await kube.policy.readNamespacedPodDisruptionBudget({ namespace, name: `${name}-${i}` });
      const observed = pdb.status?.observedGeneration === pdb.metadata?.generation;
      return { done: observed && (!counted || pdb.status?.currentHealthy === 1), seen: JSON.stringify(pdb.status) };
    });
  }
  return `${namespace}/${pod?.metadata?.name ?? ''}`;
}

describe('drain: deadline and unfixable refusals', () => {
  test('a budget that never allows a disruption: the drain stops at the deadline and names the pod (also with force delete)', async () => {
    const namespace = await createNamespace(kube, uniqueName('drain-deadline'));
    const [patient, forceful] = await createNodes(aws, kube, 2);
    assert.ok(patient && forceful);
    const stuck = await guardedApp(namespace, patient, 'stuck', [{ minAvailable: 1 }]);
    const forced = await guardedApp(namespace, forceful, 'forced', [{ maxUnavailable: 0 }]);
    const engine = createEngine(env);
    const forcing = createEngine(env, { forceDeleteAtDeadline: true });

    // Both drains run at once so the test waits for one 10 s deadline only.
    const [result, forcedResult] = await Promise.all([
      engine.operator.drain(drainRequest(patient, 10_000), new AbortController().signal),
      forcing.operator.drain(drainRequest(forceful, 10_000), new AbortController().signal),
    ]);

    assert.equal(result.outcome, 'deadline');
    assert.deepEqual(inNamespace(namespace, result.remaining), [stuck]);
    assert.deepEqual(inNamespace(namespace, result.evicted), []);
    assert.ok(result.error instanceof DrainDeadlineExceededError);
    assert.ok(result.durationMs >= 9_500 && result.durationMs < 15_000, `stopped at the deadline (${result.durationMs} ms)`);
    const line = engine.logs.find((l) => l.msg.includes('drain deadline exceeded'));
    assert.ok(line?.msg.includes(stuck), `a log line names the pod: ${JSON.stringify(line)}`);
    assert.equal(line?.nodeName, patient);
    await engine.events.flush(); // Events go out in the background
    const event = (await nodeEvents(kube, patient)).find((e) => e.reason === 'DrainDeadlineExceeded');
    assert.ok(event?.message.includes(stuck), `a Node Event names the pod: ${JSON.stringify(event)}`);
    assert.equal(event?.type, 'Warning');
    // Back-off, not a hot loop: ~1, 2, 4, 8 s apart (jittered), so only a handful in 10 s.
    const refusals = engine.logs.filter((l) => l.msg.startsWith('eviction refused for now')).length;
    assert.ok(refusals >= 2 && refusals <= 8, `${refusals} refused attempts in 10 s`);
    await kube.core.readNamespacedPod({ namespace, name: stuck.split('/')[1] ?? '' }); // still there

    assert.equal(forcedResult.outcome, 'deadline');
    assert.deepEqual(inNamespace(namespace, forcedResult.forceDeleted), [forced]);
    await waitFor(`${forced} to be force-deleted`, async () => {
      const status = await kube.core.readNamespacedPod({ namespace, name: forced.split('/')[1] ?? '' }).then(() => 200, (e: unknown) => statusOf(e));
      return { done: status === 404, seen: String(status) };
    });
  });

  test('a pod under two budgets is reported as such at once, without retrying', async () => {
    const namespace = await createNamespace(kube, uniqueName('drain-2pdb'));
    const [node] = await createNodes(aws, kube, 1);
    assert.ok(node);
    const pod = await guardedApp(namespace, node, 'doubly', [{ maxUnavailable: 1 }, { maxUnavailable: 1 }]);
    const engine = createEngine(env);

    const result = await engine.operator.drain(drainRequest(node, 30_000), new AbortController().signal);

    assert.equal(result.outcome, 'failed');
    assert.ok(result.error instanceof DrainBlockedError, String(result.error));
    assert.deepEqual(result.blocked?.filter((b) => b.pod.startsWith(`${namespace}/`)), [{ pod, reason: 'covered by more than one PodDisruptionBudget' }]);
    assert.deepEqual(inNamespace(namespace, result.remaining), [pod]);
    assert.ok(result.durationMs < 5_000, `reported at once (${result.durationMs} ms)`);
    const attempts = engine.logs.filter((l) => l.pod === pod && /evict/.test(l.msg));
    assert.equal(attempts.length, 1, `one attempt, then reported: ${JSON.stringify(attempts)}`);
    await engine.events.flush(); // Events go out in the background
    const event = (await nodeEvents(kube, node)).find((e) => e.reason === 'DrainBlocked');
    assert.ok(event?.message.includes('more than one PodDisruptionBudget'), JSON.stringify(event));
  });
});
