// fast-check generators for the property test: valid messages of every kind and envelope (with the
// result we expect from them), and the raw material for hostile ones.

import fc from 'fast-check';
import { isInstanceId } from '../../../lib/events/reader.ts';
import type { EventKind } from '../../../lib/events/types.ts';
import {
  asgLaunchLifecycleAction,
  asgLifecycleNotification,
  asgTerminateLifecycleAction,
  capacityReservationInterruption,
  instanceStateChange,
  rebalanceRecommendation,
  scheduledChange,
  snsNotification,
  spotInterruption,
} from '../../fixtures/events/index.ts';

const hex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });

export const instanceId = fc.oneof(hex(17), hex(8)).map((digits) => `i-${digits}`);

/** Code points a parser may choke on: any plane, lone surrogates, NUL, bidi overrides, BOM, quotes. */
export const oddUnit = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 4 },
  { arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)), weight: 1 },
  { arbitrary: fc.constantFrom('\u0000', '\u001b', '\u202e', '\ufeff', '\u200b', '"', '\\', '\u2028'), weight: 1 },
);

export const oddString = fc.string({ unit: oddUnit, maxLength: 40 });

/** Text that is not blank, as required of IDs, names and tokens. */
const label = fc
  .oneof(fc.uuid(), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }), oddString)
  .filter((text) => text.trim() !== '');

// Whole seconds and milliseconds both occur in AWS timestamps; both must survive the round trip.
const time = fc.date({
  min: new Date('1970-01-01T00:00:00Z'),
  max: new Date('2200-01-01T00:00:00Z'),
  noInvalidDate: true,
});

const common = fc.record({
  id: label,
  time,
  region: fc.constantFrom('us-east-1', 'eu-central-1', 'ap-southeast-2'),
  account: fc.constantFrom('123456789012', '210987654321'),
});

export interface ValidCase {
  body: object;
  kind: EventKind;
  instanceIds: string[];
  id: string;
  time: Date;
  envelope: 'eventbridge' | 'sns' | 'asg-direct';
}

const nonInstanceEntity = fc
  .oneof(fc.constantFrom('UNKNOWN', 'vol-0123456789abcdef0', 'i-XYZ', 'AWS_ACCOUNT'), oddString)
  .filter((value) => !isInstanceId(value));

const spotCase = fc
  .tuple(common, instanceId, fc.constantFrom('terminate', 'stop', 'hibernate'))
  .map(([c, id, instanceAction]) => ({
    body: spotInterruption({ ...c, instanceId: id, instanceAction }),
    kind: 'spot-interruption' as const,
    instanceIds: [id],
    c,
  }));

const rebalanceCase = fc.tuple(common, instanceId).map(([c, id]) => ({
  body: rebalanceRecommendation({ ...c, instanceId: id }),
  kind: 'rebalance-recommendation' as const,
  instanceIds: [id],
  c,
}));

const stateCase = fc
  .tuple(common, instanceId, fc.constantFrom('pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'))
  .map(([c, id, state]) => ({
    body: instanceStateChange({ ...c, instanceId: id, state }),
    kind: 'instance-state-change' as const,
    instanceIds: [id],
    c,
  }));

const capacityCase = fc.tuple(common, instanceId, time).map(([c, id, terminationTime]) => ({
  body: capacityReservationInterruption({ ...c, instanceId: id, terminationTime }),
  kind: 'capacity-reservation-interruption' as const,
  instanceIds: [id],
  c,
}));

// Other entities first and a repeated instance last: the parser must skip the one and fold the other.
const healthCase = fc
  .tuple(common, fc.array(instanceId, { minLength: 1, maxLength: 6 }), fc.array(nonInstanceEntity, { maxLength: 3 }), time, time)
  .map(([c, ids, others, startTime, endTime]) => ({
    body: scheduledChange({ ...c, entityValues: [...others, ...ids, ...ids.slice(0, 1)], startTime, endTime }),
    kind: 'scheduled-change' as const,
    instanceIds: [...new Set(ids)],
    c,
  }));

const lifecycleFields = fc.tuple(common, instanceId, label, label, label, fc.boolean());

const asgBridgeCase = lifecycleFields.map(([c, id, group, hook, token, launch]) => ({
  body: (launch ? asgLaunchLifecycleAction : asgTerminateLifecycleAction)({
    ...c,
    instanceId: id,
    autoScalingGroupName: group,
    lifecycleHookName: hook,
    lifecycleActionToken: token,
  }),
  kind: launch ? ('asg-launch' as const) : ('asg-terminate' as const),
  instanceIds: [id],
  c,
}));

const bridgeCase = fc.oneof(spotCase, rebalanceCase, stateCase, capacityCase, healthCase, asgBridgeCase);

const directCase = lifecycleFields.map(([c, id, group, hook, token, launch]) => ({
  body: asgLifecycleNotification({
    requestId: c.id,
    time: c.time,
    account: c.account,
    instanceId: id,
    autoScalingGroupName: group,
    lifecycleHookName: hook,
    lifecycleActionToken: token,
    transition: launch ? 'autoscaling:EC2_INSTANCE_LAUNCHING' : 'autoscaling:EC2_INSTANCE_TERMINATING',
  }),
  kind: launch ? ('asg-launch' as const) : ('asg-terminate' as const),
  instanceIds: [id],
  c,
}));

/** A valid message of any kind, bare or in SNS, with what parsing it must give. */
export const validCase: fc.Arbitrary<ValidCase> = fc
  .tuple(
    fc.oneof(
      { arbitrary: bridgeCase.map((item) => ({ ...item, direct: false })), weight: 3 },
      { arbitrary: directCase.map((item) => ({ ...item, direct: true })), weight: 1 },
    ),
    fc.boolean(),
  )
  .map(([{ body, kind, instanceIds, c, direct }, wrap]) => ({
    body: wrap ? snsNotification(body) : body,
    kind,
    instanceIds,
    id: c.id,
    time: c.time,
    envelope: wrap ? 'sns' : direct ? 'asg-direct' : 'eventbridge',
  }));

/** Any JSON value, including odd strings, for replacing a field with the wrong thing. */
export const anyJson = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, '', ' ', [], {}),
  fc.constantFrom('i-1234567890abcdef0', 'Fri, 27 Jan 2023 06:00:00 GMT', '2024-05-01T12:00:00Z'),
  fc.jsonValue({ maxDepth: 2 }),
  oddString,
);

/** A string too big for any real field; cheap to build because it repeats a short piece. */
export const hugeString = fc
  .tuple(fc.string({ unit: oddUnit, minLength: 1, maxLength: 4 }), fc.integer({ min: 10_000, max: 300_000 }))
  .map(([piece, times]) => piece.repeat(times));
