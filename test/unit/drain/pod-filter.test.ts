// kubectl drain's pod rules with the NTH settings, one row per rule, and the eviction order.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyPod, planPodRemoval, type PodFilterSettings } from '../../../lib/drain/pod-filter.ts';
import { pod } from './fixtures.ts';

const strict: PodFilterSettings = { deleteLocalData: false, ignoreDaemonSets: true, forceUnmanagedPods: false, podName: '', namespace: '' };
const lenient: PodFilterSettings = { deleteLocalData: true, ignoreDaemonSets: false, forceUnmanagedPods: true, podName: 'nth-abc', namespace: 'kube-system' };
const emptyDir = { volumes: [{ name: 'tmp', emptyDir: {} }] };

describe('classifyPod', () => {
  const rows: [string, Parameters<typeof pod>[0], PodFilterSettings, ReturnType<typeof classifyPod>][] = [
    ['a mirror pod stays', { annotations: { 'kubernetes.io/config.mirror': 'x' } }, lenient, { action: 'skip', reason: 'mirror' }],
    ['our own pod stays', { name: 'nth-abc', namespace: 'kube-system', owner: 'ReplicaSet' }, lenient, { action: 'skip', reason: 'self' }],
    ['a pod of that name elsewhere is not ours', { name: 'nth-abc', namespace: 'other', owner: 'ReplicaSet' }, lenient, { action: 'evict', phase: 'regular' }],
    ['a completed pod is deleted even unmanaged with emptyDir', { phase: 'Succeeded', spec: emptyDir }, strict, { action: 'delete', reason: 'completed' }],
    ['a failed pod is deleted', { phase: 'Failed', owner: 'Job' }, strict, { action: 'delete', reason: 'completed' }],
    ['a DaemonSet pod stays with ignoreDaemonSets', { owner: 'DaemonSet', spec: emptyDir }, strict, { action: 'skip', reason: 'daemonset' }],
    ['a DaemonSet pod goes last without it', { owner: 'DaemonSet' }, lenient, { action: 'evict', phase: 'daemonset' }],
    ['an emptyDir pod blocks without deleteLocalData', { owner: 'ReplicaSet', spec: emptyDir }, strict, { action: 'block', reason: 'local-storage' }],
    ['an emptyDir pod goes with deleteLocalData', { owner: 'ReplicaSet', spec: emptyDir }, lenient, { action: 'evict', phase: 'regular' }],
    ['a bare pod blocks without forceUnmanagedPods', {}, strict, { action: 'block', reason: 'unmanaged' }],
    ['a bare pod goes with forceUnmanagedPods', {}, lenient, { action: 'evict', phase: 'regular' }],
    ['a cluster-critical pod goes in the critical phase', { owner: 'ReplicaSet', spec: { priorityClassName: 'system-cluster-critical' } }, strict, { action: 'evict', phase: 'critical' }],
    ['a node-critical pod goes in the critical phase', { owner: 'ReplicaSet', spec: { priorityClassName: 'system-node-critical' } }, strict, { action: 'evict', phase: 'critical' }],
    ['another priority class is ordinary', { owner: 'ReplicaSet', spec: { priorityClassName: 'high' } }, strict, { action: 'evict', phase: 'regular' }],
  ];
  for (const [name, shape, settings, expected] of rows) {
    test(name, () => assert.deepEqual(classifyPod(pod(shape), settings), expected));
  }

  test('an owner that is not the controller does not make a pod managed', () => {
    const p = pod();
    p.metadata?.ownerReferences?.push({ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'u' });
    assert.deepEqual(classifyPod(p, strict), { action: 'block', reason: 'unmanaged' });
  });
});

describe('planPodRemoval', () => {
  test('phases in order ordinary, critical, DaemonSet; empty phases left out; deletions and the rest apart', () => {
    const pods = [
      pod({ name: 'ds', owner: 'DaemonSet' }),
      pod({ name: 'crit', owner: 'ReplicaSet', spec: { priorityClassName: 'system-node-critical' } }),
      pod({ name: 'b', owner: 'ReplicaSet' }),
      pod({ name: 'a', owner: 'StatefulSet' }),
      pod({ name: 'done', phase: 'Succeeded' }),
      pod({ name: 'mirror', annotations: { 'kubernetes.io/config.mirror': 'x' } }),
    ];
    const plan = planPodRemoval(pods, lenient);
    assert.deepEqual(plan.phases.map((p) => [p.phase, p.pods.map((x) => x.metadata?.name)]), [
      ['regular', ['a', 'b']],
      ['critical', ['crit']],
      ['daemonset', ['ds']],
    ]);
    assert.deepEqual(plan.deletions.map((p) => p.metadata?.name), ['done']);
    assert.deepEqual(plan.skipped.map((s) => [s.pod.metadata?.name, s.reason]), [['mirror', 'mirror']]);
    assert.deepEqual(planPodRemoval(pods.slice(0, 1), strict).phases, []);
  });
});
