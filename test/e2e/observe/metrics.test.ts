// Issue 6 acceptance: /metrics scraped before, during and after a drain (an ASG terminate held by a
// PodDisruptionBudget, then released): the counters, gauges and histograms move as documented in
// docs/architecture.md ("Metrics"), in both the Prometheus and the OpenMetrics format; and every
// log line about the event carries its event ID, kind, instance ID, node name and message ID.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { asgTerminateLifecycleAction } from '../../fixtures/events/index.ts';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createFleet } from '../../env/helpers/fleet.ts';
import { createNamespace, kubeClients } from '../../env/helpers/kube.ts';
import { createQueueWithRules, putEvents } from '../../env/helpers/queue.ts';
import { uniqueName, waitFor } from '../../env/helpers/wait.ts';
import { freePort } from '../../env/ports.ts';
import { queueDepth, startController, type RunningController } from '../pipeline/harness.ts';
import { pinDeployment } from '../pipeline/workload.ts';
import { scrape, type Scrape } from './scrape.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);
const controllers: RunningController[] = [];
after(async () => {
  for (const c of controllers) await c.stop();
});

const P = 'node_termination_handler_';
const OPENMETRICS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

describe('metrics', () => {
  test('scraped before, during and after a drain held by a PodDisruptionBudget', async () => {
    const namespace = await createNamespace(kube, uniqueName('metrics'));
    const fleet = await createFleet(aws, kube, { count: 1, terminateHook: { heartbeatTimeout: 30 } });
    const instance = fleet.instances[0];
    assert.ok(instance && fleet.terminateHookName);
    await pinDeployment(kube, namespace, 'held', instance.nodeName, 2);
    await kube.policy.createNamespacedPodDisruptionBudget({
      namespace, body: { metadata: { name: 'held' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'held' } } } },
    });
    const queue = await createQueueWithRules(aws, { ownEventBus: true });
    const port = await freePort();
    const running = await startController(env, queue, {
      ENABLE_PROMETHEUS_SERVER: 'true', PROMETHEUS_SERVER_PORT: String(port), HEARTBEAT_INTERVAL: '1', HEARTBEAT_UNTIL: '60',
    });
    controllers.push(running);
    const url = `http://127.0.0.1:${port}/metrics`;

    // Before: build info, the Node index's list, nothing about messages yet.
    const before = await scrape(url);
    assert.match(before.contentType, /^text\/plain; version=0\.0\.4/);
    assert.equal(before.value(`${P}build_info`, { kubernetes_version: env.k8sVersion }), 1);
    assert.ok(before.value(`${P}api_requests_total`, { target: 'kubernetes', operation: 'GET nodes', code: '200' }) >= 1, 'the Node list was counted');
    assert.equal(before.value(`${P}messages_received_total`), 0);
    assert.equal(before.value(`${P}drains_in_flight`), 0);
    assert.equal(before.value(`${P}actions_total`), 0);
    assert.ok(before.has(`${P}process_cpu_seconds_total`), 'default process metrics carry the prefix too');

    const token = await env.moto.startLifecycleAction({
      autoScalingGroupName: fleet.autoScalingGroupName, lifecycleHookName: fleet.terminateHookName, instanceId: instance.instanceId,
    });
    // The event happened two seconds ago, as AWS's own events reach us a little late.
    await putEvents(aws, [asgTerminateLifecycleAction({
      instanceId: instance.instanceId, autoScalingGroupName: fleet.autoScalingGroupName,
      lifecycleHookName: fleet.terminateHookName, lifecycleActionToken: token, time: new Date(Date.now() - 2000),
    })], queue.eventBusName);

    // During: the drain runs, the PDB answers 429, heartbeats go on.
    const during = await waitFor('the drain to be held with heartbeats', async () => {
      const s = await scrape(url);
      const inFlight = s.value(`${P}drains_in_flight`);
      const blocked = s.value(`${P}evictions_total`, { result: 'blocked' });
      const beats = s.value(`${P}lifecycle_heartbeats_total`, { outcome: 'ok' });
      return { done: inFlight === 1 && blocked >= 1 && beats >= 1, seen: `in flight ${inFlight}, blocked ${blocked}, heartbeats ${beats}`, value: s };
    }, { timeoutMs: 20_000 });
    assert.ok(during);
    assert.equal(during.value(`${P}messages_received_total`, { kind: 'asg-terminate' }), 1);
    assert.equal(during.value(`${P}queue_lag_seconds_count`), 1);
    assert.equal(during.value(`${P}event_to_cordon_seconds_count`, { kind: 'asg-terminate' }), 1);
    assert.ok(during.value(`${P}event_to_cordon_seconds_sum`, { kind: 'asg-terminate' }) >= 2, 'measured from the event time');
    assert.ok(during.value(`${P}api_requests_total`, { target: 'kubernetes', operation: 'POST pods/eviction', code: '429' }) >= 1);
    assert.ok(during.value(`${P}api_requests_total`, { target: 'autoscaling', operation: 'RecordLifecycleActionHeartbeat', code: '200' }) >= 1);
    assert.ok(during.value(`${P}api_requests_total`, { target: 'sqs', operation: 'ReceiveMessage', code: '200' }) >= 1);
    assert.equal(during.value(`${P}actions_total`), 0, 'nothing finished yet');
    assert.equal(during.value(`${P}messages_finished_total`), 0);
    assert.equal(during.value(`${P}lifecycle_completions_total`), 0);

    await kube.policy.deleteNamespacedPodDisruptionBudget({ namespace, name: 'held' });
    await waitFor('the message to be deleted', async () => {
      const depth = await queueDepth(aws, queue.queueUrl);
      return { done: depth === 0, seen: `${depth} messages` };
    });

    // After: one drain, drained, timed; two evictions; one completion; the message deleted.
    const afterDrain = await waitFor('the deletion to be counted', async () => {
      const s = await scrape(url);
      const deleted = s.value(`${P}messages_finished_total`, { result: 'deleted', reason: 'drain' });
      return { done: deleted === 1, seen: `deleted ${deleted}`, value: s };
    });
    assert.ok(afterDrain);
    const check = (s: Scrape): void => {
      assert.equal(s.value(`${P}drains_in_flight`), 0);
      assert.equal(s.value(`${P}actions_total`, { action: 'drain', result: 'drained' }), 1);
      assert.equal(s.value(`${P}actions_total`), 1);
      assert.equal(s.value(`${P}drain_duration_seconds_count`, { outcome: 'drained' }), 1);
      assert.equal(s.value(`${P}evictions_total`, { result: 'evicted' }), 2);
      assert.equal(s.value(`${P}lifecycle_completions_total`, { result: 'CONTINUE', outcome: 'ok' }), 1);
      assert.equal(s.value(`${P}api_requests_total`, { target: 'autoscaling', operation: 'CompleteLifecycleAction', code: '200' }), 1);
      assert.equal(s.value(`${P}api_requests_total`, { target: 'kubernetes', operation: 'POST pods/eviction', code: '201' }), 2);
      assert.ok(s.value(`${P}api_requests_total`, { target: 'sqs', operation: 'DeleteMessageBatch', code: '200' }) >= 1);
      assert.equal(s.value(`${P}errors_total`), 0);
    };
    check(afterDrain);
    const held = afterDrain.value(`${P}drain_duration_seconds_sum`, { outcome: 'drained' });
    assert.ok(held >= 1, `the drain took the time the PDB held it (${held} s)`);
    // The drain waited in the 1 s..300 s buckets, never in the first one.
    assert.equal(afterDrain.value(`${P}drain_duration_seconds_bucket`, { outcome: 'drained', le: '1' }), 0);
    assert.equal(afterDrain.value(`${P}drain_duration_seconds_bucket`, { outcome: 'drained', le: '+Inf' }), 1);

    // The same numbers in OpenMetrics, with its framing.
    const om = await scrape(url, OPENMETRICS_ACCEPT);
    assert.match(om.contentType, /^application\/openmetrics-text; version=1\.0\.0/);
    assert.ok(om.body.endsWith('# EOF\n'));
    assert.match(om.body, new RegExp(`^# TYPE ${P}actions counter$`, 'm'));
    assert.match(om.body, new RegExp(`^# TYPE ${P}build info$`, 'm'));
    check(om);

    // Every line about the event says which event, kind, instance, node and message it is about.
    // (EventBridge gives the event its ID; the first line naming the instance tells it.)
    const eventId = running.logs.find((l) => l.instanceId === instance.instanceId && typeof l.eventId === 'string')?.eventId;
    assert.ok(eventId);
    const lines = running.logs.filter((l) => l.eventId === eventId);
    assert.ok(lines.length >= 8, `${lines.length} lines about the event`);
    const missing = lines.filter((l) => !l.kind || !l.instanceId || !l.nodeName || !l.messageId).map((l) => l.msg);
    assert.deepEqual(missing, [], 'lines lacking a field');
    assert.ok(lines.some((l) => l.component === 'drain' && l.msg === 'drain started'), 'drain engine lines included');
  });
});
