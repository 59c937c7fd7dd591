// Issue 7, SQS unavailable: moto stopped for ~15 s and started again on the same port → the
// consumer backs off (log lines with a growing retryInMs), health().sqsOkAt stands still, and after
// the restart it consumes again: an event sent after recovery is handled, no restart needed.
// moto forgets everything when it restarts, so the test then recreates the queue under the same
// name (moto gives the same URL, which the controller keeps polling), and the controller finds its
// nodes by providerID alone (no EC2 lookup: CHECK_TAG_BEFORE_DRAINING=false). moto runs on its own
// here (the cluster is the shared one): stopping the shared moto would fail the other test files.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { spotInterruption } from '../../fixtures/events/index.ts';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createFleet, type FleetInstance } from '../../env/helpers/fleet.ts';
import { kubeClients } from '../../env/helpers/kube.ts';
import { createQueue, type TestQueue } from '../../env/helpers/queue.ts';
import { sleep, uniqueName, waitFor } from '../../env/helpers/wait.ts';
import { MotoServer } from '../../env/moto.ts';
import { ProcessGroup } from '../../env/process.ts';
import { metricValue, queueDepth, startController, type LogLine, type RunningController } from '../pipeline/harness.ts';
import { isCordoned } from '../pipeline/workload.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const motoDir = mkdtempSync(join(tmpdir(), 'nth-moto-'));
const group = new ProcessGroup(motoDir);
let running: RunningController | undefined;
after(async () => {
  await running?.stop();
  await group.stopAll();
  rmSync(motoDir, { recursive: true, force: true });
});
const moto = await MotoServer.start(group);
const aws = awsClients({ awsEndpoint: moto.endpoint, region: env.region });

const OUTAGE_MS = 15_000;
const seconds = (from: number, to = Date.now()): string => ((to - from) / 1000).toFixed(1);
const at = (l: LogLine): number => new Date(String(l.time)).getTime();

async function sendAndWait(queue: TestQueue, instance: FleetInstance, timeoutMs: number): Promise<void> {
  await aws.sqs.send(new SendMessageCommand({
    QueueUrl: queue.queueUrl,
    MessageBody: JSON.stringify(spotInterruption({ instanceId: instance.instanceId, time: new Date(), id: uniqueName('spot') })),
  }));
  await waitFor(`${instance.nodeName} cordoned and the message deleted`, async () => {
    const cordoned = await isCordoned(kube, instance.nodeName);
    const depth = await queueDepth(aws, queue.queueUrl);
    return { done: cordoned && depth === 0, seen: `cordoned=${cordoned} depth=${depth}` };
  }, { timeoutMs, intervalMs: 250 });
}

test('SQS down for 15 s: the consumer backs off, then consumes again without a restart', { timeout: 300_000 }, async () => {
  const fleet = await createFleet(aws, kube, { count: 2 });
  const [before, afterwards] = fleet.instances;
  assert.ok(before && afterwards);
  const name = uniqueName('nth-sqs-down');
  const queue = await createQueue(aws, { name });
  running = await startController({ ...env, awsEndpoint: moto.endpoint, moto }, queue, { CHECK_TAG_BEFORE_DRAINING: 'false' });
  const { controller, logs, metrics } = running;
  await sendAndWait(queue, before, 60_000);

  const stoppedAt = Date.now();
  await moto.stopProcess();
  const okAtStop = controller.health().sqsOkAt ?? 0;
  await sleep(OUTAGE_MS);
  const okAtEnd = controller.health().sqsOkAt ?? 0;
  const errorDuring = controller.health().sqsError;
  const restartAt = Date.now();
  await moto.startProcess();
  // moto lost the queue; the same name gives the same URL, which the controller still polls.
  const recreated = await createQueue(aws, { name });
  assert.equal(recreated.queueUrl, queue.queueUrl, 'the recreated queue has the same URL');
  const upAt = Date.now();

  // Sent at once: it is handled as soon as the consumer's back-off lets it receive again.
  await sendAndWait(recreated, afterwards, 90_000);
  const handledAt = Date.now();
  const okAtAfter = controller.health().sqsOkAt ?? 0;

  const failures = logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('receiving from SQS failed') && at(l) >= stoppedAt);
  const delays = failures.map((l) => Number(l.retryInMs));
  const network = await metricValue(metrics.apiRequests, { target: 'sqs', operation: 'ReceiveMessage', code: 'network' });
  process.stderr.write(`[resilience] sqs down: moto stopped ${seconds(stoppedAt, restartAt)} s, restart + queue recreated in ${seconds(restartAt, upAt)} s; an event sent then was handled ${seconds(upAt, handledAt)} s later\n`);
  process.stderr.write(`[resilience] sqs down: ${failures.length} failed receives logged, retryInMs ${delays.join(' → ')}; ReceiveMessage attempts without an answer: ${network}; sqsError while down: ${errorDuring ?? 'none'}\n`);
  process.stderr.write(`[resilience] sqs down: failures at ${failures.map((l) => `${seconds(stoppedAt, at(l))} s (${String(l.msg).slice(27, 90)})`).join('; ')}; up at ${seconds(stoppedAt, upAt)} s\n`);
  assert.equal(okAtEnd, okAtStop, 'sqsOkAt did not advance while SQS was down');
  assert.ok(errorDuring, 'health() names the SQS error while it is down');
  assert.ok(okAtAfter >= upAt, 'sqsOkAt advances again after the recovery');
  assert.ok(failures.length >= 3, `at least three failed receives logged (${failures.length})`);
  // Jitter stays in the upper half of each doubling, so consecutive delays never shrink.
  for (let i = 1; i < delays.length; i += 1) assert.ok((delays[i] ?? 0) >= (delays[i - 1] ?? 0), `retryInMs grows: ${delays.join(', ')}`);
  assert.ok((delays.at(-1) ?? 0) > (delays[0] ?? 0) * 2, `the delay grew: ${delays.join(', ')}`);
  assert.equal(await metricValue(metrics.messagesFinished, { result: 'deleted' }), 2, 'both events handled');
  assert.equal(controller.health().state, 'running');
});
