import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidMessageError } from '../../../lib/events/types.ts';

test('InvalidMessageError names the JSON path of the problem', () => {
  const error = new InvalidMessageError('$.detail.instance-id', 'expected a string, got number');
  assert.equal(error.path, '$.detail.instance-id');
  assert.equal(error.message, '$.detail.instance-id: expected a string, got number');
});
