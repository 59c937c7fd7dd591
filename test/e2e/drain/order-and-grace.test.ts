// Eviction order (ordinary pods, then critical ones, then DaemonSet pods) and grace periods cut to
// the deadline, observed through a pod watch. Pods annotated KWOK_HONOR_GRACE_ANNOTATION stay until
// their grace period ends, so "the next class waits until the previous one is gone" is visible.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KWOK_HONOR_GRACE_ANNOTATION } from '../../env/cluster.ts';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createNamespace, kubeClients } from '../../env/helpers/kube.ts';
import { uniqueName, waitFor } from '../../env/helpers/wait.ts';
import { createEngine, createNodes, createPod, drainRequest, inNamespace, recordPodEvents, waitForRunningPods, type PodWatchEvent } from './harness.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);
const honorGrace = { [KWOK_HONOR_GRACE_ANNOTATION]: 'true' };

/** Index of the first watch event where the pod is terminating / gone. */
function firstIndex(events: PodWatchEvent[], name: string, what: 'terminating' | 'deleted'): number {
  return events.findIndex((e) => e.pod.metadata?.name === name
    && (what === 'deleted' ? e.type === 'DELETED' : !!e.pod.metadata?.deletionTimestamp));
}

describe('drain: order and grace', () => {
  test('critical pods go only after all ordinary ones are gone, DaemonSet pods last', async () => {
    const namespace = await createNamespace(kube, uniqueName('drain-order'));
    const [node] = await createNodes(aws, kube, 1);
    assert.ok(node);
    const ordinary = ['web-1', 'web-2', 'web-3'];
    const spec = { terminationGracePeriodSeconds: 2 };
    for (const name of ordinary) await createPod(kube, namespace, name, node, { annotations: honorGrace, spec });
    await createPod(kube, namespace, 'cluster-critical', node, { annotations: honorGrace, spec: { ...spec, priorityClassName: 'system-cluster-critical' } });
    await createPod(kube, namespace, 'node-critical', node, { annotations: honorGrace, spec: { ...spec, priorityClassName: 'system-node-critical' } });
    await kube.apps.createNamespacedDaemonSet({
      namespace,
      body: {
        metadata: { name: 'agent' },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template: {
            metadata: { labels: { app: 'agent' }, annotations: honorGrace },
            spec: { ...spec, nodeSelector: { 'kubernetes.io/hostname': node }, containers: [{ name: 'agent', image: 'fake' }] },
          },
        },
      },
    });
    const running = await waitForRunningPods(kube, namespace, 6);
    const daemon = running.find((p) => p.metadata?.labels?.app === 'agent')?.metadata?.name ?? '';
    const recorder = await recordPodEvents(kube, namespace);
    try {
      const engine = createEngine(env, { ignoreDaemonSets: false });
      const result = await engine.operator.drain(drainRequest(node, 60_000), new AbortController().signal);
      assert.equal(result.outcome, 'drained', JSON.stringify(result));
      assert.equal(inNamespace(namespace, result.evicted).length, 6);
    } finally {
      recorder.stop();
    }
    const events = recorder.events;
    const lastOrdinaryGone = Math.max(...ordinary.map((name) => firstIndex(events, name, 'deleted')));
    const critical = ['cluster-critical', 'node-critical'];
    const firstCriticalTerminating = Math.min(...critical.map((name) => firstIndex(events, name, 'terminating')));
    const lastCriticalGone = Math.max(...critical.map((name) => firstIndex(events, name, 'deleted')));
    const daemonTerminating = firstIndex(events, daemon, 'terminating');
    const story = events.map((e, i) => `${i} ${e.type} ${e.pod.metadata?.name}${e.pod.metadata?.deletionTimestamp ? ' (terminating)' : ''}`).join('\n');
    assert.ok(ordinary.every((name) => firstIndex(events, name, 'deleted') >= 0), `every ordinary pod was deleted:\n${story}`);
    assert.ok(firstCriticalTerminating > lastOrdinaryGone, `critical pods were evicted only after the ordinary ones were gone:\n${story}`);
    assert.ok(daemonTerminating > lastCriticalGone, `the DaemonSet pod went last:\n${story}`);
  });

  test("a pod's grace is cut to the time left before the deadline; a shorter own grace is kept", async () => {
    const namespace = await createNamespace(kube, uniqueName('drain-grace'));
    const [node] = await createNodes(aws, kube, 1);
    assert.ok(node);
    await createPod(kube, namespace, 'slow', node, { spec: { terminationGracePeriodSeconds: 600 } });
    // This one really takes its 3 s (KWOK honours the grace), so the drain must wait for it.
    await createPod(kube, namespace, 'quick', node, { annotations: honorGrace, spec: { terminationGracePeriodSeconds: 3 } });
    await waitForRunningPods(kube, namespace, 2);
    const recorder = await recordPodEvents(kube, namespace);
    const engine = createEngine(env);
    const request = drainRequest(node, 30_000);
    const started = Date.now();
    let result;
    try {
      result = await engine.operator.drain(request, new AbortController().signal);
      // The drain learns the pod is gone from its own watch; this one may hear it a moment later,
      // so it keeps listening until it has (when that was is checked below).
      await waitFor('the recorder to see the quick pod deleted', () => Promise.resolve({
        done: recorder.events.some((e) => e.pod.metadata?.name === 'quick' && e.type === 'DELETED'), seen: 'not yet',
      }), { timeoutMs: 10_000, intervalMs: 20 });
    } finally {
      recorder.stop();
    }
    assert.equal(result.outcome, 'drained', JSON.stringify(result));
    const graceOf = (name: string) => recorder.events.find((e) => e.pod.metadata?.name === name && e.pod.metadata.deletionTimestamp)?.pod.metadata?.deletionGracePeriodSeconds;
    const slow = graceOf('slow');
    const secondsLeft = (request.deadline.getTime() - started) / 1000;
    assert.ok(slow !== undefined && slow > 0 && slow <= secondsLeft, `slow pod's grace ${slow} s must be cut to <= ${secondsLeft} s`);
    assert.ok(slow >= 25, `slow pod's grace ${slow} s is about the time left, not less`);
    assert.equal(graceOf('quick'), 3);
    // deletionTimestamp has whole seconds, so KWOK removes the quick pod 2-3 s after the eviction;
    // the drain ended only once the pod was gone.
    const quick = recorder.events.filter((e) => e.pod.metadata?.name === 'quick');
    const terminatingAt = quick.find((e) => e.pod.metadata?.deletionTimestamp)?.at ?? 0;
    const goneAt = quick.find((e) => e.type === 'DELETED')?.at ?? Infinity;
    assert.ok(goneAt - terminatingAt >= 1_500, `the quick pod took its grace (${goneAt - terminatingAt} ms)`);
    assert.ok(started + result.durationMs >= goneAt - 100, 'the drain waited until the quick pod was gone');
  });
});
