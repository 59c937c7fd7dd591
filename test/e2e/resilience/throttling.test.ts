// Issue 7, AWS throttling: a proxy in front of moto answers the next SQS requests with 400
// ThrottlingException / 503 and the next EC2 requests with 503 RequestLimitExceeded, as AWS does
// under load → the SDK clients (retryMode adaptive, 5 attempts) retry with back-off and the event is
// still handled, with no failure reaching the pipeline. Kubernetes 429 on evictions is covered by
// the drain tests.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createFleet, type FleetInstance } from '../../env/helpers/fleet.ts';
import { kubeClients } from '../../env/helpers/kube.ts';
import { createQueue, type TestQueue } from '../../env/helpers/queue.ts';
import { waitFor } from '../../env/helpers/wait.ts';
import { metricValue, startController, type RunningController } from '../pipeline/harness.ts';
import { ThrottlingProxy } from './throttling-proxy.ts';
import { sendSpot, spotHandled } from './spot.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);
const proxy = await ThrottlingProxy.start(env.awsEndpoint);
let running: RunningController | undefined;
after(async () => {
  await running?.stop();
  await proxy.close();
});

const SQS_REFUSALS = [400, 503, 400, 503];
const EC2_REFUSALS = [503, 503, 503];

/** Sends a spot warning straight to moto and returns how long the controller took to handle it. */
async function handleOne(queue: TestQueue, instance: FleetInstance): Promise<number> {
  const started = Date.now();
  await sendSpot(aws, queue, instance);
  await spotHandled(aws, kube, queue, instance, 90_000);
  return Date.now() - started;
}

test('SQS and EC2 throttling answers are retried with back-off; the event is still handled', { timeout: 300_000 }, async () => {
  const [calm] = (await createFleet(aws, kube, { count: 1 })).instances;
  assert.ok(calm);
  const queue = await createQueue(aws);
  // Every AWS call of the controller goes through the proxy (the managed-tag check asks EC2).
  running = await startController({ ...env, awsEndpoint: proxy.endpoint }, queue);
  const { metrics } = running;
  const baselineMs = await handleOne(queue, calm);
  // A node that joins later: EC2 answers about instances are cached for a minute, so only an
  // instance the controller has not looked up yet makes it ask EC2 again.
  const [throttled] = (await createFleet(aws, kube, { count: 1 })).instances;
  assert.ok(throttled);
  await waitFor('the new node in the controller\'s index', () =>
    Promise.resolve({ done: running?.controller.nodes.byName(throttled.nodeName) !== undefined, seen: 'not yet' }));

  const armedAt = Date.now();
  proxy.refuseNext('sqs', SQS_REFUSALS);
  proxy.refuseNext('ec2', EC2_REFUSALS);
  const throttledMs = await handleOne(queue, throttled);
  await waitFor('every refusal to be served', () => {
    const refused = proxy.calls.filter((c) => c.refusedWith !== 0).length;
    return Promise.resolve({ done: refused === SQS_REFUSALS.length + EC2_REFUSALS.length, seen: `${refused} refused` });
  }, { timeoutMs: 60_000 });

  const refused = proxy.calls.filter((c) => c.refusedWith !== 0);
  const afterArming = proxy.calls.filter((c) => c.at >= armedAt && c.service !== 'other');
  const story = afterArming.slice(0, 16).map((c) => `${c.operation}${c.refusedWith ? `→${c.refusedWith}` : ''}`).join(' ');
  const count = async (labels: Record<string, string>): Promise<number> => await metricValue(metrics.apiRequests, labels);
  const sqs400 = await count({ target: 'sqs', code: '400' });
  const sqs503 = await count({ target: 'sqs', code: '503' });
  const ec2503 = await count({ target: 'ec2', operation: 'DescribeInstances', code: '503' });
  const failedStages = await metricValue(metrics.errors);
  process.stderr.write(`[resilience] throttling: handled in ${(baselineMs / 1000).toFixed(1)} s without throttling, ${(throttledMs / 1000).toFixed(1)} s with ${SQS_REFUSALS.length} SQS (400 ThrottlingException / 503) and ${EC2_REFUSALS.length} EC2 (503 RequestLimitExceeded) refusals\n`);
  process.stderr.write(`[resilience] throttling: calls after arming: ${story}; api_requests_total sqs 400=${sqs400} 503=${sqs503}, ec2 DescribeInstances 503=${ec2503}; errors_total ${failedStages}\n`);

  // Each refused call was tried again and went through (the SDK's retries, not the pipeline's).
  for (const call of refused) {
    assert.ok(proxy.calls.some((c) => c.operation === call.operation && c.refusedWith === 0 && c.at >= call.at),
      `${call.operation} refused with ${call.refusedWith} was retried`);
  }
  assert.equal(sqs400 + sqs503, SQS_REFUSALS.length, 'the refused SQS attempts are counted by status');
  assert.equal(ec2503, EC2_REFUSALS.length, 'the refused EC2 attempts are counted');
  assert.equal(failedStages, 0, 'no error reached the pipeline: the SDK retries absorbed every refusal');
  assert.equal(await metricValue(metrics.messagesFinished, { result: 'deleted' }), 2, 'both events handled');
  assert.equal(await metricValue(metrics.messagesFinished, { result: 'failed' }), 0, 'no message had to be retried');
});
