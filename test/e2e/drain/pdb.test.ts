// A drain respects a PodDisruptionBudget on a real control plane: three replicas on one node with
// minAvailable 2 leave one at a time, each only after a replacement elsewhere is Ready.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createNamespace, kubeClients } from '../../env/helpers/kube.ts';
import { uniqueName, waitFor } from '../../env/helpers/wait.ts';
import { createEngine, createNodes, drainRequest, inNamespace, isReady, recordPodEvents, testLabel, waitForRunningPods } from './harness.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);

describe('drain with a PodDisruptionBudget', () => {
  test('evicts one replica at a time; replacements run elsewhere; the budget is never broken', async () => {
    const namespace = await createNamespace(kube, uniqueName('drain-pdb'));
    // All replicas land on node A because it is the only node of its pool; B and C join the pool
    // afterwards, so the replacements (A being cordoned) can only go there.
    const pool = testLabel();
    const [nodeA] = await createNodes(aws, kube, 1, pool);
    assert.ok(nodeA);
    const labels = { app: 'web' };
    await kube.apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { nodeSelector: pool, terminationGracePeriodSeconds: 5, containers: [{ name: 'app', image: 'fake' }] },
          },
        },
      },
    });
    await kube.policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: { metadata: { name: 'web' }, spec: { minAvailable: 2, selector: { matchLabels: labels } } },
    });
    const original = await waitForRunningPods(kube, namespace, 3);
    assert.ok(original.every((pod) => pod.spec?.nodeName === nodeA), 'all three replicas start on node A');
    await waitFor('the PDB to allow exactly one disruption', async () => {
      const pdb = await kube.policy.readNamespacedPodDisruptionBudget({ namespace, name: 'web' });
      const s = pdb.status;
      return { done: s?.observedGeneration === pdb.metadata?.generation && s?.currentHealthy === 3 && s.disruptionsAllowed === 1, seen: JSON.stringify(s) };
    });
    const others = await createNodes(aws, kube, 2, pool);

    // Healthy = Ready and not terminating, as the disruption controller counts them.
    const healthy = new Map<string, boolean>();
    let minimumHealthy = Number.POSITIVE_INFINITY;
    const violations: string[] = [];
    const recorder = await recordPodEvents(kube, namespace, ({ type, pod }) => {
      const name = pod.metadata?.name ?? '';
      if (type === 'DELETED') healthy.delete(name);
      else healthy.set(name, isReady(pod) && !pod.metadata?.deletionTimestamp);
      const count = [...healthy.values()].filter(Boolean).length;
      minimumHealthy = Math.min(minimumHealthy, count);
      if (count < 2) violations.push(`${type} ${name}: ${count} healthy`);
    });
    for (const pod of original) healthy.set(pod.metadata?.name ?? '', true);

    try {
      const engine = createEngine(env);
      const result = await engine.operator.drain(drainRequest(nodeA, 90_000), new AbortController().signal);
      assert.equal(result.outcome, 'drained', `drain result: ${JSON.stringify(result)}`);
      assert.deepEqual(inNamespace(namespace, result.evicted), original.map((p) => `${namespace}/${p.metadata?.name}`).sort());
      assert.deepEqual(inNamespace(namespace, result.remaining), []);
      // (Whether the server answered 429 or held an eviction in its own conflict retry until the
      // budget allowed it, no eviction failed: refusals are retried, not reported.)
      assert.equal(engine.logs.filter((line) => line.msg === 'pod cannot be evicted').length, 0);

      const replacements = await waitForRunningPods(kube, namespace, 3);
      assert.equal(replacements.length, 3);
      for (const pod of replacements) assert.ok(others.includes(pod.spec?.nodeName ?? ''), `${pod.metadata?.name} runs on ${pod.spec?.nodeName}, not on B or C`);
    } finally {
      recorder.stop();
    }
    assert.deepEqual(violations, [], 'the PDB (minAvailable 2) was never violated');
    assert.ok(minimumHealthy >= 2, `minimum healthy replicas seen: ${minimumHealthy}`);
    // Each eviction was followed by a replacement before the next: the watch saw 3 terminations.
    const terminated = new Set(recorder.events.filter((e) => e.pod.metadata?.deletionTimestamp).map((e) => e.pod.metadata?.name));
    assert.equal(terminated.size, 3);
  });
});
