// Which pods a drain removes, as kubectl drain decides it: DaemonSet and mirror pods stay, completed
// pods are deleted, emptyDir pods follow deleteLocalData and bare pods follow forceUnmanagedPods.
import assert from 'node:assert/strict';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describe, test } from 'node:test';
import { NODE_ANNOTATIONS } from '../../../lib/drain/annotations.ts';
import { DrainBlockedError } from '../../../lib/drain/errors.ts';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createNamespace, kubeClients, statusOf } from '../../env/helpers/kube.ts';
import { uniqueName, waitFor } from '../../env/helpers/wait.ts';
import { createEngine, createNodes, createPod, drainRequest, inNamespace, nodeEvents, waitForRunningPods } from './harness.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);

/** One of each kind of pod on `nodeName`; returns their names. */
async function populate(namespace: string, nodeName: string) {
  const pin = { 'kubernetes.io/hostname': nodeName };
  const names = { daemon: '', mirror: 'mirror', localData: '', managed: '', bare: 'bare', completed: 'completed' };
  await kube.apps.createNamespacedDaemonSet({
    namespace,
    body: {
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: { metadata: { labels: { app: 'agent' } }, spec: { nodeSelector: pin, containers: [{ name: 'agent', image: 'fake' }] } },
      },
    },
  });
  for (const [name, volumes] of [['scratch', [{ name: 'tmp', emptyDir: {} }]], ['plain', []]] as const) {
    await kube.apps.createNamespacedReplicaSet({
      namespace,
      body: {
        metadata: { name },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels: { app: name } }, spec: { nodeSelector: pin, volumes: [...volumes], containers: [{ name: 'app', image: 'fake' }] } },
        },
      },
    });
  }
  // A static pod's mirror as the kubelet would create it.
  await createPod(kube, namespace, 'mirror', nodeName, { annotations: { 'kubernetes.io/config.mirror': 'e2e' } });
  await createPod(kube, namespace, 'bare', nodeName);
  await createPod(kube, namespace, 'completed', nodeName);
  const running = await waitForRunningPods(kube, namespace, 6);
  await kube.core.patchNamespacedPodStatus(
    { name: 'completed', namespace, body: { status: { phase: 'Succeeded' } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  const nameOf = (app: string) => running.find((p) => p.metadata?.labels?.app === app)?.metadata?.name ?? '';
  names.daemon = nameOf('agent');
  names.localData = nameOf('scratch');
  names.managed = nameOf('plain');
  return names;
}

async function podsOn(namespace: string, nodeName: string): Promise<string[]> {
  const list = await kube.core.listNamespacedPod({ namespace, fieldSelector: `spec.nodeName=${nodeName}` });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.name ?? '').sort();
}

describe('drain: which pods go', () => {
  test('deleteLocalData and forceUnmanagedPods off: emptyDir and bare pods block (and stay), the rest go', async () => {
    const namespace = await createNamespace(kube, uniqueName('drain-select'));
    const [node] = await createNodes(aws, kube, 1);
    assert.ok(node);
    const pods = await populate(namespace, node);
    const engine = createEngine(env, { deleteLocalData: false, forceUnmanagedPods: false });

    const result = await engine.operator.drain(drainRequest(node, 60_000), new AbortController().signal);

    assert.equal(result.outcome, 'failed');
    assert.ok(result.error instanceof DrainBlockedError, `error: ${String(result.error)}`);
    assert.deepEqual(result.error.nodeName, node);
    assert.deepEqual(inNamespace(namespace, result.blocked?.map((b) => b.pod)), [`${namespace}/${pods.bare}`, `${namespace}/${pods.localData}`].sort());
    assert.match(result.error.message, /emptyDir/);
    assert.match(result.error.message, /no controller/);
    assert.deepEqual(inNamespace(namespace, result.evicted), [`${namespace}/${pods.completed}`, `${namespace}/${pods.managed}`].sort());
    assert.deepEqual(inNamespace(namespace, result.remaining), [`${namespace}/${pods.bare}`, `${namespace}/${pods.localData}`].sort());
    const left = await waitFor('the evicted pods to leave the node', async () => {
      const names = await podsOn(namespace, node);
      return { done: !names.includes(pods.managed) && !names.includes(pods.completed), seen: names.join(', '), value: names };
    });
    assert.deepEqual(left, [pods.bare, pods.daemon, pods.localData, pods.mirror].sort());
    await engine.events.flush(); // Events go out in the background
    const events = await nodeEvents(kube, node);
    assert.ok(events.some((e) => e.reason === 'DrainBlocked' && e.type === 'Warning' && e.message.includes(pods.bare)), JSON.stringify(events));
  });

  test('deleteLocalData and forceUnmanagedPods on: only DaemonSet and mirror pods stay', async () => {
    const namespace = await createNamespace(kube, uniqueName('drain-select'));
    const [node] = await createNodes(aws, kube, 1);
    assert.ok(node);
    const pods = await populate(namespace, node);
    const engine = createEngine(env, { deleteLocalData: true, forceUnmanagedPods: true, excludeFromLoadBalancers: true });

    const result = await engine.operator.drain(drainRequest(node, 60_000), new AbortController().signal);

    assert.equal(result.outcome, 'drained', JSON.stringify(result));
    assert.deepEqual(inNamespace(namespace, result.evicted), [pods.bare, pods.completed, pods.localData, pods.managed].map((n) => `${namespace}/${n}`).sort());
    assert.deepEqual(await podsOn(namespace, node), [pods.daemon, pods.mirror].sort());
    await assert.rejects(kube.core.readNamespacedPod({ namespace, name: 'completed' }), (e: unknown) => statusOf(e) === 404);

    const drained = await kube.core.readNode({ name: node });
    assert.equal(drained.spec?.unschedulable, true);
    assert.equal(drained.metadata?.labels?.['node.kubernetes.io/exclude-from-external-load-balancers'], 'true');
    // Recorded as ours (the event ID), so an uncordon removes the label again.
    assert.equal(drained.metadata?.annotations?.[NODE_ANNOTATIONS.excludedFromLoadBalancersBy], drained.metadata?.annotations?.[NODE_ANNOTATIONS.drainEvent]);
    await engine.events.flush(); // Events go out in the background
    const reasons = (await nodeEvents(kube, node)).map((e) => e.reason);
    for (const reason of ['Cordoned', 'ExcludedFromLoadBalancers', 'DrainStarted', 'Drained']) {
      assert.ok(reasons.includes(reason), `${reason} in ${reasons.join(', ')}`);
    }
    const podEvents = await kube.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${pods.managed}` });
    assert.ok(podEvents.items.some((e) => e.reason === 'PodEviction'), 'an Event on the evicted pod');
  });
});
