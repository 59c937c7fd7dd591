// Malformed messages: each must come back invalid (never thrown) with the exact JSON path of the
// problem, so the log line says where to look.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_BODY_LENGTH, parseMessage } from '../../../lib/events/parse.ts';
import {
  asgLifecycleNotification,
  asgTerminateLifecycleAction,
  capacityReservationInterruption,
  instanceStateChange,
  scheduledChange,
  snsNotification,
  spotInterruption,
} from '../../fixtures/events/index.ts';
import { expectInvalid } from './helpers.ts';

const DELETE = Symbol('delete');

/** A deep copy of `base` with the value at `keys` replaced (or deleted). */
function mutate(base: object, keys: (string | number)[], value: unknown): unknown {
  const copy: unknown = structuredClone(base);
  let node: unknown = copy;
  for (const key of keys.slice(0, -1)) node = (node as Record<string | number, unknown>)[key];
  const last = keys.at(-1) ?? '';
  const parent = node as Record<string | number, unknown>;
  if (value === DELETE) delete parent[last];
  else parent[last] = value;
  return copy;
}

const spot = spotInterruption();
const health = scheduledChange();
const asgBridge = asgTerminateLifecycleAction();
const asgDirect = asgLifecycleNotification();

// [what, body, expected path, optional pattern the message must match]
const CASES: [string, unknown, string, RegExp?][] = [
  // Not a JSON object at all.
  ['empty body', '', '$', /empty/],
  ['whitespace only', ' \n\t ', '$', /empty/],
  ['plain text', 'hello', '$', /not JSON/],
  ['truncated JSON', JSON.stringify(spot).slice(0, 40), '$', /not JSON/],
  ['JSON null', 'null', '$', /expected an object, got null/],
  ['JSON number', '42', '$', /got number 42/],
  ['JSON string', '"i-1234567890abcdef0"', '$', /got the string/],
  ['JSON boolean', 'true', '$', /got boolean true/],
  ['JSON array', '[]', '$', /got an array of 0 items/],
  ['array of events', JSON.stringify([spot]), '$', /got an array of 1 item$/],
  ['empty object', '{}', '$', /no keys/],
  ['object of unknown shape', '{"hello":"world"}', '$', /keys "hello"/],
  // EventBridge envelope fields.
  ['source not a string', mutate(spot, ['source'], 42), '$.source', /expected a string, got number 42/],
  ['detail-type null', mutate(spot, ['detail-type'], null), '$.detail-type', /got null/],
  ['id missing', mutate(spot, ['id'], DELETE), '$.id', /field is missing/],
  ['id empty', mutate(spot, ['id'], ''), '$.id', /non-empty string/],
  ['id a number', mutate(spot, ['id'], 7), '$.id'],
  ['time missing', mutate(spot, ['time'], DELETE), '$.time', /ISO 8601/],
  ['time not a date', mutate(spot, ['time'], 'yesterday'), '$.time', /"yesterday"/],
  ['time month 13', mutate(spot, ['time'], '2024-13-01T00:00:00Z'), '$.time'],
  ['time 30 February', mutate(spot, ['time'], '2024-02-30T00:00:00Z'), '$.time'],
  ['time hour 24', mutate(spot, ['time'], '2024-05-01T24:00:00Z'), '$.time'],
  ['time without zone', mutate(spot, ['time'], '2024-05-01T12:00:00'), '$.time'],
  ['time with a space', mutate(spot, ['time'], '2024-05-01 12:00:00Z'), '$.time'],
  ['time as epoch seconds', mutate(spot, ['time'], 1714564800), '$.time', /number 1714564800/],
  ['region a number', mutate(spot, ['region'], 5), '$.region'],
  ['account an array', mutate(spot, ['account'], []), '$.account'],
  ['detail missing', mutate(spot, ['detail'], DELETE), '$.detail', /expected an object/],
  ['detail an array', mutate(spot, ['detail'], []), '$.detail'],
  ['detail a string', mutate(spot, ['detail'], '{"instance-id":"i-1234567890abcdef0"}'), '$.detail'],
  // Instance IDs.
  ['instance-id missing', mutate(spot, ['detail', 'instance-id'], DELETE), '$.detail.instance-id', /EC2 instance ID/],
  ['instance-id too short', mutate(spot, ['detail', 'instance-id'], 'i-123'), '$.detail.instance-id', /"i-123"/],
  ['instance-id 16 hex digits', mutate(spot, ['detail', 'instance-id'], 'i-1234567890abcdef'), '$.detail.instance-id'],
  ['instance-id 18 hex digits', mutate(spot, ['detail', 'instance-id'], 'i-1234567890abcdef01'), '$.detail.instance-id'],
  ['instance-id uppercase', mutate(spot, ['detail', 'instance-id'], 'i-1234567890ABCDEF0'), '$.detail.instance-id'],
  ['instance-id not hex', mutate(spot, ['detail', 'instance-id'], 'i-1234567890abcdefg'), '$.detail.instance-id'],
  ['instance-id with a space', mutate(spot, ['detail', 'instance-id'], ' i-1234567890abcdef0'), '$.detail.instance-id'],
  ['instance-id with a newline', mutate(spot, ['detail', 'instance-id'], 'i-1234567890abcdef0\n'), '$.detail.instance-id'],
  ['instance-id an ARN', mutate(spot, ['detail', 'instance-id'], spot.resources[0]), '$.detail.instance-id'],
  ['instance-id a number', mutate(spot, ['detail', 'instance-id'], 1234), '$.detail.instance-id'],
  ['instance-id an array', mutate(spot, ['detail', 'instance-id'], ['i-1234567890abcdef0']), '$.detail.instance-id'],
  // Kind-specific fields.
  ['spot instance-action missing', mutate(spot, ['detail', 'instance-action'], DELETE), '$.detail.instance-action'],
  ['spot instance-action blank', mutate(spot, ['detail', 'instance-action'], '  '), '$.detail.instance-action'],
  ['state missing', mutate(instanceStateChange(), ['detail', 'state'], DELETE), '$.detail.state'],
  ['state a number', mutate(instanceStateChange(), ['detail', 'state'], 16), '$.detail.state'],
  ['termination time not a date', mutate(capacityReservationInterruption(), ['detail', 'instance-termination-time'], 'soon'), '$.detail.instance-termination-time'],
  ['capacity instance-action a number', mutate(capacityReservationInterruption(), ['detail', 'instance-action'], 1), '$.detail.instance-action'],
  // AWS Health.
  ['health service missing', mutate(health, ['detail', 'service'], DELETE), '$.detail.service'],
  ['health service a number', mutate(health, ['detail', 'service'], 1), '$.detail.service'],
  ['health category missing', mutate(health, ['detail', 'eventTypeCategory'], DELETE), '$.detail.eventTypeCategory'],
  ['health eventTypeCode missing', mutate(health, ['detail', 'eventTypeCode'], DELETE), '$.detail.eventTypeCode'],
  ['health affectedEntities an object', mutate(health, ['detail', 'affectedEntities'], {}), '$.detail.affectedEntities', /an array/],
  ['health entity a string', mutate(health, ['detail', 'affectedEntities', 1], 'i-0abcdef1234567890'), '$.detail.affectedEntities[1]'],
  ['health entityValue a number', mutate(health, ['detail', 'affectedEntities', 0, 'entityValue'], 3), '$.detail.affectedEntities[0].entityValue'],
  ['health entityValue missing', mutate(health, ['detail', 'affectedEntities', 1, 'entityValue'], DELETE), '$.detail.affectedEntities[1].entityValue'],
  ['health startTime unreadable', mutate(health, ['detail', 'startTime'], 'next week'), '$.detail.startTime', /RFC 1123/],
  ['health startTime 31 February', mutate(health, ['detail', 'startTime'], 'Fri, 31 Feb 2023 06:00:00 GMT'), '$.detail.startTime'],
  ['health startTime bad month', mutate(health, ['detail', 'startTime'], 'Fri, 27 Foo 2023 06:00:00 GMT'), '$.detail.startTime'],
  ['health endTime a number', mutate(health, ['detail', 'endTime'], 5), '$.detail.endTime'],
  // ASG via EventBridge.
  ['asg EC2InstanceId missing', mutate(asgBridge, ['detail', 'EC2InstanceId'], DELETE), '$.detail.EC2InstanceId'],
  ['asg token empty', mutate(asgBridge, ['detail', 'LifecycleActionToken'], ''), '$.detail.LifecycleActionToken'],
  ['asg group null', mutate(asgBridge, ['detail', 'AutoScalingGroupName'], null), '$.detail.AutoScalingGroupName'],
  ['asg hook missing', mutate(asgBridge, ['detail', 'LifecycleHookName'], DELETE), '$.detail.LifecycleHookName'],
  ['asg transition missing', mutate(asgBridge, ['detail', 'LifecycleTransition'], DELETE), '$.detail.LifecycleTransition'],
  [
    'asg transition disagrees with detail-type',
    mutate(asgBridge, ['detail', 'LifecycleTransition'], 'autoscaling:EC2_INSTANCE_LAUNCHING'),
    '$.detail.LifecycleTransition',
    /one of "autoscaling:EC2_INSTANCE_TERMINATING", got the string "autoscaling:EC2_INSTANCE_LAUNCHING"/,
  ],
  // ASG direct notification.
  ['direct RequestId missing', mutate(asgDirect, ['RequestId'], DELETE), '$.RequestId'],
  ['direct Time missing', mutate(asgDirect, ['Time'], DELETE), '$.Time'],
  ['direct Time unreadable', mutate(asgDirect, ['Time'], '01/05/2024 12:05'), '$.Time'],
  ['direct EC2InstanceId bad', mutate(asgDirect, ['EC2InstanceId'], 'i-XYZ'), '$.EC2InstanceId'],
  ['direct LifecycleTransition a number', mutate(asgDirect, ['LifecycleTransition'], 5), '$.LifecycleTransition'],
  ['direct token missing', mutate(asgDirect, ['LifecycleActionToken'], DELETE), '$.LifecycleActionToken'],
  ['direct Service of another service', mutate(asgDirect, ['Service'], 'AWS EC2'), '$.Service'],
  ['direct AccountId a number', mutate(asgDirect, ['AccountId'], 123456789012), '$.AccountId'],
  // SNS.
  ['SNS Message missing', mutate(snsNotification(spot), ['Message'], DELETE), '$.Message', /expected a string/],
  ['SNS Message a number', mutate(snsNotification(spot), ['Message'], 5), '$.Message'],
  ['SNS Message an object, not JSON text', mutate(snsNotification(spot), ['Message'], spot), '$.Message'],
  ['SNS Message not JSON', snsNotification('instance going away'), '$.Message', /not JSON/],
  ['SNS Message empty', snsNotification(''), '$.Message', /empty/],
  ['SNS Message truncated', snsNotification(JSON.stringify(spot).slice(0, 50)), '$.Message'],
  ['SNS Message a JSON array', snsNotification('[1,2]'), '$.Message', /an array/],
  ['SNS Message an empty object', snsNotification('{}'), '$.Message', /no keys/],
  ['SNS MessageId a number', mutate(snsNotification(spot), ['MessageId'], 5), '$.MessageId'],
  ['SNS inner instance-id bad', snsNotification(mutate(spot, ['detail', 'instance-id'], 'i-1')), '$.Message.detail.instance-id'],
  ['SNS inner ASG Time bad', snsNotification(mutate(asgDirect, ['Time'], 'noon')), '$.Message.Time'],
  ['SNS inner health entity bad', snsNotification(mutate(health, ['detail', 'affectedEntities', 0], null)), '$.Message.detail.affectedEntities[0]'],
];

