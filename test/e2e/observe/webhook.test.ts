// Issue 6 acceptance: a webhook receiver on loopback gets exactly one POST per drained node with
// the documented fields (three events for one node → one POST), and the notification is retried
// after the receiver answers 500.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { asgTerminateLifecycleAction, instanceStateChange, spotInterruption } from '../../fixtures/events/index.ts';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createFleet } from '../../env/helpers/fleet.ts';
import { createNamespace, kubeClients } from '../../env/helpers/kube.ts';
import { createQueueWithRules, putEvents } from '../../env/helpers/queue.ts';
import { sleep, uniqueName, waitFor } from '../../env/helpers/wait.ts';
import { queueDepth, startController, type RunningController } from '../pipeline/harness.ts';
import { nodeWithPods, pinDeployment } from '../pipeline/workload.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function receiver(statuses: number[]): Promise<Receiver> {
  const r = await startReceiver(statuses);
  cleanups.push(() => r.close());
  return r;
}

async function controller(queue: Awaited<ReturnType<typeof createQueueWithRules>>, overrides: Record<string, string>): Promise<RunningController> {
  const running = await startController(env, queue, overrides);
  cleanups.push(() => running.stop());
  return running;
}

async function emptied(queueUrl: string): Promise<void> {
  await waitFor('the queue to be empty', async () => {
    const depth = await queueDepth(aws, queueUrl);
    return { done: depth === 0, seen: `${depth} messages` };
  });
}

describe('webhook notifications', () => {
  test('spot warning, state change and ASG terminate for one node: exactly one POST, with the documented fields', async () => {
    const namespace = await createNamespace(kube, uniqueName('hook'));
    const fleet = await createFleet(aws, kube, { count: 1, terminateHook: {} });
    const instance = fleet.instances[0];
    assert.ok(instance && fleet.terminateHookName);
    await pinDeployment(kube, namespace, 'app', instance.nodeName, 2);
    const r = await receiver([200]);
    const queue = await createQueueWithRules(aws, { ownEventBus: true });
    const running = await controller(queue, { WEBHOOK_URL: r.url, WEBHOOK_HEADERS: '{"Authorization":"Bearer e2e-token"}' });
    const token = await env.moto.startLifecycleAction({
      autoScalingGroupName: fleet.autoScalingGroupName, lifecycleHookName: fleet.terminateHookName, instanceId: instance.instanceId,
    });
    const now = new Date();
    await putEvents(aws, [
      spotInterruption({ instanceId: instance.instanceId, time: now }),
      instanceStateChange({ instanceId: instance.instanceId, state: 'shutting-down', time: now }),
      asgTerminateLifecycleAction({
        instanceId: instance.instanceId, autoScalingGroupName: fleet.autoScalingGroupName,
        lifecycleHookName: fleet.terminateHookName, lifecycleActionToken: token, time: now,
      }),
    ], queue.eventBusName);
    await emptied(queue.queueUrl);
    await sleep(2000); // a second notification, if any, would arrive now

    assert.equal(r.deliveries.length, 1, `one POST: ${r.deliveries.map((d) => d.body).join('\n')}`);
    const [delivery] = r.deliveries;
    assert.equal(delivery?.headers['content-type'], 'application/json');
    assert.equal(delivery?.headers.authorization, 'Bearer e2e-token');
    const body = JSON.parse(delivery?.body ?? '{}') as Record<string, unknown>;
    // EventBridge gives each event its ID; the log lines about the instance name the three.
    const ids = new Set(running.logs.filter((l) => l.instanceId === instance.instanceId).map((l) => l.eventId));
    assert.equal(ids.size, 3, [...ids].join(', '));
    assert.ok(ids.has(body.eventId), `eventId ${String(body.eventId)} is one of the events`);
    assert.ok(['spot-interruption', 'instance-state-change', 'asg-terminate'].includes(String(body.kind)));
    assert.equal(body.instanceId, instance.instanceId);
    assert.equal(body.nodeName, instance.nodeName);
    assert.equal(body.action, 'drain');
    assert.equal(body.result, 'drained');
    assert.equal(body.podsEvicted, 2);
    assert.equal(body.podsRemaining, 0);
    assert.equal(typeof body.reason, 'string');
    assert.equal(typeof body.durationSeconds, 'number');
    const start = Date.parse(String(body.startTime));
    const end = Date.parse(String(body.endTime));
    assert.ok(start >= now.getTime() - 1000 && end >= start, `start ${String(body.startTime)}, end ${String(body.endTime)}`);
    assert.ok(Math.abs((end - start) / 1000 - Number(body.durationSeconds)) < 0.01);
    assert.match(String(body.text), new RegExp(`drain of node ${instance.nodeName.replaceAll('.', '\\.')}`));
  });

  test('a 500 is retried, the template from a file is used, and the notification arrives once', async () => {
    const { instance } = await nodeWithPods(aws, kube, 'hook-retry', 1);
    const r = await receiver([500, 200]);
    const dir = mkdtempSync(join(tmpdir(), 'nth-template-'));
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const templateFile = join(dir, 'template.json');
    writeFileSync(templateFile, '{"node":"{{ .NodeName }}","event":"{{ .EventID }}","outcome":"{{result}}","pods":{{ .podsEvicted }}}');
    const queue = await createQueueWithRules(aws, { ownEventBus: true });
    const running = await controller(queue, { WEBHOOK_URL: r.url, WEBHOOK_TEMPLATE_FILE: templateFile });
    await putEvents(aws, [spotInterruption({ instanceId: instance.instanceId, time: new Date() })], queue.eventBusName);
    await waitFor('the retried notification', () => Promise.resolve({ done: r.deliveries.length >= 2, seen: `${r.deliveries.length} POSTs` }));
    await sleep(1500);
    assert.deepEqual(r.deliveries.map((d) => d.status), [500, 200], 'one retry after the 500, then nothing more');
    const eventId = running.logs.find((l) => l.instanceId === instance.instanceId && typeof l.eventId === 'string')?.eventId;
    const expected = { node: instance.nodeName, event: eventId, outcome: 'drained', pods: 1 };
    for (const d of r.deliveries) assert.deepEqual(JSON.parse(d.body), expected);
    const gap = (r.deliveries[1]?.at ?? 0) - (r.deliveries[0]?.at ?? 0);
    assert.ok(gap >= 400, `the retry waited (${gap} ms)`);
    assert.ok(running.logs.some((l) => typeof l.msg === 'string' && l.msg.includes('answered 500; retrying') && l.eventId === eventId));
    assert.ok(running.logs.some((l) => l.msg === 'webhook notification sent' && l.attempts === 2 && l.nodeName === instance.nodeName));
    assert.equal(await running.metrics.webhooks.get().then((m) => m.values.find((v) => v.labels.result === 'sent')?.value), 1);
  });
});
