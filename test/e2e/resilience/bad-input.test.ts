// Issue 7, bad input: 1,000 hostile messages (malformed JSON, truncated events, wrong types,
// unknown kinds, huge strings, unusual unicode) interleaved with 50 spot warnings (10 nodes, 5
// each), sent with SendMessageBatch to a queue whose redrive policy has maxReceiveCount 2. Every
// valid event is handled; every unparseable message reaches the dead-letter queue after its two
// deliveries (moto applies the redrive policy on receive, as SQS does); unknown kinds are deleted
// at once; the controller's counters agree.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { spotInterruption } from '../../fixtures/events/index.ts';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createFleet } from '../../env/helpers/fleet.ts';
import { kubeClients } from '../../env/helpers/kube.ts';
import { createQueue } from '../../env/helpers/queue.ts';
import { uniqueName, waitFor } from '../../env/helpers/wait.ts';
import { metricValue, queueDepth, startController, type RunningController } from '../pipeline/harness.ts';
import { isCordoned } from '../pipeline/workload.ts';
import { badMessages, batches, shuffled } from './bad-messages.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);
const controllers: RunningController[] = [];
after(async () => {
  for (const c of controllers) await c.stop();
});

const NODES = 10;
const EVENTS_PER_NODE = 5;
const MAX_RECEIVE_COUNT = 2;

async function visibleOn(queueUrl: string): Promise<number> {
  const out = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
}

const seconds = (since: number): string => ((Date.now() - since) / 1000).toFixed(1);

