// Property tests: parseMessage is total (never throws, always one of three outcomes), valid events
// of every kind round-trip, and a broken field is reported at (or around) the field that broke.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseMessage } from '../../../lib/events/parse.ts';
import { childPath, isInstanceId } from '../../../lib/events/reader.ts';
import { EVENT_KINDS, InvalidMessageError } from '../../../lib/events/types.ts';
import type { ParseResult } from '../../../lib/events/types.ts';
import { FIXTURES } from '../../fixtures/events/index.ts';
import { anyJson, hugeString, oddString, oddUnit, validCase } from './arbitraries.ts';

const REASONS = ['test-notification', 'unknown-kind', 'not-ec2', 'not-applicable'];

/** Parses and checks what must hold for every input, whatever it is. */
function parseChecked(body: string): ParseResult {
  const result = parseMessage(body);
  switch (result.outcome) {
    case 'event':
      assert.ok(EVENT_KINDS.includes(result.event.kind));
      assert.ok(result.event.instanceIds.length > 0 && result.event.instanceIds.every(isInstanceId));
      assert.ok(!Number.isNaN(result.event.time.getTime()));
      assert.ok(typeof result.event.id === 'string' && result.event.id.trim() !== '');
      break;
    case 'ignored':
      assert.ok(REASONS.includes(result.reason));
      assert.equal(typeof result.detail, 'string');
      break;
    case 'invalid':
      assert.ok(result.error instanceof InvalidMessageError);
      assert.ok(result.error.path.startsWith('$'));
      assert.ok(result.error.message.startsWith(`${result.error.path}: expected `), result.error.message);
      // Log-safe: no raw control characters reach the message.
      assert.ok(!/[\p{Cc}\p{Cs}]/u.test(result.error.message), result.error.message);
      break;
    default:
      assert.fail(`unknown outcome ${JSON.stringify(result)}`);
  }
  return result;
}

type Key = string | number;
const DELETE = Symbol('delete');

/** Every path into a JSON document (objects and arrays), as key lists. */
function allPaths(value: unknown, prefix: Key[] = []): Key[][] {
  if (Array.isArray(value)) return value.flatMap((item: unknown, index) => [[...prefix, index], ...allPaths(item, [...prefix, index])]);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => [[...prefix, key], ...allPaths(item, [...prefix, key])]);
  }
  return [];
}

const pathText = (keys: Key[], root = '$'): string =>
  keys.reduce<string>((path, key) => (typeof key === 'number' ? `${path}[${key}]` : childPath(path, key)), root);

function withValue(document: unknown, keys: Key[], value: unknown): unknown {
  const copy: unknown = structuredClone(document);
  const parent = keys.slice(0, -1).reduce<unknown>((node, key) => (node as Record<Key, unknown>)[key], copy) as Record<Key, unknown>;
  const last = keys.at(-1) ?? '';
  if (value === DELETE) delete parent[last];
  else parent[last] = value;
  return copy;
}

/** The Message text when `body` is an SNS notification. */
function snsMessage(body: unknown): string | undefined {
  return typeof body === 'object' && body !== null && 'Message' in body && typeof body.Message === 'string' ? body.Message : undefined;
}

const related = (a: string, b: string): boolean =>
  a === b || b.startsWith(`${a}.`) || b.startsWith(`${a}[`) || a.startsWith(`${b}.`) || a.startsWith(`${b}[`);

/**
 * Replaces one field of a valid message (inside the SNS Message when wrapped) and checks that an
 * invalid result points at that field, one of its ancestors, or something inside it.
 */
function checkMutation(body: object, pick: number, value: unknown): void {
  const message = snsMessage(body);
  const wrapped = message !== undefined;
  const target: unknown = wrapped ? JSON.parse(message) : body;
  const paths = allPaths(target);
  const keys = paths[pick % paths.length] ?? [];
  const mutated = withValue(target, keys, value);
  const text = wrapped ? JSON.stringify({ ...body, Message: JSON.stringify(mutated) }) : JSON.stringify(mutated);
  const result = parseChecked(text);
  if (result.outcome === 'invalid') {
    const changed = pathText(keys, wrapped ? '$.Message' : '$');
    assert.ok(related(changed, result.error.path), `changed ${changed}, error at ${result.error.path}`);
  }
}

