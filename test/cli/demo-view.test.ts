// The demo's pure parts: which scenario a flag means, where each node should end for the
// settings, and what the screen says (frames, summary; redraw on a terminal, lines elsewhere).
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { parseScenario, takeScenario } from '../../cmd/demo/args.ts';
import { expectedState, planScenario, STEP_SPACING_MS } from '../../cmd/demo/scenario.ts';
import { LiveScreen } from '../../cmd/demo/screen.ts';
import type { DemoModel, NodeRow } from '../../cmd/demo/tracker.ts';
import { renderFrame, renderSummary } from '../../cmd/demo/view.ts';
import { loadConfig } from '../../lib/config/index.ts';

const config = (env: Record<string, string> = {}) => loadConfig({ argv: [], env });
const instance = (n: number) => ({ instanceId: `i-000000000000000${n}`, nodeName: `ip-10-0-0-${n}.ec2.internal`, availabilityZone: 'us-east-1a', providerID: `aws:///us-east-1a/i-000000000000000${n}` });

describe('scenario', () => {
  test('--scenario: all, none, or a list in playing order', () => {
    assert.deepEqual(parseScenario('all'), ['spot', 'asg', 'maintenance', 'rebalance']);
    assert.equal(parseScenario('none'), 'none');
    assert.deepEqual(parseScenario('rebalance,spot'), ['spot', 'rebalance']);
    assert.throws(() => parseScenario('spot,flood'), /allowed: all, none/);
    assert.deepEqual(takeScenario(['--workers', '3', '--scenario=asg']), { scenario: ['asg'], rest: ['--workers', '3'] });
    assert.deepEqual(takeScenario([]).scenario, ['spot', 'asg', 'maintenance', 'rebalance']);
  });

  test('each node is expected where the settings send it', () => {
    assert.equal(expectedState('spot', config()), 'drained');
    assert.equal(expectedState('asg', config()), 'hook completed');
    assert.equal(expectedState('rebalance', config({ NTH_REBALANCE_ACTION: 'cordon' })), 'cordoned');
    assert.equal(expectedState('rebalance', config({ NTH_REBALANCE_ACTION: 'none' })), 'ready');
    assert.equal(expectedState('maintenance', config({ CORDON_ONLY: 'true' })), 'cordoned');
    assert.equal(expectedState('asg', config({ CORDON_ONLY: 'true' })), 'hook completed');
    assert.equal(expectedState('spot', config({ DRY_RUN: 'true' })), 'ready');
  });

  test('one node per step, a few seconds apart', () => {
    const plan = planScenario(['spot', 'asg'], [instance(1), instance(2), instance(3)], config());
    assert.deepEqual(plan.map((p) => [p.step, p.instance.instanceId, p.at]), [['spot', 'i-0000000000000001', 0], ['asg', 'i-0000000000000002', STEP_SPACING_MS]]);
    assert.throws(() => planScenario(['spot', 'asg'], [instance(1)], config()), /fewer than the 2 steps/);
  });
});

describe('view', () => {
  const plan = planScenario(['spot', 'asg'], [instance(1), instance(2)], config());
  const row = (n: number, fields: Partial<NodeRow>): NodeRow => ({
    nodeName: instance(n).nodeName, instanceId: instance(n).instanceId, state: 'ready', podsLeft: 0, terminating: 0, daemonPods: 1, heartbeats: 0, ...fields,
  });
  const model = (rows: NodeRow[]): DemoModel => ({ startedAt: 1_000_000, rows, evictions: 5, queueDepth: 0, feed: [
    { at: 1_002_500, text: 'Drained ip-10-0-0-1.ec2.internal: done' }, { at: 1_000_100, text: 'sent EC2 Spot Instance Interruption Warning' },
  ] });
  const header = { k8sVersion: 'v1.34.4', awsEndpoint: 'http://127.0.0.1:5000', queueName: 'node-termination-handler', logFile: '/tmp/x/controller.log' };

  test('a frame: one row per node with state, pods and timings after the event; events in time order', () => {
    const frame = renderFrame(model([
      row(1, { planned: plan[0], state: 'draining', podsLeft: 3, terminating: 1, sentAt: 1_000_000, cordonedAt: 1_000_300 }),
      row(2, { planned: plan[1], state: 'hook completed', sentAt: 1_004_000, cordonedAt: 1_004_100, drainedAt: 1_006_000, hookAt: 1_006_200, heartbeats: 2 }),
      row(3, {}),
    ]), header, 1_010_000).join('\n');
    assert.match(frame, /Kubernetes v1\.34\.4 .* \+10\.0s/);
    assert.match(frame, /ip-10-0-0-1\.ec2\.internal\s+i-0000000000000001\s+spot interruption\s+draining, 3 pods left \(1 terminating\)\s+3\+1ds\s+\+0\.3s/);
    assert.match(frame, /ip-10-0-0-2\.ec2\.internal\s+i-0000000000000002\s+ASG scale-in \(hook\)\s+hook completed\s+0\+1ds\s+\+0\.1s\s+\+2\.0s\s+\+2\.2s/);
    assert.match(frame, /ip-10-0-0-3\.ec2\.internal\s+i-0000000000000003\s+-\s+ready/);
    assert.ok(frame.indexOf('sent EC2 Spot') < frame.indexOf('Drained ip-10-0-0-1'), 'feed sorted by time');
  });

  test('the summary says which nodes reached their expected state', () => {
    const done = renderSummary(model([
      row(1, { planned: plan[0], state: 'drained', sentAt: 1_000_000, cordonedAt: 1_000_300, drainedAt: 1_002_500 }),
      row(2, { planned: plan[1], state: 'draining', sentAt: 1_004_000 }),
    ]), 1_095_000, true).join('\n');
    assert.match(done, /Summary: 1 of 2 nodes reached their expected state before the time limit/);
    assert.match(done, /spot interruption\s+ip-10-0-0-1\.ec2\.internal\s+drained\s+\[ok\]\s+cordoned \+0\.3s, drained \+2\.5s/);
    assert.match(done, /ASG scale-in \(hook\)\s+ip-10-0-0-2\.ec2\.internal\s+draining\s+\[expected hook completed\]/);
    assert.match(done, /pods evicted: 5; messages left on the queue: 0/);
  });

  test('on a terminal frames redraw in place; elsewhere only new lines are printed', () => {
    const written: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _e, done) { written.push(chunk.toString()); done(); } });
    const tty = new LiveScreen(sink, true);
    tty.frame(['a', 'b'], []);
    tty.frame(['c'], []);
    tty.close();
    assert.deepEqual(written, ['\x1b[?25l\x1b[H\x1b[2Ja\x1b[K\nb\x1b[K\n\x1b[J', '\x1b[Hc\x1b[K\n\x1b[J', '\x1b[?25h']);
    written.length = 0;
    const plain = new LiveScreen(sink, false);
    plain.frame(['ignored'], ['one', 'two']);
    plain.frame(['ignored'], ['one', 'two', 'three']);
    plain.close();
    assert.deepEqual(written, ['one\n', 'two\n', 'three\n']);
  });
});
