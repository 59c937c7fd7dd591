// One webhook notification per node action that really ran: the work runner notifies; messages
// that merged into pending work, attached to running work or reused a fresh result do not.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mergeNodeWork, rankNodeWork, runningCovers, type NodeWork, type NodeWorkResult } from '../../../lib/controller/node-work.ts';
import { createWorkRunner } from '../../../lib/controller/work-runner.ts';
import type { DrainRequest, DrainResult, NodeOperator } from '../../../lib/drain/types.ts';
import type { InterruptionEvent } from '../../../lib/events/types.ts';
import { silentLogger } from '../../../lib/observe/logger.ts';
import { Metrics } from '../../../lib/observe/metrics.ts';
import { createNotifier, type BodySender, type Notifier } from '../../../lib/observe/webhook/notifier.ts';
import type { NotificationFields } from '../../../lib/observe/webhook/template.ts';
import { WorkQueue } from '../../../lib/workqueue.ts';
import { metricValue } from './helpers.ts';

const T0 = new Date('2025-03-01T12:00:00.000Z');

function event(id: string): InterruptionEvent {
  return { kind: 'spot-interruption', id, time: T0, instanceIds: ['i-0123456789abcdef0'], envelope: 'eventbridge', instanceAction: 'terminate' };
}

function work(id: string, overrides: Partial<NodeWork> = {}): NodeWork {
  return { action: 'drain', nodeName: 'node-a', instanceId: 'i-0123456789abcdef0', event: event(id), deadline: new Date(T0.getTime() + 120_000), priority: 1, reason: 'spot interruption warning', ...overrides };
}

