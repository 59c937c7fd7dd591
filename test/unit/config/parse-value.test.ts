import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  InvalidValue,
  bool,
  decimal,
  integer,
  jsonStringMap,
  keyValueMap,
  list,
  oneOf,
  optionalBool,
  seconds,
  text,
  url,
  type ValueType,
} from '../../../lib/config/parse-value.ts';

function rejects<T>(type: ValueType<T>, ...raws: string[]): void {
  for (const raw of raws) {
    assert.throws(() => type.parse(raw), InvalidValue, `expected ${JSON.stringify(raw)} to be rejected`);
  }
}

describe('text', () => {
  test('takes any text as written, including empty and surrounding spaces', () => {
    assert.equal(text().parse(' a b '), ' a b ');
    assert.equal(text().parse(''), '');
  });
  test('nonEmpty and pattern', () => {
    rejects(text({ nonEmpty: true }), '');
    const path = text({ pattern: /^\//, nonEmpty: true, allowed: 'a path' });
    assert.equal(path.parse('/x'), '/x');
    rejects(path, 'x', '');
    assert.equal(path.allowed, 'a path');
    // An optional pattern-checked value may still be empty.
    assert.equal(text({ pattern: /^a$/ }).parse(''), '');
  });
  test('formats quoted so empty values are visible', () => {
    assert.equal(text().format(''), '""');
  });
});

describe('url', () => {
  test('accepts http(s) and empty, trims', () => {
    assert.equal(url().parse('https://sqs.us-east-1.amazonaws.com/123/q'), 'https://sqs.us-east-1.amazonaws.com/123/q');
    assert.equal(url().parse(' http://localhost:5000 '), 'http://localhost:5000');
    assert.equal(url().parse(''), '');
  });
  test('rejects other schemes and non-URLs', () => {
    rejects(url(), 'ftp://x', 'sqs.amazonaws.com/q', 'http//x', 'file:///etc/passwd', 'not a url');
  });
  test('format hides a password', () => {
    assert.equal(url().format('http://user:secret@proxy:3128'), '"http://user:***@proxy:3128/"');
    assert.equal(url().format('http://proxy:3128'), '"http://proxy:3128"');
  });
});

describe('integer', () => {
  const workers = integer({ min: 1, max: 1000 });
  test('parses within range, allowing spaces and a sign', () => {
    assert.equal(workers.parse('1'), 1);
    assert.equal(workers.parse(' 1000 '), 1000);
    assert.equal(workers.parse('+5'), 5);
    assert.equal(integer().parse('-7'), -7);
  });
  test('rejects out of range, fractions, exponents, empty', () => {
    rejects(workers, '0', '1001', '1.5', '1e2', '', 'ten', '0x10', '99999999999999999999');
  });
  test('allowed text', () => {
    assert.equal(workers.allowed, 'an integer from 1 to 1000');
    assert.equal(integer({ min: 1 }).allowed, 'an integer >= 1');
    assert.equal(integer({ max: 3 }).allowed, 'an integer <= 3');
    assert.equal(integer().allowed, 'an integer');
  });
});

describe('decimal', () => {
  const qps = decimal({ above: 0 });
  test('parses decimals and exponents above the bound', () => {
    assert.equal(qps.parse('0.5'), 0.5);
    assert.equal(qps.parse('50'), 50);
    assert.equal(qps.parse('.25'), 0.25);
    assert.equal(qps.parse('1e2'), 100);
  });
  test('rejects the bound itself, negatives, junk', () => {
    rejects(qps, '0', '-1', '', 'abc', 'Infinity', 'NaN', '1,5', '1e999');
    assert.equal(qps.allowed, 'a number > 0');
    assert.equal(decimal({ above: 0, max: 10 }).allowed, 'a number > 0 and <= 10');
  });
});

describe('bool and optionalBool', () => {
  test('accepts true/false/1/0/yes/no in any case', () => {
    for (const raw of ['true', 'TRUE', 'True', '1', 'yes', 'YES', ' yes ']) assert.equal(bool().parse(raw), true, raw);
    for (const raw of ['false', 'False', '0', 'no', 'NO']) assert.equal(bool().parse(raw), false, raw);
  });
  test('rejects anything else', () => {
    rejects(bool(), '', 't', 'on', 'off', 'y', '2');
    assert.equal(bool().allowed, 'true, false, 1, 0, yes, no');
  });
  test('optionalBool parses like bool and formats undefined as unset', () => {
    assert.equal(optionalBool().parse('no'), false);
    rejects(optionalBool(), 'auto');
    assert.equal(optionalBool().format(undefined), 'unset');
    assert.equal(optionalBool().format(true), 'true');
  });
});

describe('oneOf', () => {
  const effect = oneOf(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);
  test('matches case-insensitively and returns the canonical spelling', () => {
    assert.equal(effect.parse('noexecute'), 'NoExecute');
    assert.equal(effect.parse(' NoSchedule '), 'NoSchedule');
  });
  test('rejects other words', () => {
    rejects(effect, '', 'NoScheduleX', 'No Schedule');
    assert.equal(effect.allowed, 'NoSchedule, PreferNoSchedule, NoExecute');
    assert.equal(effect.placeholder, '<NoSchedule|PreferNoSchedule|NoExecute>');
  });
});

describe('seconds', () => {
  const interval = seconds({ min: 1, max: 3600 });
  test('takes whole seconds and unit forms', () => {
    assert.equal(interval.parse('60'), 60);
    assert.equal(interval.parse('90s'), 90);
    assert.equal(interval.parse('5m'), 300);
    assert.equal(interval.parse('1h'), 3600);
    assert.equal(seconds({ min: 0, max: 99_999 }).parse('1h30m15s'), 5415);
  });
  test('rejects out of range, fractions, other units, the sentinel unless allowed', () => {
    rejects(interval, '0', '3601', '2h', '1.5', '1d', '', 'm', '-1', '10ms', '5m1h');
  });
  test('-1 only when minusOne', () => {
    const grace = seconds({ min: 0, max: 86_400, minusOne: true });
    assert.equal(grace.parse('-1'), -1);
    assert.equal(grace.parse('0'), 0);
    rejects(grace, '-2', '-1s');
    assert.equal(grace.allowed, '-1, or seconds from 0 to 86400 (e.g. 90, 90s, 5m, 1h30m)');
  });
});

describe('list', () => {
  test('splits on commas, trims, drops empty items', () => {
    assert.deepEqual(list(text()).parse(' a, b,,c ,'), ['a', 'b', 'c']);
    assert.deepEqual(list(text()).parse(''), []);
  });
  test('checks each item with the item type', () => {
    const states = list(oneOf(['stopping', 'stopped']));
    assert.deepEqual(states.parse('Stopping,stopped'), ['stopping', 'stopped']);
    rejects(states, 'stopping,running');
  });
  test('format', () => {
    assert.equal(list(oneOf(['a', 'b'])).format(['a', 'b']), 'a,b');
    assert.equal(list(text()).format([]), '""');
  });
});

describe('keyValueMap', () => {
  const map = keyValueMap();
  test('parses k=v pairs; values may be empty or contain =', () => {
    assert.deepEqual(map.parse('team=a, env = prod ,x=,q=a=b'), { team: 'a', env: 'prod', x: '', q: 'a=b' });
    assert.deepEqual(map.parse(''), {});
  });
  test('rejects pairs without a key or "=", and duplicate keys', () => {
    rejects(map, 'team', '=a', 'a=1,a=2', 'a=1,b');
  });
  test('format', () => {
    assert.equal(map.format({ a: '1', b: '2' }), 'a=1,b=2');
    assert.equal(map.format({}), '""');
  });
});

describe('jsonStringMap', () => {
  const headers = jsonStringMap();
  test('parses an object of strings; empty means none', () => {
    assert.deepEqual(headers.parse('{"Authorization":"Bearer x","X-A":""}'), { Authorization: 'Bearer x', 'X-A': '' });
    assert.deepEqual(headers.parse('  '), {});
  });
  test('rejects non-JSON, non-objects and non-string values', () => {
    rejects(headers, '{a:1}', '[]', '"x"', 'null', '{"a":1}', '{"a":{"b":"c"}}', '{"a":null}');
  });
  test('keeps a "__proto__" key as data', () => {
    const parsed = headers.parse('{"__proto__":"x"}');
    assert.deepEqual(Object.keys(parsed), ['__proto__']);
  });
});
