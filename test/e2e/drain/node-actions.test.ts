// Cordon, taint and uncordon on real Nodes: idempotent, recorded in annotations, and an uncordon
// undoes only our own cordon, taints and label (an operator's stay). Also the adapter's startup
// reads: server version and eviction discovery.
import assert from 'node:assert/strict';
import { PatchStrategy, setHeaderOptions, type V1Taint } from '@kubernetes/client-node';
import { describe, test } from 'node:test';
import { NODE_ANNOTATIONS, OUT_OF_SERVICE_TAINT, nodeOwnership } from '../../../lib/drain/annotations.ts';
import type { NodeTaintRequest } from '../../../lib/drain/types.ts';
import { evictionSupportCache } from '../../../lib/kube/discovery.ts';
import { readServerVersion } from '../../../lib/kube/version.ts';
import { TAINT_KEY_BY_KIND } from '../../../lib/plan/taints.ts';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { kubeClients, statusOf } from '../../env/helpers/kube.ts';
import { createEngine, createNodes, drainRequest, nodeEvents } from './harness.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);

const spotTaint = (eventId: string): NodeTaintRequest => ({ key: TAINT_KEY_BY_KIND['spot-interruption'] ?? '', value: eventId, effect: 'NoSchedule' });
const operatorTaint: V1Taint = { key: 'example.com/maintenance', value: 'ops', effect: 'NoSchedule' };

