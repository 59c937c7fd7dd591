// Twenty nodes drained at once through one rate limiter: all complete, and the requests the
// engine sent (counted at the client, watches included) stay within kubeApiQps/kubeApiBurst.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createNamespace, kubeClients } from '../../env/helpers/kube.ts';
import { uniqueName } from '../../env/helpers/wait.ts';
import { createEngine, createNodes, createPod, drainRequest, inNamespace, waitForRunningPods } from './harness.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);

const NODES = 20;
const PODS_PER_NODE = 2;
const QPS = 25;
const BURST = 10;

describe('drain: many nodes at once', () => {
  test(`${NODES} nodes drain in parallel within ${QPS} requests/s (burst ${BURST})`, async (t) => {
    const namespace = await createNamespace(kube, uniqueName('drain-many'));
    const nodes = await createNodes(aws, kube, NODES);
    await Promise.all(nodes.flatMap((node, n) =>
      Array.from({ length: PODS_PER_NODE }, (_, i) => createPod(kube, namespace, `pod-${n}-${i}`, node))));
    await waitForRunningPods(kube, namespace, NODES * PODS_PER_NODE);

    const engine = createEngine(env, {}, { qps: QPS, burst: BURST });
    const sent: number[] = [];
    engine.limiter.onRequest((at) => sent.push(at));
    const results = await Promise.all(nodes.map((node) =>
      engine.operator.drain(drainRequest(node, 120_000), new AbortController().signal)));

    for (const [i, result] of results.entries()) {
      assert.equal(result.outcome, 'drained', `${nodes[i]}: ${JSON.stringify(result)}`);
      assert.equal(inNamespace(namespace, result.evicted).length, PODS_PER_NODE);
    }
    assert.equal(sent.length, engine.limiter.requestCount);
    assert.ok(sent.length > NODES * 5, `every drain's requests were counted (${sent.length})`);

    // In any 1 s window at most burst + qps requests (a token bucket's bound).
    let busiest = 0;
    for (let i = 0, j = 0; i < sent.length; i++) {
      while ((sent[j] ?? Infinity) <= (sent[i] ?? 0) - 1000) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    assert.ok(busiest <= BURST + QPS, `busiest second: ${busiest} requests (limit ${BURST + QPS})`);
    // Over the whole run, the average rate is qps plus what the initial burst adds.
    const elapsedSeconds = ((sent.at(-1) ?? 0) - (sent[0] ?? 0)) / 1000;
    const rate = (sent.length - BURST) / elapsedSeconds;
    t.diagnostic(`${sent.length} requests in ${elapsedSeconds.toFixed(1)} s; busiest second ${busiest}; ${rate.toFixed(1)} requests/s after the burst`);
    assert.ok(rate <= QPS * 1.05, `average ${rate.toFixed(1)} requests/s beyond the burst (limit ${QPS}); ${sent.length} requests in ${elapsedSeconds.toFixed(1)} s`);
    // The limiter was the bottleneck, so the check above measured it rather than a slow server.
    assert.ok(rate >= QPS * 0.5, `the test kept the limiter busy (${rate.toFixed(1)} requests/s)`);
  });
});
