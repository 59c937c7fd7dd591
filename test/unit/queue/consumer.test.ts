// QueueConsumer against an in-memory SQS: back-pressure, when messages are deleted or handed back,
// visibility renewal, dry run, receive failures and shutdown.

import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import { backoffMs, QueueConsumer, type QueueConsumerOptions } from '../../../lib/queue/consumer.ts';
import type { QueueMessage } from '../../../lib/queue/types.ts';
import { silentLogger } from '../../../lib/observe/logger.ts';
import { ControlledHandler, FakeSqs, settle, until } from './fake-sqs.ts';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/nth';

function setup(t: TestContext, options: Partial<QueueConsumerOptions> = {}) {
  const sqs = new FakeSqs();
  const handler = new ControlledHandler();
  const apiCalls: string[] = [];
  const consumer = new QueueConsumer({
    sqs: sqs.client(), queueUrl: QUEUE_URL, handler: handler.handle, logger: silentLogger(),
    capacity: 10, visibilityTimeoutSeconds: 30, waitTimeSeconds: 20,
    onApiCall: (operation, outcome) => apiCalls.push(`${operation} ${outcome}`),
    ...options,
  });
  // Whatever a test leaves running is stopped; stop() is idempotent.
  t.after(() => consumer.stop());
  return { sqs, handler, consumer, apiCalls };
}

const receives = (sqs: FakeSqs): number => sqs.named('ReceiveMessage').length;

test('the first receive asks as the settings say', async (t) => {
  const { sqs, consumer } = setup(t, { capacity: 25, visibilityTimeoutSeconds: 45, waitTimeSeconds: 7 });
  consumer.start();
  await until('a receive', () => receives(sqs) === 1);
  assert.deepEqual(sqs.named('ReceiveMessage')[0]?.input, {
    QueueUrl: QUEUE_URL, MaxNumberOfMessages: 10, WaitTimeSeconds: 7, VisibilityTimeout: 45,
    MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
  });
});

test('never more than `capacity` messages in flight; receives ask only for the room left', async (t) => {
  const { sqs, handler, consumer } = setup(t, { capacity: 3 });
  sqs.push(5);
  consumer.start();
  await until('three handlers', () => handler.active === 3);
  await settle();
  assert.equal(receives(sqs), 1, 'no receive while full');
  assert.equal(sqs.named('ReceiveMessage')[0]?.input.MaxNumberOfMessages, 3);
  assert.equal(consumer.inFlightCount, 3);

  handler.call('m2').finish({ disposition: 'leave' });
  await until('a receive for the one free place', () => receives(sqs) === 2);
  assert.equal(sqs.named('ReceiveMessage')[1]?.input.MaxNumberOfMessages, 1);
  await until('m4 handled', () => handler.calls.has('m4'));
  assert.equal(handler.calls.has('m5'), false);

  for (const id of ['m1', 'm3', 'm4']) handler.call(id).finish({ disposition: 'leave' });
  await until('m5 handled', () => handler.calls.has('m5'));
  handler.call('m5').finish({ disposition: 'leave' });
  await until('all done', () => consumer.inFlightCount === 0);
  assert.equal(handler.maxActive, 3);
  assert.ok(sqs.named('ReceiveMessage').every((c) => (c.input.MaxNumberOfMessages ?? 0) <= 3));
});

test('a message is deleted only after its handler says delete, in one batch call per ten', async (t) => {
  const { sqs, handler, consumer, apiCalls } = setup(t);
  sqs.push(2);
  consumer.start();
  await until('both handled', () => handler.active === 2);
  await delay(40); // longer than the batch window
  assert.deepEqual(sqs.writes(), [], 'nothing deleted while the handlers run');

  handler.call('m1').finish({ disposition: 'delete' });
  handler.call('m2').finish({ disposition: 'delete' });
  await until('deleted', () => consumer.inFlightCount === 0);
  assert.deepEqual(sqs.writes(), ['DeleteMessageBatch rh-1,rh-2']);
  assert.equal(sqs.named('DeleteMessageBatch')[0]?.input.QueueUrl, QUEUE_URL);
  assert.ok(apiCalls.includes('DeleteMessageBatch ok'));
});

