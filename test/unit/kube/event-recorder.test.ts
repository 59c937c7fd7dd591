// Kubernetes Events never hold up the work they describe: record() queues and returns, a few
// background senders deliver in order (Node Events before Pod Events), a full backlog drops Pod
// Events first (counted, and logged at most once a minute), a failed send is logged and the rest
// still go, and flush/close wait for the backlog within a bound.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import type { CoreV1ApiCreateNamespacedEventRequest, CoreV1Event } from '@kubernetes/client-node';
import { createEventRecorder, type EventRecorder, type EventRecorderOptions, type EventTarget } from '../../../lib/kube/event-recorder.ts';
import { withLogContext } from '../../../lib/observe/log-context.ts';
import { Metrics } from '../../../lib/observe/metrics.ts';
import { metricValue } from '../observe/helpers.ts';
import { captureLogs } from '../observe/capture-logs.ts';

interface Call {
  request: CoreV1ApiCreateNamespacedEventRequest;
  /** What the test sees of it: "<reason> <name>". */
  label: string;
  settle: (error?: Error) => void;
}

/** An apiserver whose answers the test gives, one Event at a time. */
function fakeApi(): { core: { createNamespacedEvent: (request: CoreV1ApiCreateNamespacedEventRequest) => Promise<CoreV1Event> }; calls: Call[]; pending: () => Call[] } {
  const calls: Call[] = [];
  const settled = new Set<Call>();
  const core = {
    createNamespacedEvent(request: CoreV1ApiCreateNamespacedEventRequest): Promise<CoreV1Event> {
      return new Promise((resolve, reject) => {
        const call: Call = {
          request,
          label: `${request.body.reason ?? ''} ${request.body.involvedObject.name ?? ''}`,
          settle: (error) => {
            settled.add(call);
            if (error) reject(error);
            else resolve(request.body);
          },
        };
        calls.push(call);
      });
    },
  };
  return { core, calls, pending: () => calls.filter((c) => !settled.has(c)) };
}


/** Lets the senders react to settled calls (a few promise hops). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Settles the oldest pending call and lets the next one start. */
async function answerNext(api: ReturnType<typeof fakeApi>, error?: Error): Promise<void> {
  const next = api.pending()[0];
  assert.ok(next, 'a call to answer');
  next.settle(error);
  await settle();
}

const node = (name: string): EventTarget => ({ kind: 'Node', name, uid: `uid-${name}` });
const pod = (name: string): EventTarget => ({ kind: 'Pod', name, namespace: 'apps' });

function recorderWith(api: ReturnType<typeof fakeApi>, options: Partial<EventRecorderOptions> = {}): { recorder: EventRecorder; lines: () => Record<string, unknown>[] } {
  const { logger, lines } = captureLogs();
  const recorder = createEventRecorder(api.core, {
    enabled: true, extraAnnotations: { team: 'infra' }, instance: 'nth-0', logger, ...options,
  });
  return { recorder, lines };
}

