// What cordon/taint and uncordon change on a Node, and the merge patch that carries it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NODE_ANNOTATIONS, formatTaintIds, nodeOwnership, parseTaintIds } from '../../../lib/drain/annotations.ts';
import { planIntent, planUndo, type NodeIntent } from '../../../lib/drain/node-changes.ts';
import { mergePatchBody } from '../../../lib/kube/node-patch.ts';
import { node } from './fixtures.ts';

const AT = new Date(Date.UTC(2025, 0, 1, 12, 0, 0));
const SPOT = 'aws-node-termination-handler/spot-itn';
const intent = (extra: Partial<NodeIntent> = {}): NodeIntent => ({
  eventId: 'evt-1', kind: 'spot-interruption', at: AT, cordon: true, taints: [], excludeFromLoadBalancers: false, ...extra,
});

describe('planIntent', () => {
  test('cordon of a schedulable node is ours, recorded with event, kind and time', () => {
    const { change, effects } = planIntent(node(), intent());
    assert.equal(change?.unschedulable, true);
    assert.deepEqual(change?.annotations, {
      [NODE_ANNOTATIONS.cordonedBy]: 'evt-1',
      [NODE_ANNOTATIONS.cordonedKind]: 'spot-interruption',
      [NODE_ANNOTATIONS.cordonedAt]: '2025-01-01T12:00:00Z',
    });
    assert.equal(effects.cordoned, true);
  });

  test('a node cordoned already is left alone and the cordon is not claimed', () => {
    assert.deepEqual(planIntent(node({ unschedulable: true }), intent()), { change: undefined, effects: { cordoned: false, addedTaints: [], labelled: false } });
  });

  test('a taint is added once (key and effect), keeping the taints there and recording ours', () => {
    const existing = [{ key: 'example.com/x', value: 'y', effect: 'NoSchedule' }];
    const taint = { key: SPOT, value: 'evt-1', effect: 'NoSchedule' as const };
    const { change } = planIntent(node({ unschedulable: true, taints: existing }), intent({ taints: [taint] }));
    assert.deepEqual(change?.taints, [...existing, taint]);
    assert.equal(change?.annotations?.[NODE_ANNOTATIONS.taints], `${SPOT}:NoSchedule`);
    const again = planIntent(node({ unschedulable: true, taints: [...existing, { ...taint, value: 'evt-0' }] }), intent({ taints: [taint] }));
    assert.equal(again.change, undefined, 'same key and effect, other value: already there');
    const otherEffect = planIntent(node({ unschedulable: true, taints: [{ ...taint, effect: 'PreferNoSchedule' }] }), intent({ taints: [taint] }));
    assert.equal(otherEffect.change?.taints?.length, 2);
  });

  test('NoExecute taints carry timeAdded', () => {
    const { change } = planIntent(node(), intent({ cordon: false, taints: [{ key: SPOT, value: 'e', effect: 'NoExecute' }] }));
    assert.deepEqual(change?.taints?.[0]?.timeAdded, AT);
    assert.equal(change?.unschedulable, undefined);
  });

  test('the load balancer label is added and recorded as ours; the drain deadline only when new', () => {
    const deadline = new Date(AT.getTime() + 120_000);
    const { change } = planIntent(node({ unschedulable: true }), intent({ excludeFromLoadBalancers: true, drainDeadline: deadline }));
    assert.deepEqual(change?.labels, { 'node.kubernetes.io/exclude-from-external-load-balancers': 'true' });
    assert.equal(change?.annotations?.[NODE_ANNOTATIONS.excludedFromLoadBalancersBy], 'evt-1');
    assert.equal(change?.annotations?.[NODE_ANNOTATIONS.drainDeadline], '2025-01-01T12:02:00Z');
    const resumed = node({
      unschedulable: true,
      labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': 'true' },
      annotations: { [NODE_ANNOTATIONS.drainEvent]: 'evt-1', [NODE_ANNOTATIONS.drainDeadline]: '2025-01-01T12:02:00Z' },
    });
    assert.equal(planIntent(resumed, intent({ excludeFromLoadBalancers: true, drainDeadline: deadline })).change, undefined);
  });
});

describe('planUndo', () => {
  test('removes our cordon, our taints (recorded or with our keys), our label and our annotations', () => {
    const ours = node({
      unschedulable: true,
      taints: [
        { key: SPOT, value: 'e', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' },
        { key: 'example.com/ops', value: 'x', effect: 'NoSchedule' },
      ],
      labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': 'true' },
      annotations: {
        [NODE_ANNOTATIONS.cordonedBy]: 'evt-1',
        [NODE_ANNOTATIONS.taints]: 'node.kubernetes.io/out-of-service:NoExecute',
        [NODE_ANNOTATIONS.excludedFromLoadBalancersBy]: 'evt-1',
        'other/annotation': 'stays',
      },
    });
    const { change, effects } = planUndo(ours);
    assert.equal(change?.unschedulable, false);
    assert.deepEqual(change?.taints, [{ key: 'example.com/ops', value: 'x', effect: 'NoSchedule' }]);
    assert.deepEqual(change?.labels, { 'node.kubernetes.io/exclude-from-external-load-balancers': null });
    assert.deepEqual(change?.annotations, {
      [NODE_ANNOTATIONS.cordonedBy]: null, [NODE_ANNOTATIONS.taints]: null, [NODE_ANNOTATIONS.excludedFromLoadBalancersBy]: null,
    });
    assert.equal(effects.removedTaints.length, 2);
  });

  test("an operator's cordon, taint and label stay", () => {
    const theirs = node({
      unschedulable: true,
      taints: [{ key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' }],
      labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': 'true' },
    });
    assert.equal(planUndo(theirs).change, undefined);
  });
});

describe('annotations and patches', () => {
  test('taint ids round-trip; ownership as the plan reads it', () => {
    const ids = [{ key: SPOT, effect: 'NoSchedule' }, { key: 'a/b', effect: 'NoExecute' }];
    assert.deepEqual(parseTaintIds(formatTaintIds(ids)), ids);
    assert.deepEqual(parseTaintIds(''), []);
    assert.deepEqual(nodeOwnership(node({ unschedulable: true, taints: [{ key: SPOT, effect: 'NoSchedule' }], annotations: { [NODE_ANNOTATIONS.cordonedBy]: 'e' } })),
      { cordonedByUs: true, ourTaints: [SPOT] });
    assert.deepEqual(nodeOwnership(node({ annotations: { [NODE_ANNOTATIONS.cordonedBy]: 'stale' } })), { cordonedByUs: false, ourTaints: [] });
  });

  test('the merge patch carries the resourceVersion and only what changes', () => {
    assert.deepEqual(mergePatchBody('42', { unschedulable: true, annotations: { a: 'b' } }), {
      metadata: { resourceVersion: '42', annotations: { a: 'b' } },
      spec: { unschedulable: true },
    });
    assert.deepEqual(mergePatchBody('42', { unschedulable: false, taints: [] }), {
      metadata: { resourceVersion: '42' },
      spec: { unschedulable: null, taints: null },
    });
    assert.deepEqual(mergePatchBody('1', { taints: [{ key: 'k', value: 'v', effect: 'NoExecute', timeAdded: new Date(Date.UTC(2025, 0, 1, 0, 0, 0, 123)) }] }), {
      metadata: { resourceVersion: '1' },
      spec: { taints: [{ key: 'k', value: 'v', effect: 'NoExecute', timeAdded: '2025-01-01T00:00:00Z' }] },
    });
  });
});
