// changeNode against an in-memory apiserver: a change may start from a copy we hold instead of a
// GET; the copy's resourceVersion guards the PATCH, so a stale copy costs one 409 and a GET.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import { changeNode, NodeConflictError, NodeNotFoundError, type NodeChange } from '../../../lib/kube/node-patch.ts';
import { FakeNodeApi } from './fake-node-api.ts';

const cordon = (node: V1Node): NodeChange | undefined => (node.spec?.unschedulable ? undefined : { unschedulable: true });

function cluster(): { api: FakeNodeApi; copy: V1Node } {
  const api = new FakeNodeApi({ metadata: { name: 'node-a', uid: 'u' }, spec: {} });
  return { api, copy: api.current('node-a') };
}

describe('changeNode', () => {
  test('without a copy: GET, then PATCH guarded by the version read (unchanged behaviour)', async () => {
    const { api, copy } = cluster();
    const { node, change } = await changeNode(api, 'node-a', cordon);
    assert.deepEqual(change, { unschedulable: true });
    assert.equal(node.spec?.unschedulable, true);
    assert.deepEqual(api.calls.map((c) => `${c.verb} ${c.code}`), ['GET 200', 'PATCH 200']);
    assert.equal(api.calls[1]?.resourceVersion, copy.metadata?.resourceVersion);
  });

  test('a current copy: no GET, one PATCH carrying its resourceVersion; the answer is returned', async () => {
    const { api, copy } = cluster();
    const { node, change } = await changeNode(api, 'node-a', cordon, { start: copy });
    assert.deepEqual(change, { unschedulable: true });
    assert.deepEqual(api.calls.map((c) => `${c.verb} ${c.code}`), ['PATCH 200']);
    assert.equal(api.calls[0]?.resourceVersion, copy.metadata?.resourceVersion);
    assert.equal(node.metadata?.resourceVersion, api.current('node-a').metadata?.resourceVersion);
  });

  test('a copy that needs no change: nothing sent at all', async () => {
    const { api } = cluster();
    const cordoned = api.touch('node-a', (n) => { n.spec = { unschedulable: true }; });
    const { node, change } = await changeNode(api, 'node-a', cordon, { start: cordoned });
    assert.equal(change, undefined);
    assert.equal(node, cordoned);
    assert.deepEqual(api.calls, []);
  });

  test('a stale copy: its PATCH gets 409, then GET and a PATCH recomputed from what was read', async () => {
    const { api, copy } = cluster();
    // Someone adds a taint after our copy was taken: the recomputed change must keep it.
    api.touch('node-a', (n) => { n.spec = { taints: [{ key: 'ops', effect: 'NoSchedule' }] }; });
    const seen: (string | undefined)[] = [];
    const { node } = await changeNode(api, 'node-a', (n) => {
      seen.push(n.metadata?.resourceVersion);
      return { taints: [...(n.spec?.taints ?? []), { key: 'ours', effect: 'NoSchedule' }] };
    }, { start: copy });
    assert.deepEqual(api.calls.map((c) => `${c.verb} ${c.code}`), ['PATCH 409', 'GET 200', 'PATCH 200']);
    assert.equal(seen.length, 2);
    assert.equal(seen[0], copy.metadata?.resourceVersion);
    assert.deepEqual(node.spec?.taints?.map((t) => t.key), ['ops', 'ours']);
  });

  test('a copy without a resourceVersion (or of another node) is not used: the patch would be unguarded', async () => {
    const { api, copy } = cluster();
    const unversioned: V1Node = { ...copy, metadata: { ...copy.metadata, resourceVersion: undefined } };
    await changeNode(api, 'node-a', cordon, { start: unversioned });
    assert.deepEqual(api.calls.map((c) => c.verb), ['GET', 'PATCH']);
    assert.equal(api.calls[1]?.resourceVersion, copy.metadata?.resourceVersion);

    const other = cluster();
    const foreign: V1Node = { ...other.copy, metadata: { ...other.copy.metadata, name: 'node-b' } };
    await changeNode(other.api, 'node-a', cordon, { start: foreign });
    assert.deepEqual(other.api.calls.map((c) => c.verb), ['GET', 'PATCH']);
  });

  test('dry run with a copy: computes, sends nothing, reads nothing', async () => {
    const { api, copy } = cluster();
    const { change } = await changeNode(api, 'node-a', cordon, { start: copy, dryRun: true });
    assert.deepEqual(change, { unschedulable: true });
    assert.deepEqual(api.calls, []);
    assert.notEqual(api.current('node-a').spec?.unschedulable, true);
  });

  test('a copy of a node deleted since: the PATCH gets 404, a typed NodeNotFoundError', async () => {
    const { copy } = cluster();
    const empty = new FakeNodeApi();
    await assert.rejects(changeNode(empty, 'node-a', cordon, { start: copy }), NodeNotFoundError);
    assert.deepEqual(empty.calls.map((c) => `${c.verb} ${c.code}`), ['PATCH 404']);
  });

  test('a node that keeps changing: NodeConflictError after the attempts, the copy counting as the first', async () => {
    const { api, copy } = cluster();
    const churn = { readNode: api.readNode, patchNode: (param: { name: string; body: object }) => {
      api.touch('node-a');
      return api.patchNode(param);
    } };
    await assert.rejects(changeNode(churn, 'node-a', cordon, { start: copy }), NodeConflictError);
    assert.equal(api.patches, 8);
    assert.equal(api.gets, 7);
  });
});
