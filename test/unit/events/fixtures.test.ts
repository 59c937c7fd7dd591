// The JSON fixture files and the builders must not drift apart, and every registered kind has one.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { EVENT_TYPES } from '../../../lib/events/registry.ts';
import { FIXTURES, readFixture, spotInterruption, toPutEventsEntry } from '../../fixtures/events/index.ts';
import type { FixtureName } from '../../fixtures/events/index.ts';

const names = Object.keys(FIXTURES) as FixtureName[];

describe('fixtures', () => {
  test('each builder, called with no arguments, equals its JSON file', () => {
    for (const name of names) {
      assert.deepEqual(JSON.parse(readFixture(name)), FIXTURES[name](), name);
    }
  });

  test('every JSON file in the folder has a builder', () => {
    const files = readdirSync(new URL('../../fixtures/events/', import.meta.url)).filter((file) => file.endsWith('.json'));
    assert.deepEqual(files.map((file) => file.replace(/\.json$/, '')).sort(), [...names].sort());
  });

  test('every registered (source, detail-type) has a fixture', () => {
    const covered = new Set(
      names
        .map((name) => FIXTURES[name]())
        .filter((body): body is { source: string; 'detail-type': string } => 'detail-type' in body)
        .map((body) => `${body.source}/${body['detail-type']}`),
    );
    for (const { source, detailType } of EVENT_TYPES) assert.ok(covered.has(`${source}/${detailType}`), `${source}/${detailType}`);
  });

  test('overrides reach the right fields', () => {
    const event = spotInterruption({ instanceId: 'i-0a1b2c3d', time: new Date('2030-01-02T03:04:05Z'), id: 'e-1', region: 'eu-west-1' });
    assert.equal(event.detail['instance-id'], 'i-0a1b2c3d');
    assert.equal(event.time, '2030-01-02T03:04:05Z');
    assert.equal(event.id, 'e-1');
    assert.deepEqual(event.resources, ['arn:aws:ec2:eu-west-1:123456789012:instance/i-0a1b2c3d']);
  });

  test('toPutEventsEntry carries source, detail-type and detail', () => {
    const entry = toPutEventsEntry(spotInterruption(), 'nth-bus');
    assert.equal(entry.Source, 'aws.ec2');
    assert.equal(entry.DetailType, 'EC2 Spot Instance Interruption Warning');
    assert.deepEqual(JSON.parse(entry.Detail ?? ''), spotInterruption().detail);
    assert.equal(entry.EventBusName, 'nth-bus');
  });
});
