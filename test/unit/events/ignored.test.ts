// Every Ignored reason: well-formed messages that need no work and are deleted at once.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  asgLifecycleNotification,
  readFixture,
  scheduledChange,
  snsNotification,
  spotInterruption,
} from '../../fixtures/events/index.ts';
import { expectIgnored } from './helpers.ts';

describe('ignored messages', () => {
  test('test-notification: the ASG test notification', () => {
    const ignored = expectIgnored(readFixture('asg-test-notification'));
    assert.deepEqual(ignored, {
      outcome: 'ignored',
      reason: 'test-notification',
      detail: 'Auto Scaling test notification',
      id: 'f1e2d3c4-b5a6-4978-8d9c-0b1a2f3e4d5c',
    });
  });

  test('unknown-kind: an EventBridge event nobody registered, named in the detail', () => {
    const ignored = expectIgnored({ ...spotInterruption(), source: 'aws.s3', 'detail-type': 'Object Created', detail: {} });
    assert.equal(ignored.reason, 'unknown-kind');
    assert.equal(ignored.id, spotInterruption().id);
    assert.equal(ignored.detail, 'no parser for source "aws.s3" and detail-type "Object Created"');
  });

  test('unknown-kind: a known source with another detail-type is not validated further', () => {
    const ignored = expectIgnored({ source: 'aws.ec2', 'detail-type': 'EBS Snapshot Notification', time: 'whenever', detail: 42 });
    assert.equal(ignored.reason, 'unknown-kind');
    assert.equal('id' in ignored, false);
    assert.match(ignored.detail, /"aws\.ec2".*"EBS Snapshot Notification"/);
  });

  test('unknown-kind: the AWS Health abuse event', () => {
    assert.equal(expectIgnored({ ...scheduledChange(), 'detail-type': 'AWS Health Abuse Event' }).reason, 'unknown-kind');
  });

  test('unknown-kind: a plain ASG notification (not a lifecycle hook)', () => {
    const ignored = expectIgnored({
      Service: 'AWS Auto Scaling',
      Event: 'autoscaling:EC2_INSTANCE_TERMINATE',
      EC2InstanceId: 'i-1234567890abcdef0',
      AutoScalingGroupName: 'nth-workers',
      RequestId: 'r-1',
      Time: '2024-05-01T12:00:00Z',
    });
    assert.equal(ignored.reason, 'unknown-kind');
    assert.match(ignored.detail, /autoscaling:EC2_INSTANCE_TERMINATE/);
  });

  test('unknown-kind: a lifecycle hook for another transition', () => {
    const ignored = expectIgnored(asgLifecycleNotification({ transition: 'autoscaling:EC2_INSTANCE_WARMED', requestId: 'req-7' }));
    assert.equal(ignored.reason, 'unknown-kind');
    assert.equal(ignored.id, 'req-7');
  });

  test('not-ec2: a Health event for another service', () => {
    const ignored = expectIgnored(scheduledChange({ service: 'RDS', eventTypeCode: 'AWS_RDS_MAINTENANCE_SCHEDULED' }));
    assert.equal(ignored.reason, 'not-ec2');
    assert.equal(ignored.id, scheduledChange().id);
    assert.match(ignored.detail, /"RDS"/);
  });

  test('not-applicable: an EC2 Health event that is not a scheduled change', () => {
    const ignored = expectIgnored(scheduledChange({ eventTypeCategory: 'issue', eventTypeCode: 'AWS_EC2_OPERATIONAL_ISSUE' }));
    assert.equal(ignored.reason, 'not-applicable');
    assert.match(ignored.detail, /"issue"/);
  });

  test('not-applicable: an EC2 scheduled change naming no instance', () => {
    for (const entityValues of [[], ['UNKNOWN'], ['vol-0123456789abcdef0', 'i-NOTHEX00', 'I-1234567890ABCDEF0']]) {
      const ignored = expectIgnored(scheduledChange({ entityValues }));
      assert.equal(ignored.reason, 'not-applicable', JSON.stringify(entityValues));
    }
    const body = scheduledChange();
    delete body.detail.affectedEntities;
    assert.equal(expectIgnored(body).reason, 'not-applicable');
  });

  test('ignored results pass through the SNS envelope', () => {
    assert.equal(expectIgnored(snsNotification(scheduledChange({ service: 'S3' }))).reason, 'not-ec2');
  });
});