test('retry sets the visibility to the delay (rounded, at most 12 h); leave makes no call', async (t) => {
  const { sqs, handler, consumer } = setup(t);
  sqs.push(3);
  consumer.start();
  await until('three handled', () => handler.active === 3);
  handler.call('m1').finish({ disposition: 'retry', retryAfterSeconds: 7.6 });
  handler.call('m2').finish({ disposition: 'retry', retryAfterSeconds: 100_000 });
  handler.call('m3').finish({ disposition: 'leave' });
  await until('all finished', () => consumer.inFlightCount === 0);
  await delay(40);
  assert.deepEqual(sqs.writes(), ['ChangeMessageVisibility rh-1=8', 'ChangeMessageVisibility rh-2=43200']);
  assert.equal(sqs.named('ChangeMessageVisibility')[0]?.input.QueueUrl, QUEUE_URL);
});

test('a throwing handler means retry later, and the consumer goes on', async (t) => {
  const { sqs, handler, consumer } = setup(t);
  sqs.push(1, { ApproximateReceiveCount: '3' });
  consumer.start();
  await until('handled', () => handler.calls.has('m1'));
  handler.call('m1').fail(new Error('bug'));
  await until('handed back', () => sqs.writes().length === 1);
  assert.deepEqual(sqs.writes(), ['ChangeMessageVisibility rh-1=15'], '5 s per receive so far');
  sqs.push(1);
  await until('the next message handled', () => handler.calls.has('m2'));
});

test('what the handler gets: receive count, sent time; messages without a receipt handle are skipped', async (t) => {
  const seen: QueueMessage[][] = [];
  const { sqs, handler, consumer } = setup(t, { onReceive: (messages) => seen.push(messages) });
  sqs.pushRaw(
    { MessageId: 'broken', Body: '{}' },
    { MessageId: 'm9', ReceiptHandle: 'rh-9', Body: 'hello', Attributes: { ApproximateReceiveCount: '4', SentTimestamp: '1700000000000' } },
    { MessageId: 'm10', ReceiptHandle: 'rh-10' },
  );
  consumer.start();
  await until('two handled', () => handler.calls.size === 2);
  const m9 = handler.call('m9').message;
  assert.equal(m9.body, 'hello');
  assert.equal(m9.receiveCount, 4);
  assert.equal(m9.sentAt?.getTime(), 1_700_000_000_000);
  const m10 = handler.call('m10').message;
  assert.deepEqual([m10.body, m10.receiveCount, m10.sentAt], ['', 1, undefined]);
  assert.deepEqual(seen.map((batch) => batch.map((m) => m.messageId)), [['m9', 'm10']]);
});

test('a failed delete (an entry, or the whole call) is logged; the message is not lost to a crash', async (t) => {
  const { sqs, handler, consumer, apiCalls } = setup(t);
  sqs.failDeletes.add('rh-1');
  sqs.push(1);
  consumer.start();
  await until('m1 handled', () => handler.calls.has('m1'));
  handler.call('m1').finish({ disposition: 'delete' });
  await until('m1 finished', () => consumer.inFlightCount === 0);
  sqs.failNextDeleteCall = true;
  sqs.push(1);
  await until('m2 handled', () => handler.calls.has('m2'));
  handler.call('m2').finish({ disposition: 'delete' });
  await until('m2 finished', () => consumer.inFlightCount === 0);
  assert.deepEqual(apiCalls.filter((c) => c.startsWith('Delete')), ['DeleteMessageBatch ok', 'DeleteMessageBatch error']);
  sqs.push(1);
  await until('still consuming', () => handler.calls.has('m3'));
});

test('visibility is renewed while a long handler runs, and no longer once it is done', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'Date'], now: 0 });
  const { sqs, handler, consumer } = setup(t, { visibilityTimeoutSeconds: 30 });
  sqs.push(1);
  consumer.start();
  await until('handled', () => handler.calls.has('m1'));
  t.mock.timers.tick(5000);
  await delay(40);
  assert.deepEqual(sqs.writes(), [], 'not due before a third of the timeout');
  t.mock.timers.tick(5000);
  await until('renewed', () => sqs.writes().length === 1);
  assert.deepEqual(sqs.writes(), ['ChangeMessageVisibilityBatch rh-1=30']);
  assert.equal(sqs.named('ChangeMessageVisibilityBatch')[0]?.input.QueueUrl, QUEUE_URL);
  t.mock.timers.tick(10_000);
  await until('renewed again', () => sqs.writes().length === 2);

  handler.call('m1').finish({ disposition: 'delete' });
  await until('deleted', () => consumer.inFlightCount === 0);
  t.mock.timers.tick(60_000);
  await delay(40);
  assert.deepEqual(sqs.writes().slice(2), ['DeleteMessageBatch rh-1']);
});

