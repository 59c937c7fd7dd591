// Every kind parsed from its fixture file (the raw text an SQS body would hold), every field checked.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ACCOUNT,
  ASG_NAME,
  INSTANCE_ID,
  LAUNCH_HOOK,
  LIFECYCLE_TOKEN,
  OTHER_INSTANCE_ID,
  readFixture,
  rebalanceRecommendation,
  REGION,
  scheduledChange,
  TERMINATE_HOOK,
} from '../../fixtures/events/index.ts';
import { expectEvent } from './helpers.ts';

const at = (iso: string): Date => new Date(iso);

describe('EventBridge kinds from their fixtures', () => {
  test('spot interruption warning', () => {
    assert.deepEqual(expectEvent(readFixture('spot-interruption')), {
      kind: 'spot-interruption',
      id: '7e3f1c52-9a4b-4d1e-8c3a-5b2f6d7e8a90',
      time: at('2024-05-01T12:00:00Z'),
      envelope: 'eventbridge',
      region: REGION,
      account: ACCOUNT,
      instanceIds: [INSTANCE_ID],
      instanceAction: 'terminate',
    });
  });

  test('rebalance recommendation', () => {
    assert.deepEqual(expectEvent(readFixture('rebalance-recommendation')), {
      kind: 'rebalance-recommendation',
      id: '1c9d2e3f-4a5b-4c6d-9e7f-8a9b0c1d2e3f',
      time: at('2024-05-01T11:55:00Z'),
      envelope: 'eventbridge',
      region: REGION,
      account: ACCOUNT,
      instanceIds: [INSTANCE_ID],
    });
  });

  test('instance state-change notification', () => {
    assert.deepEqual(expectEvent(readFixture('instance-state-change')), {
      kind: 'instance-state-change',
      id: '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d',
      time: at('2024-05-01T12:02:00Z'),
      envelope: 'eventbridge',
      region: REGION,
      account: ACCOUNT,
      instanceIds: [INSTANCE_ID],
      state: 'stopping',
    });
  });

  test('capacity reservation interruption warning', () => {
    assert.deepEqual(expectEvent(readFixture('capacity-reservation-interruption')), {
      kind: 'capacity-reservation-interruption',
      id: '9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d',
      time: at('2024-05-01T12:00:00Z'),
      envelope: 'eventbridge',
      region: REGION,
      account: ACCOUNT,
      instanceIds: [INSTANCE_ID],
      instanceAction: 'terminate',
      terminationTime: at('2024-05-01T12:02:00Z'),
    });
  });

  test('AWS Health EC2 scheduled change names every affected instance', () => {
    assert.deepEqual(expectEvent(readFixture('scheduled-change')), {
      kind: 'scheduled-change',
      id: '3d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a',
      time: at('2024-05-13T18:02:15Z'),
      envelope: 'eventbridge',
      region: REGION,
      account: ACCOUNT,
      instanceIds: [INSTANCE_ID, OTHER_INSTANCE_ID],
      eventTypeCode: 'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED',
      startTime: at('2024-05-27T06:00:00Z'),
      endTime: at('2024-05-27T07:00:00Z'),
    });
  });

  test('ASG terminate lifecycle action', () => {
    assert.deepEqual(expectEvent(readFixture('asg-terminate-lifecycle-action')), {
      kind: 'asg-terminate',
      id: '8c7b6a5f-4e3d-4c2b-9a1f-0e9d8c7b6a5f',
      time: at('2024-05-01T12:05:00Z'),
      envelope: 'eventbridge',
      region: REGION,
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

  test('ASG launch lifecycle action', () => {
    assert.deepEqual(expectEvent(readFixture('asg-launch-lifecycle-action')), {
      kind: 'asg-launch',
      id: '2f3e4d5c-6b7a-4890-9a1b-2c3d4e5f6a7b',
      time: at('2024-05-01T12:05:00Z'),
      envelope: 'eventbridge',
      region: REGION,
      account: ACCOUNT,
      instanceIds: [INSTANCE_ID],
      lifecycle: {
        autoScalingGroupName: ASG_NAME,
        lifecycleHookName: LAUNCH_HOOK,
        lifecycleActionToken: LIFECYCLE_TOKEN,
        transition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
      },
    });
  });
});

describe('field details', () => {
  test('scheduled change keeps only EC2 instance IDs, once each, in order', () => {
    const event = expectEvent(
      scheduledChange({ entityValues: ['vol-0123456789abcdef0', OTHER_INSTANCE_ID, 'UNKNOWN', 'i-0a1b2c3d', OTHER_INSTANCE_ID] }),
    );
    assert.deepEqual(event.instanceIds, [OTHER_INSTANCE_ID, 'i-0a1b2c3d']);
  });

  test('scheduled change accepts ISO 8601 start and end times', () => {
    const event = expectEvent(scheduledChange({ startTime: '2024-06-01T06:00:00Z', endTime: '2024-06-01T08:30:00+02:00' }));
    assert.equal(event.kind, 'scheduled-change');
    if (event.kind !== 'scheduled-change') return;
    assert.deepEqual(event.startTime, at('2024-06-01T06:00:00Z'));
    assert.deepEqual(event.endTime, at('2024-06-01T06:30:00Z'));
  });

  test('scheduled change without start and end time', () => {
    const body = scheduledChange();
    delete body.detail.startTime;
    delete body.detail.endTime;
    const event = expectEvent(body);
    assert.equal(event.kind, 'scheduled-change');
    assert.equal('startTime' in event, false);
    assert.equal('endTime' in event, false);
  });

  test('an event without account or region (as moto delivers it) still parses', () => {
    const body: Record<string, unknown> = JSON.parse(readFixture('spot-interruption')) as Record<string, unknown>;
    delete body.account;
    delete body.region;
    const event = expectEvent(body);
    assert.equal('account' in event, false);
    assert.equal('region' in event, false);
    assert.deepEqual(event.instanceIds, [INSTANCE_ID]);
  });

  test('capacity reservation warning without the optional fields', () => {
    const body: { detail: Record<string, unknown> } = JSON.parse(readFixture('capacity-reservation-interruption')) as {
      detail: Record<string, unknown>;
    };
    delete body.detail['instance-action'];
    delete body.detail['instance-termination-time'];
    const event = expectEvent(body);
    assert.equal(event.kind, 'capacity-reservation-interruption');
    assert.equal('terminationTime' in event, false);
    assert.equal('instanceAction' in event, false);
  });

  test('8-digit instance IDs and fractional-second times are accepted', () => {
    const event = expectEvent(rebalanceRecommendation({ instanceId: 'i-0a1b2c3d', time: '2024-05-01T11:55:00.123456Z' }));
    assert.deepEqual(event.instanceIds, ['i-0a1b2c3d']);
    assert.deepEqual(event.time, at('2024-05-01T11:55:00.123Z'));
  });
});
