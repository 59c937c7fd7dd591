// The typed reader: paths, descriptions of what was seen, and own-property reads.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { childPath, describe as describeValue, isInstanceId, quote, reader, sanitize } from '../../../lib/events/reader.ts';
import { InvalidMessageError } from '../../../lib/events/types.ts';

function thrown(run: () => unknown): InvalidMessageError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidMessageError) return error;
    throw error;
  }
  assert.fail('expected an InvalidMessageError');
}

describe('reader', () => {
  test('paths use dots for plain keys, quotes otherwise, and [n] for items', () => {
    assert.equal(childPath('$', 'detail'), '$.detail');
    assert.equal(childPath('$.detail', 'instance-id'), '$.detail.instance-id');
    assert.equal(childPath('$', 'odd key'), '$["odd key"]');
    assert.equal(childPath('$', 'a.b'), '$["a.b"]');
    assert.equal(childPath('$', ''), '$[""]');
    const item = reader({ list: [{ value: 1 }] }).get('list').array()[0];
    assert.equal(item?.get('value').path, '$.list[0].value');
  });

  test('typed reads return the value or throw at the path', () => {
    const doc = reader({ s: 'text', n: 3, a: ['x'], o: {}, nul: null });
    assert.equal(doc.get('s').string(), 'text');
    assert.equal(doc.get('s').optionalString(), 'text');
    assert.equal(doc.get('missing').optionalString(), undefined);
    assert.equal(doc.get('nul').optionalString(), undefined);
    assert.equal(doc.get('o').object().path, '$.o');
    assert.deepEqual(doc.get('a').array().map((item) => item.string()), ['x']);
    assert.equal(thrown(() => doc.get('n').string()).message, '$.n: expected a string, got number 3');
    assert.equal(thrown(() => doc.get('s').array()).message, '$.s: expected an array, got the string "text"');
    assert.equal(thrown(() => doc.get('a').object()).message, '$.a: expected an object, got an array of 1 item');
    assert.equal(thrown(() => doc.get('n').get('x')).path, '$.n');
    assert.equal(thrown(() => doc.get('s').oneOf(['a', 'b'])).message, '$.s: expected one of "a", "b", got the string "text"');
  });

  test('only own properties are read', () => {
    const doc = reader(JSON.parse('{"a":1}'));
    assert.equal(doc.get('constructor').value, undefined);
    assert.equal(doc.get('toString').value, undefined);
    assert.equal(doc.get('__proto__').value, undefined);
    assert.equal(reader(JSON.parse('{"__proto__":{"x":1}}')).get('__proto__').get('x').value, 1);
  });

  test('descriptions of what was seen', () => {
    assert.equal(describeValue(undefined), 'nothing (the field is missing)');
    assert.equal(describeValue(null), 'null');
    assert.equal(describeValue(false), 'boolean false');
    assert.equal(describeValue([1, 2]), 'an array of 2 items');
    assert.equal(describeValue({}), 'an object');
    assert.equal(quote('a"b'), '"a\\"b"');
    assert.equal(quote('x'.repeat(61)), `"${'x'.repeat(60)}…" (61 characters)`);
    assert.equal(sanitize('a\u0007b\ud83d\ude00c\udc00'), 'a\\u0007b\ud83d\ude00c\\udc00');
  });

  test('instance IDs', () => {
    assert.ok(isInstanceId('i-1234567890abcdef0'));
    assert.ok(isInstanceId('i-0a1b2c3d'));
    for (const text of ['i-', 'i-0a1b2c3', 'i-0a1b2c3d4', 'i-1234567890abcdef', 'I-0a1b2c3d', 'i-0A1B2C3D', 'x-0a1b2c3d', 'i-0a1b2c3g']) {
      assert.equal(isInstanceId(text), false, text);
    }
  });
});
