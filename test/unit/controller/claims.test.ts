// Node claims are not renewed one by one: a claim is live while its holder's replica Lease is.
// The replica Lease's renewals never overlap (in a storm one can wait at the rate limiter longer
// than the period, and two carrying the same resourceVersion make one fail with 409), a claim costs
// one create when nobody holds the node, and a foreign claim holds exactly while its holder lives.
import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import type { V1Lease } from '@kubernetes/client-node';
import { ClaimHeldError, leaseNameFor, NodeClaims } from '../../../lib/controller/claims.ts';
import { MicroTime } from '../../../lib/controller/lease-time.ts';
import { ReplicaLease, replicaLeaseNameFor } from '../../../lib/controller/replica-lease.ts';
import { silentLogger } from '../../../lib/observe/logger.ts';

const apiError = (code: number): Error => Object.assign(new Error(`HTTP ${code}`), { code });

/** An in-memory Lease store with resourceVersion checks, counting calls by verb. */
function leaseStore() {
  const leases = new Map<string, V1Lease>();
  const calls: string[] = [];
  let version = 0;
  const stamp = (lease: V1Lease): V1Lease => ({ ...lease, metadata: { ...lease.metadata, resourceVersion: String(++version) } });
  const api = {
    readNamespacedLease: ({ name }: { name: string }) => {
      calls.push(`get ${name}`);
      const lease = leases.get(name);
      return lease ? Promise.resolve(structuredClone(lease)) : Promise.reject(apiError(404));
    },
    createNamespacedLease: ({ body }: { body: V1Lease }) => {
      const name = body.metadata?.name ?? '';
      calls.push(`create ${name}`);
      if (leases.has(name)) return Promise.reject(apiError(409));
      const lease = stamp(body);
      leases.set(name, lease);
      return Promise.resolve(structuredClone(lease));
    },
    replaceNamespacedLease: ({ name, body }: { name: string; body: V1Lease }) => {
      calls.push(`update ${name}`);
      const current = leases.get(name);
      if (!current) return Promise.reject(apiError(404));
      if (current.metadata?.resourceVersion !== body.metadata?.resourceVersion) return Promise.reject(apiError(409));
      const lease = stamp(body);
      leases.set(name, lease);
      return Promise.resolve(structuredClone(lease));
    },
    deleteNamespacedLease: ({ name }: { name: string }) => {
      calls.push(`delete ${name}`);
      if (!leases.delete(name)) return Promise.reject(apiError(404));
      return Promise.resolve({});
    },
  };
  return { api, leases, calls };
}

const settings = (holderIdentity: string) => ({ namespace: 'nth', holderIdentity, leaseDurationSeconds: 15 });