describe('invalid messages name the path of the problem', () => {
  for (const [what, body, path, pattern] of CASES) {
    test(`${what} → ${path}`, () => {
      const error = expectInvalid(typeof body === 'string' ? body : JSON.stringify(body));
      assert.equal(error.path, path, error.message);
      assert.ok(error.message.startsWith(`${path}: expected `), error.message);
      if (pattern) assert.match(error.message, pattern);
    });
  }
});

describe('bodies that are not ordinary JSON text', () => {
  test('a non-string body from untyped callers', () => {
    const bodies: unknown[] = [undefined, null, 42, {}, Buffer.from('{}')];
    for (const body of bodies) {
      const result = parseMessage(body as string);
      assert.equal(result.outcome, 'invalid');
      if (result.outcome === 'invalid') assert.equal(result.error.path, '$');
    }
  });

  test('a body longer than any SQS message', () => {
    const padding = ' '.repeat(MAX_BODY_LENGTH);
    const error = expectInvalid(`${JSON.stringify(spot)}${padding}`);
    assert.equal(error.path, '$');
    assert.match(error.message, /at most/);
  });

  test('deeply nested arrays do not overflow the stack', () => {
    const error = expectInvalid(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    assert.equal(error.path, '$');
  });

  test('long strings are shortened in the message', () => {
    const error = expectInvalid(mutate(spot, ['detail', 'instance-id'], 'x'.repeat(100_000)) as object);
    assert.ok(error.message.length < 300, error.message);
    assert.match(error.message, /100000 characters/);
  });

  test('control characters and lone surrogates are escaped in the message', () => {
    const error = expectInvalid(mutate(spot, ['detail', 'instance-id'], 'i-\u0000\u001b[31m\ud800') as object);
    assert.ok(!/\p{Cc}/u.test(error.message), error.message);
    assert.match(error.message, /\\u0000/);
    assert.match(error.message, /\\ud800/);
  });

  test('a __proto__ key does not reach the prototype', () => {
    const body = `{"__proto__":{"detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2"}}`;
    assert.equal(expectInvalid(body).path, '$');
  });
});
