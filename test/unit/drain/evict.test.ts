// One pod's eviction against a scripted API: retries on 429 with back-off, gives up at once on the
// multiple-PDB refusal, counts 404 and UID-precondition 409 as gone, and uses what discovery found.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiException, type V1DeleteOptions, type V1Eviction } from '@kubernetes/client-node';
import { MultiplePodDisruptionBudgetsError, PodEvictionError } from '../../../lib/drain/errors.ts';
import { evictPod, type EvictionDeps } from '../../../lib/drain/evict.ts';
import type { EvictionSupport } from '../../../lib/kube/discovery.ts';
import { silentLogger } from '../../../lib/observe/logger.ts';
import { fakeClock, pod } from './fixtures.ts';

const refusal = (code: number, message: string) => new ApiException(code, 'refused', JSON.stringify({ kind: 'Status', code, message }), {});

function scripted(answers: (Error | 'ok')[], support: EvictionSupport = { mode: 'eviction', groupVersion: 'policy/v1' }) {
  const clock = fakeClock();
  const evictions: V1Eviction[] = [];
  const deletions: V1DeleteOptions[] = [];
  const answer = () => {
    const next = answers.shift() ?? 'ok';
    return next === 'ok' ? Promise.resolve({}) : Promise.reject(next);
  };
  const deps: EvictionDeps = {
    core: {
      createNamespacedPodEviction: (param: { body: V1Eviction }) => { evictions.push(param.body); return answer(); },
      deleteNamespacedPod: (param: { body?: V1DeleteOptions }) => { deletions.push(param.body ?? {}); return answer(); },
    },
    evictionSupport: () => Promise.resolve(support),
    clock,
    logger: silentLogger(),
    podTerminationGracePeriod: -1,
  };
  return { deps, clock, evictions, deletions };
}

const context = { nodeName: 'node-a', eventId: 'evt-1' };
const call = (deadlineInMs: number, now: number, extra: Partial<Parameters<typeof evictPod>[1]> = {}) => ({
  pod: pod({ name: 'web', owner: 'ReplicaSet', spec: { terminationGracePeriodSeconds: 600 } }),
  deadline: now + deadlineInMs,
  signal: new AbortController().signal,
  mode: 'evict' as const,
  context,
  ...extra,
});

describe('evictPod', () => {
  test('retries 429 with growing back-off; the grace shrinks with the time left', async () => {
    const { deps, clock, evictions } = scripted([refusal(429, 'budget'), refusal(429, 'budget'), refusal(429, 'budget'), 'ok']);
    assert.equal(await evictPod(deps, call(60_000, clock.now())), 'accepted');
    assert.equal(evictions.length, 4);
    assert.ok(clock.slept.every((ms, i) => i === 0 || ms >= (clock.slept[i - 1] ?? 0) / 2), `back-off ${clock.slept.join(', ')}`);
    assert.ok((clock.slept[2] ?? 0) >= 2000);
    assert.equal(evictions[0]?.apiVersion, 'policy/v1');
    assert.deepEqual(evictions[0]?.deleteOptions?.preconditions, { uid: 'uid-web' });
    assert.equal(evictions[0]?.deleteOptions?.gracePeriodSeconds, 60);
    const waited = Math.ceil(clock.slept.reduce((a, b) => a + b, 0) / 1000);
    assert.ok((evictions[3]?.deleteOptions?.gracePeriodSeconds ?? 0) <= 60 - waited + 1);
  });

  test('stops retrying when the deadline signal aborts', async () => {
    const { deps, clock } = scripted(Array.from({ length: 50 }, () => refusal(429, 'budget')));
    const controller = new AbortController();
    const sleep = deps.clock.sleep;
    deps.clock = { now: clock.now, sleep: (ms, signal) => { if (clock.slept.length === 3) controller.abort(new Error('deadline')); return sleep(ms, signal); } };
    await assert.rejects(evictPod(deps, call(60_000, clock.now(), { signal: controller.signal })), /deadline/);
  });

  test('more than one PodDisruptionBudget: reported at once, typed', async () => {
    const { deps, clock, evictions } = scripted([refusal(500, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.')]);
    const error = await evictPod(deps, call(60_000, clock.now())).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof MultiplePodDisruptionBudgetsError);
    assert.equal(error.pod, 'ns/web');
    assert.equal(error.nodeName, 'node-a');
    assert.equal(error.eventId, 'evt-1');
    assert.equal(evictions.length, 1);
  });

  test('404 and a UID-precondition 409 mean the pod is gone; another 409 is retried', async () => {
    for (const answer of [refusal(404, 'pods "web" not found'), refusal(409, 'Precondition failed: UID in precondition: a, UID in object meta: b')]) {
      const { deps, clock } = scripted([answer]);
      assert.equal(await evictPod(deps, call(60_000, clock.now())), 'gone');
    }
    const { deps, clock, evictions } = scripted([refusal(409, 'the object has been modified'), 'ok']);
    assert.equal(await evictPod(deps, call(60_000, clock.now())), 'accepted');
    assert.equal(evictions.length, 2);
  });

  test('a 403 is a typed failure, not retried', async () => {
    const { deps, clock } = scripted([refusal(403, 'forbidden')]);
    await assert.rejects(evictPod(deps, call(60_000, clock.now())), (e: unknown) => e instanceof PodEvictionError && e.status === 403);
  });

  test('policy/v1beta1 when that is all the server offers; DELETE with the precondition when it offers none', async () => {
    const beta = scripted([], { mode: 'eviction', groupVersion: 'policy/v1beta1' });
    await evictPod(beta.deps, call(60_000, beta.clock.now()));
    assert.equal(beta.evictions[0]?.apiVersion, 'policy/v1beta1');
    const plain = scripted([], { mode: 'delete' });
    await evictPod(plain.deps, call(60_000, plain.clock.now()));
    assert.deepEqual(plain.deletions, [{ gracePeriodSeconds: 60, preconditions: { uid: 'uid-web' } }]);
    assert.equal(plain.evictions.length, 0);
  });
});
