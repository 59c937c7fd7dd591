// Each envelope a message can arrive in, and that the envelope is recorded on the event.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { unwrapMessage } from '../../../lib/events/envelope.ts';
import {
  ACCOUNT,
  ASG_NAME,
  asgLifecycleNotification,
  asgTerminateLifecycleAction,
  INSTANCE_ID,
  LAUNCH_HOOK,
  LIFECYCLE_TOKEN,
  readFixture,
  snsNotification,
  spotInterruption,
  TERMINATE_HOOK,
} from '../../fixtures/events/index.ts';
import { expectEvent, expectIgnored } from './helpers.ts';

describe('envelopes', () => {
  test('a bare EventBridge event', () => {
    const event = expectEvent(readFixture('spot-interruption'));
    assert.equal(event.envelope, 'eventbridge');
    assert.equal(unwrapMessage(readFixture('spot-interruption')).shape, 'eventbridge');
  });

  test('SNS around an EventBridge event', () => {
    const event = expectEvent(readFixture('sns-spot-interruption'));
    assert.deepEqual(event, { ...expectEvent(readFixture('spot-interruption')), envelope: 'sns' });
  });

  test('SNS around a direct ASG notification', () => {
    const event = expectEvent(readFixture('sns-asg-direct-terminate'));
    assert.deepEqual(event, { ...expectEvent(readFixture('asg-direct-terminate')), envelope: 'sns' });
  });

  test('a direct ASG terminate notification', () => {
    assert.deepEqual(expectEvent(readFixture('asg-direct-terminate')), {
      kind: 'asg-terminate',
      id: 'e5f6a7b8-c9d0-4e1f-8a2b-3c4d5e6f7a8b',
      time: new Date('2024-05-01T12:05:00.123Z'),
      envelope: 'asg-direct',
      account: ACCOUNT,
      instanceIds: [INSTANCE_ID],
      lifecycle: {
        autoScalingGroupName: ASG_NAME,
        lifecycleHookName: TERMINATE_HOOK,
        lifecycleActionToken: LIFECYCLE_TOKEN,
        transition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      },
    });
  });

  test('a direct ASG launch notification', () => {
    const event = expectEvent(readFixture('asg-direct-launch'));
    assert.equal(event.kind, 'asg-launch');
    assert.equal(event.envelope, 'asg-direct');
    if (event.kind !== 'asg-launch') return;
    assert.deepEqual(event.lifecycle, {
      autoScalingGroupName: ASG_NAME,
      lifecycleHookName: LAUNCH_HOOK,
      lifecycleActionToken: LIFECYCLE_TOKEN,
      transition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
    });
  });

  test('the direct and EventBridge ASG forms carry the same lifecycle reference', () => {
    const direct = expectEvent(asgLifecycleNotification());
    const bridged = expectEvent(asgTerminateLifecycleAction());
    assert.equal(direct.kind, bridged.kind);
    assert.deepEqual(direct.instanceIds, bridged.instanceIds);
    assert.deepEqual('lifecycle' in direct && direct.lifecycle, 'lifecycle' in bridged && bridged.lifecycle);
  });

  test('SNS: the MessageId stands in for a missing event id', () => {
    const inner: Record<string, unknown> = { ...spotInterruption() };
    delete inner.id;
    assert.equal(expectEvent(snsNotification(inner, { messageId: 'sns-message-1' })).id, 'sns-message-1');
    const asg = asgLifecycleNotification();
    delete asg.RequestId;
    assert.equal(expectEvent(snsNotification(asg, { messageId: 'sns-message-2' })).id, 'sns-message-2');
  });

  test('SNS: the inner id wins over the MessageId', () => {
    assert.equal(expectEvent(snsNotification(spotInterruption({ id: 'inner' }), { messageId: 'outer' })).id, 'inner');
  });

  test('SNS with a Subject and a null MessageAttributes field', () => {
    const body = { ...snsNotification(spotInterruption(), { subject: 'EC2 event' }), MessageAttributes: null };
    assert.equal(expectEvent(body).envelope, 'sns');
  });

  test('the ASG test notification is ignored, directly or through SNS, with its RequestId', () => {
    const direct = expectIgnored(readFixture('asg-test-notification'));
    assert.equal(direct.reason, 'test-notification');
    assert.equal(direct.id, 'f1e2d3c4-b5a6-4978-8d9c-0b1a2f3e4d5c');
    const wrapped = expectIgnored(snsNotification(JSON.parse(readFixture('asg-test-notification'))));
    assert.equal(wrapped.reason, 'test-notification');
  });

  test('SNS subscription handshakes are ignored', () => {
    for (const type of ['SubscriptionConfirmation', 'UnsubscribeConfirmation']) {
      const ignored = expectIgnored({ Type: type, MessageId: 'x', Token: 'abc', TopicArn: 'arn:aws:sns:us-east-1:123456789012:t', Message: 'You have chosen…' });
      assert.equal(ignored.reason, 'not-applicable');
      assert.match(ignored.detail, new RegExp(type));
    }
  });

  test('leading and trailing whitespace around the JSON is fine', () => {
    assert.equal(expectEvent(`\n  ${readFixture('spot-interruption')}  \n`).kind, 'spot-interruption');
  });
});