const RUNS = { roundTrip: 3000, truncated: 2000, mutated: 3000, garbage: 2000, huge: 150 };

describe('parseMessage properties', () => {
  test(`valid events of every kind round-trip (${RUNS.roundTrip} runs)`, () => {
    fc.assert(
      fc.property(validCase, (c) => {
        const result = parseChecked(JSON.stringify(c.body));
        if (result.outcome !== 'event') assert.fail(JSON.stringify(result));
        assert.equal(result.event.kind, c.kind);
        assert.deepEqual(result.event.instanceIds, c.instanceIds);
        assert.equal(result.event.id, c.id);
        assert.equal(result.event.time.getTime(), c.time.getTime());
        assert.equal(result.event.envelope, c.envelope);
      }),
      { numRuns: RUNS.roundTrip },
    );
  });

  test(`truncated messages are invalid at $ (${RUNS.truncated} runs)`, () => {
    fc.assert(
      fc.property(validCase, fc.nat(), (c, cut) => {
        const text = JSON.stringify(c.body);
        const result = parseChecked(text.slice(0, cut % text.length));
        assert.equal(result.outcome, 'invalid');
        if (result.outcome === 'invalid') assert.equal(result.error.path, '$');
      }),
      { numRuns: RUNS.truncated },
    );
  });

  test(`any field replaced by any value is reported where it broke (${RUNS.mutated} runs)`, () => {
    fc.assert(
      fc.property(validCase, fc.nat(), fc.oneof(anyJson, fc.constant(DELETE)), (c, pick, value) => checkMutation(c.body, pick, value)),
      { numRuns: RUNS.mutated },
    );
  });

  test('every field of every fixture, replaced by each wrong type', () => {
    const wrong: unknown[] = [DELETE, null, 0, 1.5, true, [], {}, [{}], '', ' ', '\ud800', 'x'.repeat(5000)];
    let runs = 0;
    for (const build of Object.values(FIXTURES)) {
      const body: object = build();
      const message = snsMessage(body);
      const count = allPaths(message === undefined ? body : JSON.parse(message)).length;
      for (let pick = 0; pick < count; pick += 1) {
        for (const value of wrong) {
          checkMutation(body, pick, value);
          runs += 1;
        }
      }
    }
    assert.ok(runs > 1000, `only ${runs} cases`);
  });

  test(`arbitrary text, JSON and look-alike objects never throw (${RUNS.garbage} runs)`, () => {
    const field = fc.oneof(
      anyJson,
      fc.constantFrom('aws.ec2', 'aws.health', 'aws.autoscaling', 'EC2 Spot Instance Interruption Warning', 'AWS Health Event'),
      fc.constantFrom('Notification', 'autoscaling:TEST_NOTIFICATION', 'autoscaling:EC2_INSTANCE_TERMINATING', 'EC2'),
      validCase.map((c) => JSON.stringify(c.body)),
    );
    const lookAlike = fc.record(
      {
        source: field, 'detail-type': field, detail: fc.oneof(field, fc.dictionary(oddString, field, { maxKeys: 4 })),
        id: field, time: field, Type: field, Message: field, MessageId: field, Event: field, LifecycleTransition: field,
        EC2InstanceId: field, RequestId: field, Time: field, Service: field,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: oddUnit, maxLength: 200 }), fc.json(), lookAlike.map((value) => JSON.stringify(value))),
        (body) => void parseChecked(body),
      ),
      { numRuns: RUNS.garbage },
    );
  });

  test(`very large strings, as the body or in any field (${RUNS.huge} runs)`, () => {
    fc.assert(
      fc.property(validCase, fc.nat(), hugeString, fc.boolean(), (c, pick, huge, asBody) => {
        if (asBody) parseChecked(huge);
        else checkMutation(c.body, pick, huge);
      }),
      { numRuns: RUNS.huge },
    );
  });
});
