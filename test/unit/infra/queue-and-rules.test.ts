// The queue side of the construct: both queues, their policies, the rules, the outputs, and the
// optional direct-notification role. Templates are synthesized once per configuration.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Duration } from 'aws-cdk-lib';
import { EVENT_RULES } from '../../../infra/event-patterns.ts';
import { arnOf, props, ref, statements, synth, type Json } from './synth.ts';

const defaults = synth();
const queueId = defaults.id(defaults.infra.queue);
const dlqId = defaults.id(defaults.infra.deadLetterQueue);
const roleId = defaults.id(defaults.infra.controllerRole.role);

const denyInsecure = (queueLogicalId: string): Json => ({
  Sid: 'DenyInsecureTransport',
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: 'sqs:*',
  Resource: arnOf(queueLogicalId),
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});

const allowRules = (s: ReturnType<typeof synth>): Json => ({
  Sid: 'AllowEventBridgeRules',
  Effect: 'Allow',
  Principal: { Service: 'events.amazonaws.com' },
  Action: 'sqs:SendMessage',
  Resource: arnOf(s.id(s.infra.queue)),
  Condition: { ArnEquals: { 'aws:SourceArn': s.infra.rules.map(({ rule }) => arnOf(s.id(rule))) } },
});

/** The QueuePolicy resource attached to the given queue. */
function policyOf(s: ReturnType<typeof synth>, queueLogicalId: string): Json {
  const found = Object.values(s.resources).filter(
    (resource) =>
      resource.Type === 'AWS::SQS::QueuePolicy' &&
      JSON.stringify(props(resource).Queues) === JSON.stringify([ref(queueLogicalId)]),
  );
  assert.equal(found.length, 1, `one policy for ${queueLogicalId}`);
  return found[0] ?? {};
}

describe('default props', () => {
  test('creates exactly two queues, their two policies, one rule per EVENT_RULES entry and one role', () => {
    assert.deepEqual(defaults.types(), [
      ...Array<string>(EVENT_RULES.length).fill('AWS::Events::Rule'),
      'AWS::IAM::Role',
      'AWS::SQS::Queue',
      'AWS::SQS::Queue',
      'AWS::SQS::QueuePolicy',
      'AWS::SQS::QueuePolicy',
    ]);
  });

  test('queue: SSE-SQS, 1 h retention, 60 s visibility, redrive to the DLQ after 5 receives', () => {
    assert.deepEqual(defaults.resources[queueId], {
      Type: 'AWS::SQS::Queue',
      Properties: {
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 3600,
        VisibilityTimeout: 60,
        RedrivePolicy: { deadLetterTargetArn: arnOf(dlqId), maxReceiveCount: 5 },
      },
      UpdateReplacePolicy: 'Delete',
      DeletionPolicy: 'Delete',
    });
  });

  test('dead-letter queue: SSE-SQS, 14-day retention', () => {
    assert.deepEqual(defaults.resources[dlqId], {
      Type: 'AWS::SQS::Queue',
      Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 },
      UpdateReplacePolicy: 'Delete',
      DeletionPolicy: 'Delete',
    });
  });

  test('queue policy: deny without TLS, SendMessage for events.amazonaws.com from our rules only', () => {
    const policy = props(policyOf(defaults, queueId));
    assert.deepEqual(policy.Queues, [ref(queueId)]);
    const [deny, allow, ...rest] = statements(policy.PolicyDocument);
    assert.deepEqual(deny, denyInsecure(queueId));
    assert.deepEqual(allow, allowRules(defaults));
    assert.deepEqual(rest, []);
    assert.equal((policy.PolicyDocument as Json).Version, '2012-10-17');
  });

  test('the rules condition lists every rule ARN, one per EVENT_RULES entry', () => {
    const allow = statements(props(policyOf(defaults, queueId)).PolicyDocument)[1] ?? {};
    const sources = ((allow.Condition as Json).ArnEquals as Json)['aws:SourceArn'];
    assert.ok(Array.isArray(sources));
    assert.equal(sources.length, EVENT_RULES.length);
  });

  test('dead-letter queue policy: deny without TLS, nothing else', () => {
    const policy = props(policyOf(defaults, dlqId));
    assert.deepEqual(statements(policy.PolicyDocument), [denyInsecure(dlqId)]);
  });

  describe('one rule per EVENT_RULES entry, in order', () => {
    assert.equal(defaults.infra.rules.length, EVENT_RULES.length);
    EVENT_RULES.forEach((spec, index) => {
      test(spec.id, () => {
        const entry = defaults.infra.rules[index];
        assert.ok(entry);
        assert.equal(entry.spec, spec);
        assert.deepEqual(defaults.resource(entry.rule), {
          Type: 'AWS::Events::Rule',
          Properties: {
            Description: `node-termination-handler: ${spec.description}`,
            State: 'ENABLED',
            EventPattern: spec.pattern,
            Targets: [{ Id: 'InterruptionQueue', Arn: arnOf(queueId) }],
          },
        });
      });
    });
  });

  test('outputs: QueueUrl, QueueArn, DeadLetterQueueUrl, ControllerRoleArn', () => {
    assert.deepEqual(Object.keys(defaults.outputs), ['QueueUrl', 'QueueArn', 'DeadLetterQueueUrl', 'ControllerRoleArn']);
    assert.deepEqual(defaults.outputs.QueueUrl?.Value, ref(queueId));
    assert.deepEqual(defaults.outputs.QueueArn?.Value, arnOf(queueId));
    assert.deepEqual(defaults.outputs.DeadLetterQueueUrl?.Value, ref(dlqId));
    assert.deepEqual(defaults.outputs.ControllerRoleArn?.Value, arnOf(roleId));
    for (const output of Object.values(defaults.outputs)) assert.equal(typeof output.Description, 'string');
  });

  test('creates no ASG notification role', () => {
    assert.equal(defaults.infra.asgNotificationRole, undefined);
  });
});