class FakeOperator implements NodeOperator {
  drains = 0;
  result: Omit<DrainResult, 'durationMs'> = { outcome: 'drained', evicted: ['ns/a', 'ns/b'], remaining: [] };
  release: (() => void) | undefined;
  cordon(): Promise<void> {
    return Promise.resolve();
  }
  taint(): Promise<void> {
    return Promise.resolve();
  }
  uncordon(): Promise<void> {
    return Promise.resolve();
  }
  async drain(_request: DrainRequest, signal: AbortSignal): Promise<DrainResult> {
    this.drains++;
    await new Promise<void>((resolve) => {
      this.release = resolve;
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return signal.aborted ? { outcome: 'failed', evicted: [], remaining: ['ns/a'], error: new Error('interrupted'), durationMs: 5 } : { ...this.result, durationMs: 1500 };
  }
}

function setup(options: { dryRun?: boolean; cordoned?: boolean } = {}) {
  const operator = new FakeOperator();
  const sent: NotificationFields[] = [];
  const notifier: Notifier = { notify: (f) => sent.push(f), close: () => Promise.resolve() };
  const metrics = new Metrics({ defaultMetrics: false });
  let clock = T0.getTime();
  const run = createWorkRunner({
    operator, metrics, notifier, logger: silentLogger(), dryRun: options.dryRun ?? false,
    nodes: { byName: () => ({ spec: { unschedulable: options.cordoned ?? true } }), byInstanceId: () => undefined },
    now: () => (clock += 750),
  });
  const queue = new WorkQueue<NodeWork, NodeWorkResult>({ workers: 2, run, merge: mergeNodeWork, covers: runningCovers, rank: rankNodeWork });
  return { operator, sent, metrics, queue };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('notifications from the work runner', () => {
  test('three messages for one node: one drain, one notification with the documented fields', async () => {
    const { operator, sent, metrics, queue } = setup();
    const first = queue.submit('node-a', work('spot', { messageId: 'm1' }));
    await settle();
    const second = queue.submit('node-a', work('state'));
    operator.release?.();
    await Promise.all([first, second]);
    const third = await queue.submit('node-a', work('asg'));
    assert.equal(third.ok, true);
    assert.equal(operator.drains, 1);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0], {
      eventId: 'spot', kind: 'spot-interruption', instanceId: 'i-0123456789abcdef0', nodeName: 'node-a', action: 'drain', result: 'drained',
      startTime: '2025-03-01T12:00:00.750Z', endTime: '2025-03-01T12:00:01.500Z', durationSeconds: 0.75, podsEvicted: 2, podsRemaining: 0,
      reason: 'spot interruption warning',
    });
    assert.equal(await metricValue(metrics.actions, { action: 'drain', result: 'drained' }), 1);
    assert.equal(await metricValue(metrics.drainDuration, { outcome: 'drained' }), 1);
    assert.equal(await metricValue(metrics.drainsInFlight), 0);
  });

  test('drains_in_flight is 1 while the drain runs', async () => {
    const { operator, metrics, queue } = setup();
    const running = queue.submit('node-a', work('e'));
    await settle();
    assert.equal(await metricValue(metrics.drainsInFlight), 1);
    operator.release?.();
    await running;
    assert.equal(await metricValue(metrics.drainsInFlight), 0);
  });

  test('a failed drain is announced with the error in the reason; a later retry runs and notifies again', async () => {
    const { operator, sent, queue } = setup({ cordoned: false });
    operator.result = { outcome: 'deadline', evicted: ['ns/a'], remaining: ['ns/b'], error: new Error('deadline reached; pods left: ns/b') };
    const p = queue.submit('node-a', work('e1'));
    await settle();
    operator.release?.();
    await p;
    assert.equal(sent[0]?.result, 'deadline');
    assert.equal(sent[0]?.podsRemaining, 1);
    assert.equal(sent[0]?.reason, 'spot interruption warning; deadline reached; pods left: ns/b');
    operator.result = { outcome: 'drained', evicted: ['ns/b'], remaining: [] };
    const again = queue.submit('node-a', work('e1'));
    await settle();
    operator.release?.();
    await again;
    assert.equal(sent.length, 2, 'a failed result is never reused');
  });

  test('no notification for work interrupted by shutdown, nor in dry run', async () => {
    const stopping = setup();
    const p = stopping.queue.submit('node-a', work('e'));
    await settle();
    await stopping.queue.close();
    await p;
    assert.equal(stopping.sent.length, 0);
    assert.equal(await metricValue(stopping.metrics.actions), 0);

    const dry = setup({ dryRun: true });
    const q = dry.queue.submit('node-a', work('e'));
    await settle();
    dry.operator.release?.();
    await q;
    assert.equal(dry.sent.length, 0);
  });
});

describe('notifier', () => {
  const settings = { webhookUrl: 'https://example.com/hook', webhookHeaders: {}, webhookTemplate: '{"n":"{{ .nodeName }}","r":"{{ .result }}"}', webhookTemplateFile: '', webhookProxy: '', webhookTimeout: 5, webhookRetries: 2 };
  const fields: NotificationFields = {
    eventId: 'e', kind: 'spot-interruption', instanceId: 'i-1', nodeName: 'n', action: 'drain', result: 'drained',
    startTime: T0.toISOString(), endTime: T0.toISOString(), durationSeconds: 1, podsEvicted: 0, podsRemaining: 0, reason: 'r',
  };

  test('sends in the background, counts sent and failed; close waits for deliveries under way', async () => {
    const bodies: string[] = [];
    let closed = false;
    const sender: BodySender = {
      send: async (body) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        bodies.push(body);
        if (body.includes('"n":"m"')) throw new Error('down');
        return { attempts: 1, status: 200 };
      },
      close: () => {
        closed = true;
        return Promise.resolve();
      },
    };
    const metrics = new Metrics({ defaultMetrics: false });
    const notifier = createNotifier(settings, { metrics, logger: silentLogger(), sender });
    notifier.notify(fields);
    notifier.notify({ ...fields, nodeName: 'm' });
    assert.equal(bodies.length, 0, 'notify does not wait for delivery');
    await notifier.close();
    assert.deepEqual(bodies, ['{"n":"n","r":"drained"}', '{"n":"m","r":"drained"}']);
    assert.equal(closed, true);
    assert.equal(await metricValue(metrics.webhooks, { result: 'sent' }), 1);
    assert.equal(await metricValue(metrics.webhooks, { result: 'failed' }), 1);
    assert.equal(await metricValue(metrics.errors, { stage: 'webhook' }), 1);
  });

  test('no URL, no notifier; an unreadable template file stops startup', () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const none = createNotifier({ ...settings, webhookUrl: '' }, { metrics, logger: silentLogger() });
    none.notify(fields);
    assert.throws(() => createNotifier({ ...settings, webhookTemplate: '', webhookTemplateFile: '/nonexistent/t.json' }, { metrics, logger: silentLogger() }),
      /cannot read WEBHOOK_TEMPLATE_FILE \/nonexistent\/t\.json/);
  });
});