describe('node claims', () => {
  test('a free node costs one create to claim and one delete to release, and no renewals', async () => {
    mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'], now: 0 });
    try {
      const store = leaseStore();
      const claims = new NodeClaims(store.api, settings('a'), silentLogger(), () => new Date());
      const claim = await claims.acquire('node-1');
      mock.timers.tick(60_000);
      await claim.release();
      assert.deepEqual(store.calls, [`create ${leaseNameFor('node-1')}`, `delete ${leaseNameFor('node-1')}`]);
    } finally {
      mock.timers.reset();
    }
  });

  /** Replica b, its Lease written, holds node-1; the test's clock moves by `advance`. */
  async function heldByB() {
    let now = 1_000_000;
    const clock = (): Date => new Date(now);
    const store = leaseStore();
    const replicaB = new ReplicaLease(store.api, settings('b'), silentLogger(), clock);
    await replicaB.renew();
    await new NodeClaims(store.api, settings('b'), silentLogger(), clock).acquire('node-1');
    const claimsA = new NodeClaims(store.api, settings('a'), silentLogger(), clock);
    return { store, replicaB, claimsA, advance: (ms: number) => void (now += ms) };
  }

  test('a foreign claim holds while its holder\'s replica Lease is renewed, and is taken over once it is not', async () => {
    const { store, replicaB, claimsA, advance } = await heldByB();

    advance(5_000); // the claim itself is young: held without asking about b
    await assert.rejects(claimsA.acquire('node-1'), (error: unknown) => error instanceof ClaimHeldError && error.holder === 'b');
    assert.ok(!store.calls.includes(`get ${replicaLeaseNameFor('b')}`));

    advance(60_000); // the claim is old, but b renews its replica Lease: still held
    await replicaB.renew();
    await assert.rejects(claimsA.acquire('node-1'), ClaimHeldError);
    assert.ok(store.calls.includes(`get ${replicaLeaseNameFor('b')}`));

    advance(16_000); // b stopped renewing 16 s ago (duration 15 s): a takes over
    const claim = await claimsA.acquire('node-1');
    assert.equal(store.leases.get(leaseNameFor('node-1'))?.spec?.holderIdentity, 'a');
    assert.equal(store.leases.get(leaseNameFor('node-1'))?.spec?.leaseTransitions, 1);
    await claim.release();
    assert.equal(store.leases.has(leaseNameFor('node-1')), false);
  });

  test('a claim of a replica that stopped cleanly (its replica Lease deleted) is taken over at once once old', async () => {
    const { replicaB, claimsA, advance } = await heldByB();
    await replicaB.stop();
    advance(16_000);
    await claimsA.acquire('node-1');
  });

  test('our own leftover claim (same pod name after a restart) is adopted', async () => {
    const store = leaseStore();
    await new NodeClaims(store.api, settings('a'), silentLogger()).acquire('node-1');
    await new NodeClaims(store.api, settings('a'), silentLogger()).acquire('node-1');
    assert.equal(store.leases.get(leaseNameFor('node-1'))?.spec?.leaseTransitions, 0);
  });

  test('a release that fails is tried again in the background', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const store = leaseStore();
      let failures = 2;
      const api = { ...store.api, deleteNamespacedLease: (args: { name: string }) => (failures-- > 0 ? Promise.reject(apiError(503)) : store.api.deleteNamespacedLease(args)) };
      const claim = await new NodeClaims(api, settings('a'), silentLogger()).acquire('node-1');
      await claim.release();
      assert.equal(store.leases.size, 1);
      for (let i = 0; i < 2; i++) {
        mock.timers.tick(5_000);
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(store.leases.size, 0);
    } finally {
      mock.timers.reset();
    }
  });

  test('MicroTime keeps six fractional digits', () => {
    assert.equal(new MicroTime(Date.UTC(2026, 0, 1, 0, 0, 0, 871)).toISOString(), '2026-01-01T00:00:00.871000Z');
  });
});

describe('replica Lease', () => {
  test('a renewal still waiting for its answer is not joined by another', async () => {
    mock.timers.enable({ apis: ['setInterval', 'Date'], now: 0 });
    try {
      let replaces = 0;
      let answer: () => void = () => undefined;
      const lease = (version: string): V1Lease => ({ metadata: { name: 'l', resourceVersion: version }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } });
      const api = {
        readNamespacedLease: () => Promise.reject(apiError(404)),
        createNamespacedLease: () => Promise.resolve(lease('1')),
        replaceNamespacedLease: () => {
          replaces += 1;
          return new Promise<V1Lease>((resolve) => (answer = () => resolve(lease('2'))));
        },
        deleteNamespacedLease: () => Promise.resolve({}),
      };
      const replica = new ReplicaLease(api, settings('me'), silentLogger());
      await replica.start();
      mock.timers.tick(5000); // first renewal: sent, no answer yet
      mock.timers.tick(5000); // second period: the first is still out
      mock.timers.tick(5000);
      assert.equal(replaces, 1);
      answer();
      await new Promise((resolve) => setImmediate(resolve));
      mock.timers.tick(5000);
      assert.equal(replaces, 2, 'renewals resume once the answer came');
      answer();
      await replica.stop();
    } finally {
      mock.timers.reset();
    }
  });

  test('start never throws: a replica without Lease rights still works, and keeps trying', async () => {
    const api = {
      readNamespacedLease: () => Promise.reject(apiError(403)),
      createNamespacedLease: () => Promise.reject(apiError(403)),
      replaceNamespacedLease: () => Promise.reject(apiError(403)),
      deleteNamespacedLease: () => Promise.reject(apiError(403)),
    };
    const replica = new ReplicaLease(api, settings('me'), silentLogger());
    await replica.start();
    await replica.stop();
  });

  test('a Lease left by this pod before a restart is adopted, and deleted on stop', async () => {
    const store = leaseStore();
    await new ReplicaLease(store.api, settings('me'), silentLogger()).renew();
    const again = new ReplicaLease(store.api, settings('me'), silentLogger());
    await again.renew();
    assert.equal(store.leases.size, 1);
    await again.stop();
    assert.equal(store.leases.size, 0);
  });
});
