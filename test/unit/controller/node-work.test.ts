// Per-node work: how submissions merge, which running work covers a new one, and how a piece of
// work is carried out through the NodeOperator (never throwing).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActionContext, CordonRequest, DrainRequest, DrainResult, NodeOperator } from '../../../lib/drain/types.ts';
import type { InterruptionEvent } from '../../../lib/events/types.ts';
import { mergeNodeWork, rankNodeWork, runNodeWork, runningCovers, type NodeActionType, type NodeWork } from '../../../lib/controller/node-work.ts';

const T0 = new Date('2025-03-01T12:00:00.000Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

function event(id: string): InterruptionEvent {
  return { kind: 'spot-interruption', id, time: T0, instanceIds: ['i-0123456789abcdef0'], envelope: 'eventbridge', instanceAction: 'terminate' };
}

function work(action: NodeActionType, overrides: Partial<NodeWork> = {}): NodeWork {
  return {
    action, nodeName: 'node-a', instanceId: 'i-0123456789abcdef0', event: event(`${action}-event`),
    deadline: at(600), priority: 5, reason: `${action} because`, ...overrides,
  };
}

const spotTaint = { key: 'aws-node-termination-handler/spot-itn', value: 'e1', effect: 'NoSchedule' } as const;
const rebalanceTaint = { key: 'aws-node-termination-handler/rebalance-recommendation', value: 'e2', effect: 'NoSchedule' } as const;

test('merge: the stronger action wins, with its event and reason, whichever came first', () => {
  const order: NodeActionType[] = ['uncordon', 'taint', 'cordon', 'drain'];
  for (const [i, weaker] of order.entries()) {
    for (const stronger of order.slice(i + 1)) {
      for (const [pending, incoming] of [[work(weaker), work(stronger)], [work(stronger), work(weaker)]] as const) {
        const merged = mergeNodeWork(pending, incoming);
        assert.equal(merged.action, stronger, `${pending.action} + ${incoming.action}`);
        assert.equal(merged.event.id, `${stronger}-event`);
        assert.equal(merged.reason, `${stronger} because`);
      }
    }
  }
});

test('merge: equal actions keep the pending one (the first of the strongest)', () => {
  const merged = mergeNodeWork(work('drain', { event: event('first') }), work('drain', { event: event('second') }));
  assert.equal(merged.event.id, 'first');
});

test('merge: the earliest deadline and the lowest priority number, from either side', () => {
  const a = work('cordon', { deadline: at(120), priority: 7 });
  const b = work('drain', { deadline: at(900), priority: 2 });
  for (const merged of [mergeNodeWork(a, b), mergeNodeWork(b, a)]) {
    assert.equal(merged.action, 'drain');
    assert.deepEqual(merged.deadline, at(120));
    assert.equal(merged.priority, 2);
  }
});

test("merge: a taint is kept — the winner's own first, else the other's", () => {
  assert.deepEqual(mergeNodeWork(work('cordon', { taint: rebalanceTaint }), work('drain')).taint, rebalanceTaint);
  assert.deepEqual(mergeNodeWork(work('drain'), work('taint', { taint: rebalanceTaint })).taint, rebalanceTaint);
  assert.deepEqual(mergeNodeWork(work('cordon', { taint: rebalanceTaint }), work('drain', { taint: spotTaint })).taint, spotTaint);
  assert.equal(mergeNodeWork(work('drain'), work('cordon')).taint, undefined);
});

test('merge leaves its inputs alone', () => {
  const pending = work('cordon', { deadline: at(100) });
  const incoming = work('drain', { deadline: at(50) });
  mergeNodeWork(pending, incoming);
  assert.deepEqual(pending.deadline, at(100));
  assert.equal(pending.action, 'cordon');
});

test('runningCovers: drain ⊇ cordon ⊇ taint; uncordon covers only uncordon', () => {
  const table: [NodeActionType, NodeActionType, boolean][] = [
    ['drain', 'drain', true], ['drain', 'cordon', true], ['drain', 'taint', true], ['drain', 'uncordon', false],
    ['cordon', 'drain', false], ['cordon', 'cordon', true], ['cordon', 'taint', true], ['cordon', 'uncordon', false],
    ['taint', 'drain', false], ['taint', 'cordon', false], ['taint', 'taint', true], ['taint', 'uncordon', false],
    ['uncordon', 'drain', false], ['uncordon', 'cordon', false], ['uncordon', 'taint', false], ['uncordon', 'uncordon', true],
  ];
  for (const [running, incoming, covers] of table) {
    assert.equal(runningCovers(work(running), work(incoming)), covers, `${running} running, ${incoming} arrives`);
  }
});

test('rankNodeWork is the priority and the deadline', () => {
  assert.deepEqual(rankNodeWork(work('drain', { priority: 3, deadline: at(42) })), { priority: 3, deadline: at(42) });
});

/** Records each operator call; `fail` makes the named method throw. */
class FakeOperator implements NodeOperator {
  readonly calls: { method: string; request: ActionContext; signal?: AbortSignal }[] = [];
  drainResult: DrainResult = { outcome: 'drained', evicted: ['default/web-1'], remaining: [], durationMs: 1200 };
  fail: { method: string; error: unknown } | undefined;

  private record(method: string, request: ActionContext, signal?: AbortSignal): Promise<void> {
    this.calls.push({ method, request, signal });
    // A string thrown on purpose: runNodeWork must turn any throw into an Error.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    return this.fail?.method === method ? Promise.reject(this.fail.error) : Promise.resolve();
  }
  cordon(request: CordonRequest): Promise<void> { return this.record('cordon', request); }
  taint(request: CordonRequest): Promise<void> { return this.record('taint', request); }
  uncordon(request: ActionContext): Promise<void> { return this.record('uncordon', request); }
  async drain(request: DrainRequest, signal: AbortSignal): Promise<DrainResult> {
    await this.record('drain', request, signal);
    return this.drainResult;
  }
}

const context = { nodeName: 'node-a', eventId: 'drain-event', kind: 'spot-interruption', instanceId: 'i-0123456789abcdef0', reason: 'drain because' };

test('drain: the operator drains with the taint and the deadline; ok when drained', async () => {
  const operator = new FakeOperator();
  const signal = new AbortController().signal;
  const result = await runNodeWork(operator, work('drain', { taint: spotTaint, deadline: at(120) }), signal);
  assert.deepEqual(operator.calls, [{ method: 'drain', request: { ...context, taint: spotTaint, deadline: at(120) }, signal }]);
  assert.deepEqual(result, { action: 'drain', ok: true, drain: operator.drainResult, error: undefined });
});

test('drain: a deadline or a failure is a result, not ok, with the drain error', async () => {
  const operator = new FakeOperator();
  operator.drainResult = { outcome: 'deadline', evicted: [], remaining: ['default/db-0'], durationMs: 120_000 };
  const late = await runNodeWork(operator, work('drain'), new AbortController().signal);
  assert.equal(late.ok, false);
  assert.equal(late.drain?.outcome, 'deadline');
  const error = new Error('PDB blocks');
  operator.drainResult = { outcome: 'failed', evicted: [], remaining: ['default/db-0'], error, durationMs: 5 };
  const failed = await runNodeWork(operator, work('drain'), new AbortController().signal);
  assert.deepEqual([failed.ok, failed.error], [false, error]);
});

test('cordon, taint and uncordon call their operator method with the context', async () => {
  for (const action of ['cordon', 'taint', 'uncordon'] as const) {
    const operator = new FakeOperator();
    const taint = action === 'uncordon' ? undefined : rebalanceTaint;
    const result = await runNodeWork(operator, work(action, { taint }), new AbortController().signal);
    assert.deepEqual(result, { action, ok: true });
    const expected = { ...context, eventId: `${action}-event`, reason: `${action} because` };
    assert.deepEqual(operator.calls, [{ method: action, request: action === 'uncordon' ? expected : { ...expected, taint }, signal: undefined }]);
  }
});

test('a throwing operator gives a failed result with an Error, never a rejection', async () => {
  for (const action of ['drain', 'cordon', 'taint', 'uncordon'] as const) {
    const operator = new FakeOperator();
    const error = new Error(`${action} exploded`);
    operator.fail = { method: action, error };
    assert.deepEqual(await runNodeWork(operator, work(action), new AbortController().signal), { action, ok: false, error });
  }
  const operator = new FakeOperator();
  operator.fail = { method: 'cordon', error: 'a string' };
  const result = await runNodeWork(operator, work('cordon'), new AbortController().signal);
  assert.ok(result.error instanceof Error);
  assert.equal(result.error.message, 'a string');
});