test('1,000 bad messages among 50 valid ones: valid handled, bad ones dead-lettered or dropped, all counted', { timeout: 300_000 }, async () => {
  const t0 = Date.now();
  const bad = badMessages();
  const invalid = bad.filter((m) => m.expected === 'invalid').length;
  const unknown = bad.filter((m) => m.expected === 'unknown-kind').length;
  const fleet = await createFleet(aws, kube, { count: NODES });
  const valid = fleet.instances.flatMap((instance) => Array.from({ length: EVENTS_PER_NODE }, (_, n) => ({
    category: 'valid' as const,
    body: JSON.stringify(spotInterruption({ instanceId: instance.instanceId, time: new Date(), id: uniqueName(`spot-${n}`) })),
  })));
  const queue = await createQueue(aws, { maxReceiveCount: MAX_RECEIVE_COUNT });
  // Info, not debug: 2,000 invalid deliveries make enough lines as it is.
  const running = await startController(env, queue, { LOG_LEVEL: 'info' });
  controllers.push(running);

  const setupIn = seconds(t0);
  const started = Date.now();
  const groups = batches(shuffled([...bad, ...valid]));
  // A few batches at once: the controller consumes while we send, as it would in a storm.
  let next = 0;
  const sendAll = async (): Promise<void> => {
    for (let i = next++; i < groups.length; i = next++) {
      const group = groups[i] ?? [];
      const out = await aws.sqs.send(new SendMessageBatchCommand({
        QueueUrl: queue.queueUrl,
        Entries: group.map((m, n) => ({ Id: `m${n}`, MessageBody: m.body })),
      }));
      assert.equal(out.Failed?.length ?? 0, 0, `SendMessageBatch refused entries: ${JSON.stringify(out.Failed)}`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, sendAll));
  const sentIn = seconds(started);

  await waitFor('all 50 valid events handled', async () => {
    const deleted = await metricValue(running.metrics.messagesFinished, { result: 'deleted' });
    return { done: deleted >= valid.length, seen: `${deleted} deleted` };
  }, { timeoutMs: 180_000, intervalMs: 500 });
  const validIn = seconds(started);
  for (const instance of fleet.instances) assert.ok(await isCordoned(kube, instance.nodeName), `${instance.nodeName} cordoned`);

  await waitFor(`${invalid} invalid messages on the dead-letter queue and the queue empty`, async () => {
    const dlq = await visibleOn(queue.deadLetterQueueUrl);
    const depth = await queueDepth(aws, queue.queueUrl);
    return { done: dlq >= invalid && depth === 0, seen: `dead-letter queue ${dlq}, queue ${depth}` };
  }, { timeoutMs: 180_000, intervalMs: 1000 });
  const drainedIn = seconds(started);

  const finished = async (labels: Record<string, string>): Promise<number> => await metricValue(running.metrics.messagesFinished, labels);
  const dlq = await visibleOn(queue.deadLetterQueueUrl);
  const invalidDeliveries = await finished({ result: 'invalid' });
  const unknownDeleted = await finished({ result: 'ignored', reason: 'unknown-kind' });
  const deleted = await finished({ result: 'deleted', reason: 'drain' });
  const failedOrDeferred = (await finished({ result: 'failed' })) + (await finished({ result: 'deferred' }));
  const drains = await metricValue(running.metrics.actions, { action: 'drain', result: 'drained' });
  const invalidLines = running.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('invalid message left for the dead-letter queue'));
  const perCategory = Object.entries(Object.groupBy(bad, (m) => m.category)).map(([k, v]) => `${k} ${v?.length ?? 0}`).join(', ');
  process.stderr.write(`[resilience] bad input: ${bad.length} bad (${perCategory}) + ${valid.length} valid in ${groups.length} SendMessageBatch calls; setup (fleet of ${NODES}, queue, controller) ${setupIn} s, sending ${sentIn} s\n`);
  process.stderr.write(`[resilience] bad input: all ${valid.length} valid handled ${validIn} s after the first send; queue empty and ${dlq} of ${invalid} invalid on the DLQ after ${drainedIn} s\n`);
  process.stderr.write(`[resilience] bad input: messages_finished_total invalid=${invalidDeliveries} (${invalid} x ${MAX_RECEIVE_COUNT} deliveries), ignored/unknown-kind=${unknownDeleted} (of ${unknown}), deleted/drain=${deleted}, failed+deferred=${failedOrDeferred}; drains run: ${drains} for ${NODES} nodes\n`);

  // Receive attempts that got no good answer (the SDK may have retried them): their messages were
  // counted as received by SQS but never reached the handler.
  const receiveErrors = (await running.metrics.apiRequests.get()).values
    .filter((v) => v.labels.operation === 'ReceiveMessage' && String(v.labels.code) !== '200').reduce((sum, v) => sum + v.value, 0);
  const perMessage = new Map<string, number>();
  for (const l of invalidLines) perMessage.set(String(l.messageId), (perMessage.get(String(l.messageId)) ?? 0) + 1);
  const once = [...perMessage.entries()].filter(([, n]) => n !== MAX_RECEIVE_COUNT);
  const warnings = running.logs.filter((l) => (l.level ?? 0) >= 40 && !invalidLines.includes(l)).map((l) => String(l.msg).slice(0, 120));
  process.stderr.write(`[resilience] bad input: failed ReceiveMessage attempts ${receiveErrors}; messages not seen ${MAX_RECEIVE_COUNT} times: ${JSON.stringify(once.slice(0, 5))}; other warnings: ${JSON.stringify(warnings.slice(0, 5))}\n`);

  assert.equal(dlq, invalid, 'exactly the invalid messages were dead-lettered');
  // Each invalid message is delivered maxReceiveCount times, then moved on the next receive. A
  // receive whose answer is lost (SQS counts it all the same) leaves a message with one delivery
  // fewer, so: each one seen and counted, never more than maxReceiveCount times.
  assert.equal(perMessage.size, invalid, 'every invalid message was seen');
  assert.ok(invalidDeliveries <= invalid * MAX_RECEIVE_COUNT && invalidDeliveries >= invalid * MAX_RECEIVE_COUNT - receiveErrors * 10,
    `invalid deliveries counted: ${invalidDeliveries}`);
  assert.ok([...perMessage.values()].every((n) => n <= MAX_RECEIVE_COUNT), 'no invalid message delivered after maxReceiveCount');
  assert.equal(await metricValue(running.metrics.messagesReceived, { kind: 'invalid' }), invalidDeliveries);
  assert.equal(invalidLines.length, invalidDeliveries, 'one log line per invalid delivery');
  assert.equal(unknownDeleted, unknown, 'every unknown kind deleted once');
  assert.equal(deleted, valid.length, 'every valid event deleted after its drain');
  // Usually one drain per node; a later warning for a node may run a (no-op) drain again when the
  // Node index has not yet seen the cordon of the first one, so the result cannot be reused.
  assert.ok(drains >= NODES && drains <= valid.length, `drains run: ${drains}`);
  assert.equal(running.controller.health().state, 'running');
});