test('read-only (dry run): no visibility change, no renewal, no delete, whatever the handler says', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'Date'], now: 0 });
  const { sqs, handler, consumer } = setup(t, { readOnly: true, visibilityTimeoutSeconds: 10 });
  sqs.push(4);
  consumer.start();
  await until('handled', () => handler.active === 4);
  t.mock.timers.tick(120_000);
  handler.call('m1').finish({ disposition: 'retry', retryAfterSeconds: 5 });
  handler.call('m2').finish({ disposition: 'delete' });
  handler.call('m3').fail(new Error('bug'));
  await until('three finished', () => consumer.inFlightCount === 1);
  await consumer.stop();
  await delay(40);
  assert.deepEqual(sqs.writes(), []);
});

test('receive errors back off, doubling, then recover', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  t.mock.method(Math, 'random', () => 1);
  const { sqs, handler, consumer, apiCalls } = setup(t);
  sqs.receiveErrors.push(new Error('throttled'), new Error('throttled again'));
  consumer.start();
  await until('first failure', () => consumer.lastError !== undefined);
  assert.equal(consumer.lastError, 'Error: throttled');
  t.mock.timers.tick(999);
  await settle();
  assert.equal(receives(sqs), 1, 'waits about a second');
  t.mock.timers.tick(1);
  await until('second try', () => receives(sqs) === 2);
  t.mock.timers.tick(1999);
  await settle();
  assert.equal(receives(sqs), 2, 'then about two');
  t.mock.timers.tick(1);
  await until('third try', () => receives(sqs) === 3);
  sqs.push(1);
  await until('handled', () => handler.calls.has('m1'));
  assert.equal(consumer.lastError, undefined);
  assert.ok(consumer.lastReceiveOkAt !== undefined);
  assert.deepEqual(apiCalls, ['ReceiveMessage error', 'ReceiveMessage error', 'ReceiveMessage ok']);
});

test('a long outage leaves no listeners behind on the stop signal', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { sqs, consumer } = setup(t);
  for (let i = 0; i < 15; i++) sqs.receiveErrors.push(new Error('down'));
  consumer.start();
  for (let i = 1; i <= 15; i++) {
    await until(`failure ${i}`, () => receives(sqs) === i);
    await settle();
    t.mock.timers.tick(30_000);
  }
  await until('the receive after the outage', () => receives(sqs) === 16);
  const signal = sqs.named('ReceiveMessage')[15]?.signal;
  assert.ok(signal);
  // The fake's own long-poll listener is the only one left.
  assert.equal(getEventListeners(signal, 'abort').length, 1);
});

test('backoffMs: about 1 s, doubling, capped at 30 s, jittered down to half', (t) => {
  t.mock.method(Math, 'random', () => 1);
  assert.deepEqual([1, 2, 3, 5, 6, 50].map(backoffMs), [1000, 2000, 4000, 16_000, 30_000, 30_000]);
  t.mock.method(Math, 'random', () => 0);
  assert.deepEqual([1, 2, 6].map(backoffMs), [500, 1000, 15_000]);
});

test('stop() aborts the long poll, aborts the handlers and hands their messages back at once', async (t) => {
  const { sqs, handler, consumer } = setup(t);
  sqs.push(2);
  consumer.start();
  await until('handled', () => handler.active === 2);
  await until('long-polling again', () => receives(sqs) === 2);
  const stopped = consumer.stop();
  assert.equal(handler.call('m1').signal.aborted, true);
  assert.equal(sqs.named('ReceiveMessage')[1]?.signal?.aborted, true);
  // m1 gives up as asked; m2 had just finished its work.
  handler.call('m1').finish({ disposition: 'retry', retryAfterSeconds: 60 });
  handler.call('m2').finish({ disposition: 'delete' });
  await stopped;
  assert.deepEqual(sqs.writes().sort(), ['ChangeMessageVisibility rh-1=0', 'DeleteMessageBatch rh-2']);
  sqs.push(1);
  await settle();
  assert.equal(receives(sqs), 2, 'no receive after stop');
});

test('stop() while full (waiting for room) and stop() before start() both resolve', async (t) => {
  const { sqs, handler, consumer } = setup(t, { capacity: 1 });
  sqs.push(2);
  consumer.start();
  await until('handled', () => handler.active === 1);
  const stopped = consumer.stop();
  handler.call('m1').finish({ disposition: 'leave' });
  await stopped;
  assert.deepEqual(sqs.writes(), ['ChangeMessageVisibility rh-1=0']);
  assert.equal(receives(sqs), 1);
  await setup(t).consumer.stop();
});