/** What an operator does by hand: `kubectl cordon` / `kubectl taint`. */
async function operatorChanges(nodeName: string, change: { cordon?: boolean; taint?: V1Taint }): Promise<void> {
  for (;;) {
    const node = await kube.core.readNode({ name: nodeName });
    const spec: Record<string, unknown> = {};
    if (change.cordon) spec.unschedulable = true;
    if (change.taint) spec.taints = [...(node.spec?.taints ?? []), change.taint];
    try {
      await kube.core.patchNode({ name: nodeName, body: { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      return;
    } catch (error) {
      if (statusOf(error) !== 409) throw error; // the node lifecycle controller got there first
    }
  }
}

/** The node lifecycle controller's own taints (unschedulable mirrors the cordon a moment later;
 * not-ready comes and goes around a new node's first heartbeat): the system's, not ours or the
 * operator's. The out-of-service taint has the same prefix but is one we may add. */
const isSystemTaint = (t: V1Taint) => t.key.startsWith('node.kubernetes.io/') && t.key !== OUT_OF_SERVICE_TAINT.key;
const taintKeys = (taints: V1Taint[] | undefined) => (taints ?? []).filter((t) => !isSystemTaint(t)).map((t) => `${t.key}:${t.effect}`).sort();

describe('node actions', () => {
  test('cordon is idempotent and recorded; uncordon undoes it, our taint and label, not an operator taint added later', async () => {
    const [node] = await createNodes(aws, kube, 1);
    assert.ok(node);
    const engine = createEngine(env, { excludeFromLoadBalancers: true });
    const request = { ...drainRequest(node, 0), taint: spotTaint('evt-1'), eventId: 'evt-1' };
    await engine.operator.cordon(request);
    // The cordon's Events go out in the background; they are not what the count below is about.
    await engine.events.flush();
    const first = await kube.core.readNode({ name: node });
    const requestsBefore = engine.limiter.requestCount;
    await engine.operator.cordon(request);
    // (The Node's resourceVersion is no witness: the node lifecycle controller adds its own taint.)
    assert.equal(engine.limiter.requestCount - requestsBefore, 1, 'a repeated cordon reads the node and sends nothing');
    const second = await kube.core.readNode({ name: node });
    assert.equal(second.metadata?.annotations?.[NODE_ANNOTATIONS.cordonedAt], first.metadata?.annotations?.[NODE_ANNOTATIONS.cordonedAt]);
    assert.equal(first.spec?.unschedulable, true);
    assert.equal(first.metadata?.annotations?.[NODE_ANNOTATIONS.cordonedBy], 'evt-1');
    assert.equal(first.metadata?.annotations?.[NODE_ANNOTATIONS.cordonedKind], 'spot-interruption');
    assert.ok(first.metadata?.annotations?.[NODE_ANNOTATIONS.cordonedAt]);
    assert.deepEqual(nodeOwnership(first), { cordonedByUs: true, ourTaints: ['aws-node-termination-handler/spot-itn'] });
    assert.equal(first.spec?.taints?.find((t) => t.key === 'aws-node-termination-handler/spot-itn')?.value, 'evt-1');
    assert.equal(first.metadata?.labels?.['node.kubernetes.io/exclude-from-external-load-balancers'], 'true');
    assert.equal((await nodeEvents(kube, node)).filter((e) => e.reason === 'Cordoned').length, 1);

    await operatorChanges(node, { taint: operatorTaint });
    await engine.operator.uncordon({ ...request, eventId: 'evt-2' });
    await engine.events.flush();

    const after = await kube.core.readNode({ name: node });
    assert.notEqual(after.spec?.unschedulable, true, 'our cordon is gone');
    assert.deepEqual(taintKeys(after.spec?.taints), ['example.com/maintenance:NoSchedule'], "the operator's taint stays");
    assert.equal(after.metadata?.labels?.['node.kubernetes.io/exclude-from-external-load-balancers'], undefined);
    assert.deepEqual(Object.keys(after.metadata?.annotations ?? {}).filter((k) => k.startsWith('node-termination-handler.aws/')), []);
    assert.ok((await nodeEvents(kube, node)).some((e) => e.reason === 'Uncordoned'));
  });

  test("uncordon leaves an operator's cordon (made before ours) in place and removes only our taints", async () => {
    const [node] = await createNodes(aws, kube, 1);
    assert.ok(node);
    await operatorChanges(node, { cordon: true, taint: operatorTaint });
    const engine = createEngine(env);
    const request = { ...drainRequest(node, 0), taint: spotTaint('evt-3'), eventId: 'evt-3' };
    await engine.operator.cordon(request);
    await engine.operator.taint({ ...request, taint: { key: TAINT_KEY_BY_KIND['asg-terminate'] ?? '', value: 'evt-3', effect: 'NoExecute' } });
    const cordoned = await kube.core.readNode({ name: node });
    assert.equal(cordoned.metadata?.annotations?.[NODE_ANNOTATIONS.cordonedBy], undefined, 'the cordon was not ours');
    const noExecute = cordoned.spec?.taints?.find((t) => t.effect === 'NoExecute');
    assert.ok(noExecute?.timeAdded, 'a NoExecute taint carries timeAdded');

    await engine.operator.uncordon(request);

    const after = await kube.core.readNode({ name: node });
    assert.equal(after.spec?.unschedulable, true, "the operator's cordon stays");
    assert.deepEqual(taintKeys(after.spec?.taints), ['example.com/maintenance:NoSchedule']);
  });

  test('dry run changes nothing; the out-of-service taint follows a successful drain and is ours to remove', async () => {
    const [node] = await createNodes(aws, kube, 1);
    assert.ok(node);
    const dry = createEngine(env, { dryRun: true, enableOutOfServiceTaint: true });
    const dryResult = await dry.operator.drain(drainRequest(node, 30_000), new AbortController().signal);
    assert.equal(dryResult.outcome, 'drained');
    assert.equal(dry.limiter.requestCount, 2, 'a dry run only reads (the node, its pods)');
    const untouched = await kube.core.readNode({ name: node });
    assert.notEqual(untouched.spec?.unschedulable, true);
    assert.deepEqual(nodeOwnership(untouched), { cordonedByUs: false, ourTaints: [] });
    assert.ok(dry.logs.some((l) => l.msg === 'dry run: would cordon node'), 'the dry run says what it would do');
    assert.deepEqual(await nodeEvents(kube, node), []);

    const engine = createEngine(env, { enableOutOfServiceTaint: true });
    const request = drainRequest(node, 30_000);
    const result = await engine.operator.drain(request, new AbortController().signal);
    assert.equal(result.outcome, 'drained', JSON.stringify(result));
    await engine.events.flush();
    const drained = await kube.core.readNode({ name: node });
    assert.ok(drained.spec?.taints?.some((t) => t.key === OUT_OF_SERVICE_TAINT.key && t.value === 'nodeshutdown' && t.effect === 'NoExecute'));
    const reasons = (await nodeEvents(kube, node)).map((e) => e.reason);
    assert.ok(reasons.includes('OutOfServiceTainted') && reasons.includes('Drained'), reasons.join(', '));
    await engine.operator.uncordon(request);
    const after = await kube.core.readNode({ name: node });
    assert.deepEqual(taintKeys(after.spec?.taints), []);
  });

  test('server version and eviction discovery, read through the rate-limited clients', async () => {
    const engine = createEngine(env);
    const before = engine.limiter.requestCount;
    const version = await readServerVersion(engine.clients.version, engine.logger);
    assert.equal(version.major, 1);
    assert.ok(version.withinTestedRange, `${version.gitVersion} is in the tested range`);
    assert.equal(`v${version.major}.${version.minor}.${version.patch ?? ''}`, env.k8sVersion.replace(/^v?/, 'v'));
    const support = await evictionSupportCache(engine.clients.core)();
    assert.deepEqual(support, { mode: 'eviction', groupVersion: 'policy/v1' });
    assert.equal(engine.limiter.requestCount - before, 2, 'each request took a token');
  });
});
