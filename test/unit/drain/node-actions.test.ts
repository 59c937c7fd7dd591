// Where a Node change starts (our last PATCH's answer, else the informer's copy, else a GET), and
// what a spot warning costs: the handler's cordon carries the drain deadline, so the drain's own
// first step sends nothing — one PATCH and no GET for the node when the informer's copy is current.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import { NODE_ANNOTATIONS } from '../../../lib/drain/annotations.ts';
import { NodeActions, type ApplyOptions } from '../../../lib/drain/node-actions.ts';
import { createNodeOperator, type DrainCoreApi } from '../../../lib/drain/operator.ts';
import { DEFAULT_DRAIN_SETTINGS } from '../../../lib/drain/settings.ts';
import type { ActionContext, DrainRequest } from '../../../lib/drain/types.ts';
import type { EventRecorder } from '../../../lib/kube/event-recorder.ts';
import type { StartWatch } from '../../../lib/kube/watch.ts';
import { createLogger, silentLogger } from '../../../lib/observe/logger.ts';
import { FakeNodeApi } from '../kube/fake-node-api.ts';
import { fakeClock } from './fixtures.ts';

const request: ActionContext = { nodeName: 'node-a', eventId: 'evt-1', kind: 'spot-interruption', instanceId: 'i-0123456789abcdef0', reason: 'spot interruption warning' };
const cordon: ApplyOptions = { cordon: true, taints: [] };
const taint: ApplyOptions = { cordon: false, taints: [{ key: 'aws-node-termination-handler/spot-itn', value: 'evt-1', effect: 'NoSchedule' }] };

/** Records what the engine asks to record; built as a variable so it fits the interface as it grows. */
function recordingRecorder(): { recorder: EventRecorder; reasons: string[] } {
  const reasons: string[] = [];
  const recorder = {
    record: (_target: unknown, _type: unknown, reason: string) => { reasons.push(reason); return Promise.resolve(); },
    flush: () => Promise.resolve(true),
    close: () => Promise.resolve(),
  };
  return { recorder, reasons };
}

function setup(options: { informer?: boolean; dryRun?: boolean } = {}) {
  const api = new FakeNodeApi({ metadata: { name: 'node-a', uid: 'u' }, spec: {} });
  /** What the informer holds; a test moves it on by hand, as the watch would. */
  let informed: V1Node | undefined = api.current('node-a');
  const clock = fakeClock();
  const { recorder, reasons } = recordingRecorder();
  const actions = new NodeActions({
    core: api,
    settings: { dryRun: options.dryRun ?? false, excludeFromLoadBalancers: false },
    recorder,
    logger: silentLogger(),
    clock,
    ...(options.informer === false ? {} : { knownNode: (name: string) => (name === informed?.metadata?.name ? informed : undefined) }),
  });
  const calls = () => api.calls.map((c) => `${c.verb} ${c.code}`);
  return { api, actions, clock, reasons, calls, inform: (node: V1Node | undefined) => { informed = node; } };
}