describe('configured queue settings', () => {
  const s = synth({
    retentionPeriod: Duration.minutes(5),
    visibilityTimeout: Duration.minutes(2),
    maxReceiveCount: 10,
    outputPrefix: 'Blue',
  });

  test('retention, visibility and maxReceiveCount reach the queue', () => {
    const queue = props(s.resource(s.infra.queue));
    assert.equal(queue.MessageRetentionPeriod, 300);
    assert.equal(queue.VisibilityTimeout, 120);
    assert.deepEqual(queue.RedrivePolicy, { deadLetterTargetArn: arnOf(s.id(s.infra.deadLetterQueue)), maxReceiveCount: 10 });
  });

  test('outputPrefix prefixes every output logical id', () => {
    assert.deepEqual(Object.keys(s.outputs), ['BlueQueueUrl', 'BlueQueueArn', 'BlueDeadLetterQueueUrl', 'BlueControllerRoleArn']);
  });

  const invalid: [string, Parameters<typeof synth>[0], RegExp][] = [
    ['retention under 5 minutes', { retentionPeriod: Duration.seconds(299) }, /^Error: retentionPeriod: /],
    ['retention over 14 days', { retentionPeriod: Duration.days(15) }, /^Error: retentionPeriod: /],
    ['zero visibility timeout', { visibilityTimeout: Duration.seconds(0) }, /^Error: visibilityTimeout: /],
    ['fractional visibility timeout', { visibilityTimeout: Duration.millis(1500) }, /^Error: visibilityTimeout: /],
    ['visibility over 12 hours', { visibilityTimeout: Duration.hours(13) }, /^Error: visibilityTimeout: /],
    ['maxReceiveCount 0', { maxReceiveCount: 0 }, /^Error: maxReceiveCount: 0 /],
    ['maxReceiveCount 1001', { maxReceiveCount: 1001 }, /^Error: maxReceiveCount: 1001 /],
    ['fractional maxReceiveCount', { maxReceiveCount: 2.5 }, /^Error: maxReceiveCount: 2.5 /],
  ];
  for (const [name, bad, message] of invalid) {
    test(`rejects ${name}`, () => assert.throws(() => synth(bad), message));
  }
});

describe('allowDirectAsgNotifications', () => {
  const s = synth({ allowDirectAsgNotifications: true });
  const role = s.infra.asgNotificationRole;
  assert.ok(role);
  const notifyRoleId = s.id(role);
  const sQueueId = s.id(s.infra.queue);

  test('adds exactly one role', () => {
    assert.deepEqual(
      s.types().filter((type) => type === 'AWS::IAM::Role'),
      ['AWS::IAM::Role', 'AWS::IAM::Role'],
    );
    assert.equal(s.types().length, defaults.types().length + 1);
  });

  test('the role is assumable by autoscaling.amazonaws.com and may send to the queue only', () => {
    assert.deepEqual(s.resources[notifyRoleId], {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: 'Lets Auto Scaling lifecycle hooks send notifications to the node-termination-handler queue',
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'autoscaling.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        Policies: [
          {
            PolicyName: 'NotifyQueue',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:GetQueueUrl'], Resource: arnOf(sQueueId) }],
            },
          },
        ],
      },
    });
  });

  test('the queue policy gains a SendMessage statement for that role, and nothing else changes', () => {
    const [deny, allow, allowRole, ...rest] = statements(props(policyOf(s, sQueueId)).PolicyDocument);
    assert.deepEqual(deny, denyInsecure(sQueueId));
    assert.deepEqual(allow, allowRules(s));
    assert.deepEqual(allowRole, {
      Sid: 'AllowAsgNotificationRole',
      Effect: 'Allow',
      Principal: { AWS: arnOf(notifyRoleId) },
      Action: 'sqs:SendMessage',
      Resource: arnOf(sQueueId),
    });
    assert.deepEqual(rest, []);
  });

  test('outputs the role ARN as AsgNotificationRoleArn', () => {
    assert.deepEqual(s.outputs.AsgNotificationRoleArn?.Value, arnOf(notifyRoleId));
  });
});
