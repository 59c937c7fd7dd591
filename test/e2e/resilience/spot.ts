// A spot warning put straight on the queue (the EventBridge rules are not what resilience tests
// test), and the wait for the controller to have handled it: the node cordoned, the message gone.
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { spotInterruption } from '../../fixtures/events/index.ts';
import type { AwsClients } from '../../env/helpers/aws.ts';
import type { FleetInstance } from '../../env/helpers/fleet.ts';
import type { KubeClients } from '../../env/helpers/kube.ts';
import type { TestQueue } from '../../env/helpers/queue.ts';
import { uniqueName, waitFor } from '../../env/helpers/wait.ts';
import { queueDepth } from '../pipeline/harness.ts';
import { isCordoned } from '../pipeline/workload.ts';

export async function sendSpot(aws: AwsClients, queue: TestQueue, instance: FleetInstance): Promise<void> {
  await aws.sqs.send(new SendMessageCommand({
    QueueUrl: queue.queueUrl,
    MessageBody: JSON.stringify(spotInterruption({ instanceId: instance.instanceId, time: new Date(), id: uniqueName('spot') })),
  }));
}

export async function spotHandled(aws: AwsClients, kube: KubeClients, queue: TestQueue, instance: FleetInstance, timeoutMs = 60_000): Promise<void> {
  await waitFor(`${instance.nodeName} cordoned and its message deleted`, async () => {
    const cordoned = await isCordoned(kube, instance.nodeName);
    const depth = await queueDepth(aws, queue.queueUrl);
    return { done: cordoned && depth === 0, seen: `cordoned=${cordoned} depth=${depth}` };
  }, { timeoutMs, intervalMs: 250 });
}
