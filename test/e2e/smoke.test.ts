// Proves the local environment is real, not a stand-in that agrees with our guesses: the
// disruption controller enforces a PodDisruptionBudget on a Running pod, KWOK finishes a deleted
// pod, and EventBridge delivers only events that match a rule to the queue.
import assert from 'node:assert/strict';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describe, test } from 'node:test';
import { useEnvironment } from '../env/environment.ts';
import { awsClients } from '../env/helpers/aws.ts';
import { createFleet } from '../env/helpers/fleet.ts';
import { createNamespace, kubeClients, statusOf } from '../env/helpers/kube.ts';
import { createQueueWithRules, peekMessages, putEvents } from '../env/helpers/queue.ts';
import { uniqueName, waitFor } from '../env/helpers/wait.ts';

// At the top level, so that a file run on its own tears its environment down after all its tests.
const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);

describe('smoke: the local environment is real', () => {
  test('a PDB that allows no disruption blocks eviction (429) until scale-up, then KWOK finishes the pod', async () => {
    const namespace = await createNamespace(kube, uniqueName('smoke'));
    await createFleet(aws, kube, { count: 1 });
    const labels = { app: 'guarded' };
    await kube.apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'guarded' },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'fake' }] } },
        },
      },
    });
    await kube.policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: { metadata: { name: 'guarded' }, spec: { minAvailable: 1, selector: { matchLabels: labels } } },
    });
    const pod = await waitFor('the guarded pod to run', async () => {
      const pods = await kube.core.listNamespacedPod({ namespace });
      const running = pods.items.find((p) => p.status?.phase === 'Running');
      return { done: !!running, seen: pods.items.map((p) => `${p.metadata?.name}:${p.status?.phase}`).join(', ') || 'no pods', value: running };
    });
    const podName = pod?.metadata?.name ?? '';
    await waitFor('the PDB to count the pod (disruption controller)', async () => {
      const pdb = await kube.policy.readNamespacedPodDisruptionBudget({ namespace, name: 'guarded' });
      const s = pdb.status;
      return {
        done: s?.observedGeneration === pdb.metadata?.generation && s?.currentHealthy === 1 && s?.disruptionsAllowed === 0,
        seen: JSON.stringify(s),
      };
    });

    const evict = () => kube.core.createNamespacedPodEviction({
      name: podName, namespace, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: podName, namespace } },
    });
    const refused = await evict().then(() => 201, (error: unknown) => statusOf(error));
    assert.equal(refused, 429, 'eviction of the only pod under minAvailable=1 must be refused with 429');

    await kube.apps.patchNamespacedDeploymentScale(
      { name: 'guarded', namespace, body: { spec: { replicas: 2 } } },
      // The patch's content type is named explicitly (client-node defaults to JSON patch).
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await waitFor('the PDB to allow one disruption after scale-up', async () => {
      const pdb = await kube.policy.readNamespacedPodDisruptionBudget({ namespace, name: 'guarded' });
      return { done: pdb.status?.disruptionsAllowed === 1, seen: JSON.stringify(pdb.status) };
    });
    await evict();
    await waitFor(`pod ${podName} to be gone after eviction`, async () => {
      const status = await kube.core.readNamespacedPod({ name: podName, namespace }).then(
        (p) => `present, deletionTimestamp=${String(p.metadata?.deletionTimestamp)}`,
        (error: unknown) => String(statusOf(error)),
      );
      return { done: status === '404', seen: status };
    });
  });

  test('a spot interruption reaches the queue through its rule; an unmatched event does not', async () => {
    const queue = await createQueueWithRules(aws);
    const instanceId = 'i-0123456789abcdef0';
    await putEvents(aws, [
      { source: 'aws.ec2', 'detail-type': 'EC2 AMI State Change', detail: { ImageId: 'ami-0123456789abcdef0', State: 'available' } },
      { source: 'aws.s3', 'detail-type': 'EC2 Spot Instance Interruption Warning', detail: { 'instance-id': instanceId } },
      {
        source: 'aws.ec2',
        'detail-type': 'EC2 Spot Instance Interruption Warning',
        detail: { 'instance-id': instanceId, 'instance-action': 'terminate' },
        resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`],
      },
    ]);
    const messages = await waitFor('the spot warning on the queue', async () => {
      const got = await peekMessages(aws, queue.queueUrl);
      return { done: got.length > 0, seen: `${got.length} messages`, value: got };
    });
    // Give a wrongly delivered event time to show up too before counting.
    const later = await peekMessages(aws, queue.queueUrl, 2);
    const bodies = [...(messages ?? []), ...later].map((m) => JSON.parse(m.Body ?? '{}') as Record<string, unknown>);
    const ids = new Set(bodies.map((b) => b.id));
    assert.equal(ids.size, 1, `exactly one event must arrive, got ${JSON.stringify(bodies)}`);
    const body = bodies[0];
    assert.equal(body?.source, 'aws.ec2');
    assert.equal(body?.['detail-type'], 'EC2 Spot Instance Interruption Warning');
    assert.deepEqual(body?.detail, { 'instance-id': instanceId, 'instance-action': 'terminate' });
  });
});
