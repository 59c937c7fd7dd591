// A claim's renewals never overlap: in a storm a renewal can wait at the rate limiter longer than
// the renewal period, and two renewals carrying the same resourceVersion make one fail with 409.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import type { V1Lease } from '@kubernetes/client-node';
import { NodeClaims } from '../../../lib/controller/claims.ts';
import { silentLogger } from '../../../lib/observe/logger.ts';

test('a renewal still waiting for its answer is not joined by another', async () => {
  mock.timers.enable({ apis: ['setInterval', 'Date'], now: 0 });
  try {
    let replaces = 0;
    let answer: () => void = () => undefined;
    const lease = (version: string): V1Lease => ({ metadata: { name: 'l', resourceVersion: version }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } });
    const api = {
      readNamespacedLease: () => Promise.reject(Object.assign(new Error('not found'), { code: 404 })),
      createNamespacedLease: () => Promise.resolve(lease('1')),
      replaceNamespacedLease: () => {
        replaces += 1;
        return new Promise<V1Lease>((resolve) => (answer = () => resolve(lease('2'))));
      },
      deleteNamespacedLease: () => Promise.resolve({}),
    };
    const claims = new NodeClaims(api, { namespace: 'default', holderIdentity: 'me', leaseDurationSeconds: 15 }, silentLogger());
    const claim = await claims.acquire('node-a');
    mock.timers.tick(5000); // first renewal: sent, no answer yet
    mock.timers.tick(5000); // second period: the first is still out
    mock.timers.tick(5000);
    assert.equal(replaces, 1);
    answer();
    await new Promise((resolve) => setImmediate(resolve));
    mock.timers.tick(5000);
    assert.equal(replaces, 2, 'renewals resume once the answer came');
    answer();
    await claim.release();
  } finally {
    mock.timers.reset();
  }
});
