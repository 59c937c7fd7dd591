// Grace periods cut to the deadline, and the back-off between refused evictions.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evictionGraceSeconds, retryDelayMs, RETRY_CAP_MS } from '../../../lib/drain/timing.ts';
import { pod } from './fixtures.ts';

const NOW = Date.UTC(2025, 0, 1);
const inSeconds = (s: number) => NOW + s * 1000;

describe('evictionGraceSeconds', () => {
  test("the pod's own grace when the deadline is far", () => {
    assert.equal(evictionGraceSeconds(pod({ spec: { terminationGracePeriodSeconds: 45 } }), -1, inSeconds(120), NOW), 45);
  });
  test('30 s when the pod does not say', () => {
    assert.equal(evictionGraceSeconds(pod(), -1, inSeconds(120), NOW), 30);
  });
  test('the setting overrides the pod when >= 0', () => {
    assert.equal(evictionGraceSeconds(pod({ spec: { terminationGracePeriodSeconds: 600 } }), 10, inSeconds(120), NOW), 10);
    assert.equal(evictionGraceSeconds(pod({ spec: { terminationGracePeriodSeconds: 600 } }), 0, inSeconds(120), NOW), 0);
  });
  test('cut to the whole seconds left before the deadline', () => {
    assert.equal(evictionGraceSeconds(pod({ spec: { terminationGracePeriodSeconds: 600 } }), -1, inSeconds(29.9), NOW), 29);
  });
  test('at least 1 s at or past the deadline, unless the pod asks for 0', () => {
    assert.equal(evictionGraceSeconds(pod({ spec: { terminationGracePeriodSeconds: 600 } }), -1, inSeconds(-5), NOW), 1);
    assert.equal(evictionGraceSeconds(pod({ spec: { terminationGracePeriodSeconds: 0 } }), -1, inSeconds(-5), NOW), 0);
  });
});

describe('retryDelayMs', () => {
  test('doubles from about 1 s and stops at the cap', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 10].map((attempt) => retryDelayMs(attempt, 0.999_999)), [1000, 2000, 4000, 8000, 10_000, 10_000]);
  });
  test('jitter stays within the upper half of the interval', () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const ceiling = Math.min(RETRY_CAP_MS, 1000 * 2 ** attempt);
      assert.equal(retryDelayMs(attempt, 0), ceiling / 2);
      const delay = retryDelayMs(attempt);
      assert.ok(delay >= ceiling / 2 && delay <= ceiling, `${delay} in [${ceiling / 2}, ${ceiling}]`);
    }
  });
});
