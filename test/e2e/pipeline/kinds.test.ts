// Issue 3 acceptance: for every kind of event, one put on EventBridge (so through its rule) leads
// to the right action on the right Node, and the message is deleted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  capacityReservationInterruption,
  instanceStateChange,
  rebalanceRecommendation,
  scheduledChange,
  spotInterruption,
} from '../../fixtures/events/index.ts';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createFleet, type Fleet } from '../../env/helpers/fleet.ts';
import { createNamespace, kubeClients } from '../../env/helpers/kube.ts';
import { createQueueWithRules, putEvents, type TestQueue } from '../../env/helpers/queue.ts';
import { uniqueName, waitFor } from '../../env/helpers/wait.ts';
import { metricValue, queueDepth, startController, type RunningController } from './harness.ts';
import { isCordoned, pinDeployment, runningPodsOn } from './workload.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);

const KINDS = [
  { kind: 'spot-interruption', event: (instanceId: string) => spotInterruption({ instanceId, time: new Date(), id: uniqueName('spot') }) },
  { kind: 'rebalance-recommendation', event: (instanceId: string) => rebalanceRecommendation({ instanceId, time: new Date(), id: uniqueName('rebalance') }) },
  { kind: 'instance-state-change', event: (instanceId: string) => instanceStateChange({ instanceId, state: 'stopping', time: new Date(), id: uniqueName('state') }) },
  { kind: 'capacity-reservation-interruption', event: (instanceId: string) => capacityReservationInterruption({ instanceId, time: new Date(), id: uniqueName('odcr') }) },
  { kind: 'scheduled-change', event: (instanceId: string) => scheduledChange({ instanceIds: [instanceId], time: new Date(), id: uniqueName('health') }) },
] as const;

describe('every event kind drains the right node and deletes its message', () => {
  let fleet: Fleet;
  let queue: TestQueue;
  let namespace: string;
  let running: RunningController;

  before(async () => {
    namespace = await createNamespace(kube, uniqueName('kinds'));
    // One node per kind, plus a bystander that no event names.
    fleet = await createFleet(aws, kube, { count: KINDS.length + 1 });
    await Promise.all(fleet.instances.map((instance, i) => pinDeployment(kube, namespace, `app-${i}`, instance.nodeName, 2)));
    queue = await createQueueWithRules(aws, { ownEventBus: true });
    running = await startController(env, queue);
    await putEvents(aws, KINDS.map((k, i) => k.event(fleet.instances[i]?.instanceId ?? '')), queue.eventBusName);
  });
  after(async () => running?.stop());

  for (const [i, { kind }] of KINDS.entries()) {
    test(`${kind}: node cordoned and its pods evicted`, async () => {
      const nodeName = fleet.instances[i]?.nodeName ?? '';
      await waitFor(`${kind}: node ${nodeName} cordoned with no running pods`, async () => {
        const cordoned = await isCordoned(kube, nodeName);
        const pods = await runningPodsOn(kube, namespace, nodeName);
        return { done: cordoned && pods === 0, seen: `cordoned=${cordoned} runningPods=${pods}` };
      });
      assert.ok(await metricValue(running.metrics.messagesReceived, { kind }) >= 1, `a ${kind} message was received`);
    });
  }

  test('the bystander node is untouched and every message is deleted', async () => {
    await waitFor('the queue to be empty', async () => {
      const depth = await queueDepth(aws, queue.queueUrl);
      return { done: depth === 0, seen: `${depth} messages on the queue` };
    });
    const bystander = fleet.instances[KINDS.length]?.nodeName ?? '';
    assert.equal(await isCordoned(kube, bystander), false);
    assert.equal(await runningPodsOn(kube, namespace, bystander), 2);
    assert.equal(await metricValue(running.metrics.messagesFinished, { result: 'deleted' }), KINDS.length);
    assert.equal(await metricValue(running.metrics.actions, { action: 'drain', result: 'drained' }), KINDS.length);
  });
});
