// The two timestamp formats AWS sends, and the near misses we refuse.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseHealthTime, parseIsoTime, parseRfc1123Time } from '../../../lib/events/time.ts';

const ms = (date: Date | undefined): number | undefined => date?.getTime();

describe('ISO 8601', () => {
  test('accepts the forms AWS uses', () => {
    assert.equal(ms(parseIsoTime('2024-05-01T12:00:00Z')), Date.UTC(2024, 4, 1, 12));
    assert.equal(ms(parseIsoTime('2024-05-01T12:00:00.123Z')), Date.UTC(2024, 4, 1, 12, 0, 0, 123));
    assert.equal(ms(parseIsoTime('2024-05-01T12:00:00.123456789Z')), Date.UTC(2024, 4, 1, 12, 0, 0, 123));
    assert.equal(ms(parseIsoTime('2024-05-01T12:00:00.5Z')), Date.UTC(2024, 4, 1, 12, 0, 0, 500));
    assert.equal(ms(parseIsoTime('2024-05-01T14:00:00+02:00')), Date.UTC(2024, 4, 1, 12));
    assert.equal(ms(parseIsoTime('2024-05-01T07:30:00-0430')), Date.UTC(2024, 4, 1, 12));
    assert.equal(ms(parseIsoTime('2024-05-01t12:00:00z')), Date.UTC(2024, 4, 1, 12));
    assert.equal(ms(parseIsoTime('2024-02-29T00:00:00Z')), Date.UTC(2024, 1, 29));
    assert.equal(ms(parseIsoTime('0050-01-01T00:00:00Z')), new Date('0050-01-01T00:00:00Z').getTime());
  });

  test('refuses near misses', () => {
    for (const text of [
      '',
      '2024-05-01',
      '2024-05-01T12:00Z',
      '2024-05-01T12:00:00',
      '2024-05-01 12:00:00Z',
      '2023-02-29T00:00:00Z',
      '2024-04-31T00:00:00Z',
      '2024-00-10T00:00:00Z',
      '2024-05-00T00:00:00Z',
      '2024-05-01T24:00:00Z',
      '2024-05-01T12:60:00Z',
      '2024-05-01T12:00:60Z',
      '2024-05-01T12:00:00+15:00',
      '2024-05-01T12:00:00+01:75',
      '2024-05-01T12:00:00.Z',
      ' 2024-05-01T12:00:00Z',
      '2024-05-01T12:00:00Z\n',
      '+002024-05-01T12:00:00Z',
      '２０２４-05-01T12:00:00Z',
      'Wed, 01 May 2024 12:00:00 GMT',
    ]) {
      assert.equal(parseIsoTime(text), undefined, text);
    }
  });
});

describe('RFC 1123', () => {
  test('accepts the Health event form', () => {
    assert.equal(ms(parseRfc1123Time('Fri, 27 Jan 2023 06:00:00 GMT')), Date.UTC(2023, 0, 27, 6));
    assert.equal(ms(parseRfc1123Time('27 Jan 2023 06:00:00 GMT')), Date.UTC(2023, 0, 27, 6));
    assert.equal(ms(parseRfc1123Time('Fri, 7 Jan 2023 06:00 UTC')), Date.UTC(2023, 0, 7, 6));
    assert.equal(ms(parseRfc1123Time('Fri, 27 Jan 2023 08:00:00 +0200')), Date.UTC(2023, 0, 27, 6));
    // The weekday is not cross-checked (27 Jan 2023 was a Friday).
    assert.equal(ms(parseRfc1123Time('Mon, 27 Jan 2023 06:00:00 GMT')), Date.UTC(2023, 0, 27, 6));
  });

  test('refuses near misses', () => {
    for (const text of [
      'Fri, 27 Jan 2023',
      'Fri, 27 January 2023 06:00:00 GMT',
      'Fri, 27 jan 2023 06:00:00 GMT',
      'Fri, 31 Feb 2023 06:00:00 GMT',
      'Fri, 27 Jan 2023 25:00:00 GMT',
      'Fri, 27 Jan 2023 06:00:00 PST',
      'Fri, 27 Jan 2023 06:00:00 +0275',
      'Friday, 27 Jan 2023 06:00:00 GMT',
      '2023-01-27T06:00:00Z',
    ]) {
      assert.equal(parseRfc1123Time(text), undefined, text);
    }
  });

  test('Health times take either format', () => {
    assert.equal(ms(parseHealthTime('Fri, 27 Jan 2023 06:00:00 GMT')), Date.UTC(2023, 0, 27, 6));
    assert.equal(ms(parseHealthTime('2023-01-27T06:00:00Z')), Date.UTC(2023, 0, 27, 6));
    assert.equal(parseHealthTime('next Friday'), undefined);
  });

  test('Date#toUTCString output round-trips', () => {
    const date = new Date(Date.UTC(2031, 11, 31, 23, 59, 59));
    assert.equal(ms(parseRfc1123Time(date.toUTCString())), date.getTime());
  });
});