describe('Kubernetes Event recorder', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_700_000_000_000 }));
  afterEach(() => mock.timers.reset());

  test('record() returns before the Event is sent, with the time of the call', async () => {
    const api = fakeApi();
    const { recorder } = recorderWith(api);
    await recorder.record(node('n1'), 'Normal', 'Cordoned', 'cordoned', { 'node-termination-handler.aws/event-id': 'e1' });
    await recorder.record(pod('p1'), 'Warning', 'PodEvictionFailed', 'x'.repeat(2000));
    assert.equal(api.pending().length, 2, 'both sends still under way');
    const [first, second] = api.calls;
    assert.equal(first?.request.namespace, 'default', 'Node Events live in default');
    assert.deepEqual(first?.request.body.metadata?.annotations, { team: 'infra', 'node-termination-handler.aws/event-id': 'e1' });
    assert.deepEqual(first?.request.body.involvedObject, { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'uid-n1' });
    assert.equal(new Date(first?.request.body.firstTimestamp ?? 0).getTime(), 1_700_000_000_000);
    assert.equal(first?.request.body.reportingInstance, 'nth-0');
    assert.equal(second?.request.namespace, 'apps');
    assert.equal(second?.request.body.message?.length, 1024, 'the message is cut to what the apiserver takes');
    for (const call of api.calls) call.settle();
    assert.equal(await recorder.flush(), true);
  });

  test('at most four at once, started in the order recorded', async () => {
    const api = fakeApi();
    const { recorder } = recorderWith(api);
    for (let i = 1; i <= 6; i++) void recorder.record(node(`n${i}`), 'Normal', 'Cordoned', 'c');
    assert.deepEqual(api.calls.map((c) => c.label), ['Cordoned n1', 'Cordoned n2', 'Cordoned n3', 'Cordoned n4']);
    await answerNext(api);
    assert.equal(api.calls.at(-1)?.label, 'Cordoned n5');
    assert.equal(api.pending().length, 4);
    while (api.pending().length > 0) await answerNext(api);
    assert.deepEqual(api.calls.map((c) => c.label), [1, 2, 3, 4, 5, 6].map((i) => `Cordoned n${i}`));
  });

  test('queued Node Events go before queued Pod Events, each in order', async () => {
    const api = fakeApi();
    const { recorder } = recorderWith(api, { concurrency: 1 });
    void recorder.record(pod('p1'), 'Normal', 'PodEviction', 'e');
    void recorder.record(pod('p2'), 'Normal', 'PodEviction', 'e');
    void recorder.record(node('n1'), 'Normal', 'DrainStarted', 'd');
    void recorder.record(pod('p3'), 'Normal', 'PodEviction', 'e');
    void recorder.record(node('n1'), 'Normal', 'Drained', 'd');
    while (api.pending().length > 0) await answerNext(api);
    assert.deepEqual(api.calls.map((c) => c.label), ['PodEviction p1', 'DrainStarted n1', 'Drained n1', 'PodEviction p2', 'PodEviction p3']);
  });

  test('a full backlog drops Pod Events first, then the oldest; each drop is counted, the log says so once a minute', async () => {
    const api = fakeApi();
    const metrics = new Metrics({ defaultMetrics: false });
    const { recorder, lines } = recorderWith(api, { concurrency: 1, capacity: 3, metrics });
    void recorder.record(node('busy'), 'Normal', 'Cordoned', 'c'); // being sent: not in the backlog
    withLogContext({ eventId: 'evt-overflow' }, () => {
      for (const p of ['p1', 'p2']) void recorder.record(pod(p), 'Normal', 'PodEviction', 'e');
      void recorder.record(node('n1'), 'Normal', 'DrainStarted', 'd'); // full: p1, p2, n1
      void recorder.record(node('n2'), 'Normal', 'DrainStarted', 'd'); // drops p1
    });
    const warnings = () => lines().filter((l) => String(l.msg).startsWith('Kubernetes Events dropped'));
    assert.equal(warnings().length, 1, 'the first drop is reported at once');
    assert.equal(warnings()[0]?.dropped, 1);
    assert.equal(warnings()[0]?.eventId, undefined, 'not in the name of whichever event overflowed');
    void recorder.record(pod('p3'), 'Normal', 'PodEviction', 'e'); // drops p2
    void recorder.record(node('n3'), 'Normal', 'Drained', 'd'); // drops p3
    void recorder.record(node('n4'), 'Normal', 'Drained', 'd'); // only Node Events left: drops n1, the oldest
    void recorder.record(pod('p4'), 'Normal', 'PodEviction', 'e'); // only Node Events queued: p4 itself goes
    assert.equal(await metricValue(metrics.kubernetesEventsDropped, { object: 'pod', reason: 'backlog' }), 4);
    assert.equal(await metricValue(metrics.kubernetesEventsDropped, { object: 'node', reason: 'backlog' }), 1);
    assert.equal(warnings().length, 1, 'no more than one warning a minute');
    mock.timers.tick(60_000);
    assert.equal(warnings().length, 2);
    assert.deepEqual({ dropped: warnings()[1]?.dropped, backlogFull: warnings()[1]?.backlogFull, capacity: warnings()[1]?.capacity }, { dropped: 4, backlogFull: 4, capacity: 3 });
    while (api.pending().length > 0) await answerNext(api);
    assert.deepEqual(api.calls.map((c) => c.label), ['Cordoned busy', 'DrainStarted n2', 'Drained n3', 'Drained n4']);
  });

  test('a failed send is logged (in the name of the event that recorded it) and the queue goes on', async () => {
    const api = fakeApi();
    const { recorder, lines } = recorderWith(api, { concurrency: 1 });
    void withLogContext({ eventId: 'evt-1', nodeName: 'n1' }, () => recorder.record(node('n1'), 'Normal', 'Cordoned', 'c'));
    void withLogContext({ eventId: 'evt-2', nodeName: 'n2' }, () => recorder.record(node('n2'), 'Normal', 'Cordoned', 'c'));
    void recorder.record(pod('p1'), 'Normal', 'PodEviction', 'e');
    await answerNext(api, Object.assign(new Error('forbidden'), { code: 403 }));
    await answerNext(api, new Error('connection reset'));
    await answerNext(api);
    const failures = lines().filter((l) => l.msg === 'could not record Kubernetes Event');
    assert.deepEqual(failures.map((l) => [l.eventId, l.reason, l.object]), [['evt-1', 'Cordoned', 'Node/n1'], ['evt-2', 'Cordoned', 'Node/n2']]);
    assert.equal(failures[0]?.level, 40, 'warn');
    assert.deepEqual(api.calls.map((c) => c.label), ['Cordoned n1', 'Cordoned n2', 'PodEviction p1'], 'nothing is sent again');
    assert.equal(await recorder.flush(), true);
  });

  test('flush waits for every queued Event, and gives up after its timeout', async () => {
    const api = fakeApi();
    const { recorder } = recorderWith(api, { concurrency: 1 });
    assert.equal(await recorder.flush(), true, 'nothing queued');
    void recorder.record(node('n1'), 'Normal', 'Cordoned', 'c');
    void recorder.record(pod('p1'), 'Normal', 'PodEviction', 'e');
    let flushed: boolean | undefined;
    const flushing = recorder.flush(5_000).then((all) => (flushed = all));
    await answerNext(api);
    assert.equal(flushed, undefined, 'one Event still to go');
    await answerNext(api);
    await flushing;
    assert.equal(flushed, true);

    void recorder.record(node('n2'), 'Normal', 'Drained', 'd'); // never answered
    const stuck = recorder.flush(5_000);
    mock.timers.tick(5_000);
    assert.equal(await stuck, false);
  });

  test('close sends what it can within its timeout, then drops and counts the rest and any later Event', async () => {
    const api = fakeApi();
    const metrics = new Metrics({ defaultMetrics: false });
    const { recorder, lines } = recorderWith(api, { concurrency: 1, metrics });
    void recorder.record(node('n1'), 'Normal', 'Drained', 'd'); // never answered
    void recorder.record(node('n2'), 'Normal', 'Drained', 'd');
    void recorder.record(pod('p1'), 'Normal', 'PodEviction', 'e');
    const closing = recorder.close(2_000);
    mock.timers.tick(2_000);
    await closing;
    void recorder.record(node('n3'), 'Normal', 'Uncordoned', 'u');
    assert.deepEqual(api.calls.map((c) => c.label), ['Drained n1']);
    assert.equal(await metricValue(metrics.kubernetesEventsDropped, { reason: 'shutdown' }), 3);
    assert.equal(await metricValue(metrics.kubernetesEventsDropped, { object: 'node', reason: 'shutdown' }), 2);
    const warning = lines().find((l) => String(l.msg).startsWith('Kubernetes Events dropped'));
    assert.equal(warning?.atShutdown, 2, 'the Events left at close are reported at once');
  });

  test('Pod Events have a budget (a drain\'s worth at once, then a few a second); Node Events do not', async () => {
    const api = fakeApi();
    const metrics = new Metrics({ defaultMetrics: false });
    const { recorder, lines } = recorderWith(api, { concurrency: 100, metrics, podEventBudget: { burst: 3, perSecond: 1 } });
    for (let i = 1; i <= 5; i++) void recorder.record(pod(`p${i}`), 'Normal', 'PodEviction', 'e');
    for (let i = 1; i <= 5; i++) void recorder.record(node(`n${i}`), 'Normal', 'Drained', 'd');
    mock.timers.tick(1_000);
    void recorder.record(pod('p6'), 'Normal', 'PodEviction', 'e'); // one more a second later
    void recorder.record(pod('p7'), 'Normal', 'PodEviction', 'e');
    assert.deepEqual(api.calls.map((c) => c.label).filter((l) => l.startsWith('PodEviction')), ['PodEviction p1', 'PodEviction p2', 'PodEviction p3', 'PodEviction p6']);
    assert.equal(api.calls.filter((c) => c.label.startsWith('Drained')).length, 5);
    assert.equal(await metricValue(metrics.kubernetesEventsDropped, { object: 'pod', reason: 'budget' }), 3);
    assert.equal(lines().find((l) => String(l.msg).startsWith('Kubernetes Events dropped'))?.overPodBudget, 1, 'the first drop is said at once');
    for (const call of api.calls) call.settle();
  });

  test('disabled: nothing is queued or sent', async () => {
    const api = fakeApi();
    const { recorder } = recorderWith(api, { enabled: false });
    await recorder.record(node('n1'), 'Normal', 'Cordoned', 'c');
    assert.equal(api.calls.length, 0);
    assert.equal(await recorder.flush(), true);
    await recorder.close();
  });
});