describe('NodeActions: where a change starts', () => {
  test('the informer copy, when it is current: no GET', async () => {
    const { actions, calls } = setup();
    await actions.apply(request, cordon, 'cordon');
    assert.deepEqual(calls(), ['PATCH 200']);
  });

  test('our last PATCH\'s answer over an informer copy that has not seen it yet: no 409, no GET', async () => {
    const { api, actions, calls } = setup();
    await actions.apply(request, cordon, 'cordon');
    const answered = api.current('node-a').metadata?.resourceVersion;
    await actions.apply(request, taint, 'taint');
    assert.deepEqual(calls(), ['PATCH 200', 'PATCH 200']);
    assert.equal(api.calls[1]?.resourceVersion, answered, 'the second PATCH is guarded by the first one\'s answer');
    assert.equal(actions.copies.size, 1);
  });

  test('a newer informer copy retires ours (someone changed the node after our PATCH)', async () => {
    const { api, actions, calls, inform } = setup();
    await actions.apply(request, cordon, 'cordon');
    // The node lifecycle controller mirrors the cordon as a taint; the watch brings that copy.
    inform(api.touch('node-a', (n) => { n.spec = { ...n.spec, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }; }));
    await actions.apply(request, taint, 'taint');
    assert.deepEqual(calls(), ['PATCH 200', 'PATCH 200']);
    assert.deepEqual(api.current('node-a').spec?.taints?.map((t) => t.key), ['node.kubernetes.io/unschedulable', 'aws-node-termination-handler/spot-itn']);
  });

  test('an informer copy that caught up with our PATCH (same resourceVersion) replaces ours', async () => {
    const { api, actions, inform } = setup();
    await actions.apply(request, cordon, 'cordon');
    inform(api.current('node-a'));
    actions.copies.startFor('node-a');
    assert.equal(actions.copies.size, 0);
  });

  test('ours ages out after two minutes; a stale copy then costs one 409 and a GET', async () => {
    const { api, actions, clock, calls } = setup();
    await actions.apply(request, cordon, 'cordon');
    await clock.sleep(121_000);
    api.touch('node-a');
    await actions.apply(request, taint, 'taint');
    assert.deepEqual(calls(), ['PATCH 200', 'PATCH 409', 'GET 200', 'PATCH 200']);
  });

  test('without an informer: a GET before every change, as before (nothing of ours is kept)', async () => {
    const { actions, calls } = setup({ informer: false });
    await actions.apply(request, cordon, 'cordon');
    await actions.apply(request, taint, 'taint');
    assert.deepEqual(calls(), ['GET 200', 'PATCH 200', 'GET 200', 'PATCH 200']);
    assert.equal(actions.copies.size, 0);
  });

  test('dry run: nothing sent or read, nothing kept', async () => {
    const { api, actions, calls } = setup({ dryRun: true });
    await actions.apply(request, cordon, 'cordon');
    assert.deepEqual(calls(), []);
    assert.equal(actions.copies.size, 0);
    assert.notEqual(api.current('node-a').spec?.unschedulable, true);
  });

  test('a failed change forgets our copy', async () => {
    const { api, actions, calls } = setup();
    await actions.apply(request, cordon, 'cordon');
    assert.equal(actions.copies.size, 1);
    const failing = new FakeNodeApi();
    Object.assign(api, { patchNode: failing.patchNode });
    await assert.rejects(actions.apply(request, taint, 'taint'), /node-a/);
    assert.equal(actions.copies.size, 0);
    assert.deepEqual(calls(), ['PATCH 200']);
  });

  test('a cordon carrying the drain deadline leaves the drain\'s own step nothing to send; one Cordoned Event', async () => {
    const { api, actions, reasons, calls } = setup();
    const deadline = new Date(Date.UTC(2025, 0, 1, 0, 2));
    await actions.apply(request, { ...cordon, drainDeadline: deadline }, 'cordon');
    await actions.apply(request, { ...cordon, drainDeadline: deadline }, 'cordon');
    assert.deepEqual(calls(), ['PATCH 200']);
    assert.deepEqual(reasons, ['Cordoned']);
    const annotations = api.current('node-a').metadata?.annotations ?? {};
    assert.equal(annotations[NODE_ANNOTATIONS.drainEvent], 'evt-1');
    assert.equal(annotations[NODE_ANNOTATIONS.drainDeadline], '2025-01-01T00:02:00Z');
  });
});

describe('a spot warning of one node through the operator', () => {
  test('cordon (with the drain deadline) then drain: exactly one PATCH and no GET of the node', async () => {
    const api = new FakeNodeApi({ metadata: { name: 'node-a', uid: 'u' }, spec: {} });
    const informed = api.current('node-a');
    const notExpected = (what: string) => () => Promise.reject(new Error(`${what} not expected`));
    const core: DrainCoreApi = {
      readNode: api.readNode,
      patchNode: api.patchNode,
      listPodForAllNamespaces: () => Promise.resolve({ items: [], metadata: { resourceVersion: '1' } }),
      createNamespacedPodEviction: notExpected('eviction'),
      deleteNamespacedPod: notExpected('pod delete'),
      getAPIResources: notExpected('discovery'),
      createNamespacedEvent: notExpected('Event'),
    };
    const watch: StartWatch = () => Promise.resolve({ stop: () => undefined });
    const lines: { msg: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as { msg: string });
        done();
      },
    });
    const operator = createNodeOperator({
      kube: { core, watch },
      // Events off: what they cost is the Event recorder's business, not the node's.
      settings: { ...DEFAULT_DRAIN_SETTINGS, emitKubernetesEvents: false },
      logger: createLogger({ logLevel: 'debug', jsonLogging: true }, sink),
      knownNode: (name) => (name === 'node-a' ? informed : undefined),
    });
    const drain: DrainRequest = {
      ...request,
      taint: { key: 'aws-node-termination-handler/spot-itn', value: 'evt-1', effect: 'NoSchedule' },
      deadline: new Date(Date.now() + 120_000),
    };
    await operator.cordon(drain, { drainDeadline: drain.deadline });
    const result = await operator.drain(drain, new AbortController().signal);
    assert.equal(result.outcome, 'drained', result.error?.message);
    assert.deepEqual(api.calls.map((c) => `${c.verb} ${c.code}`), ['PATCH 200']);
    assert.equal(lines.filter((l) => l.msg === 'cordoned node').length, 1, 'cordoned node is logged once');
    assert.equal(lines.filter((l) => l.msg === 'node needs no cordon: already done').length, 1);
    const node = api.current('node-a');
    assert.equal(node.spec?.unschedulable, true);
    assert.equal(node.metadata?.annotations?.[NODE_ANNOTATIONS.drainDeadline], drain.deadline.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  });
});
