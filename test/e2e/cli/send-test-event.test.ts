// Issue 9 acceptance, send-test-event: the event it puts on the queue takes the whole pipeline (the
// running controller drains the node and deletes the message); through EventBridge it is routed
// by the deployed rules.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parseMessage } from '../../../lib/events/parse.ts';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createFleet } from '../../env/helpers/fleet.ts';
import { kubeClients } from '../../env/helpers/kube.ts';
import { createQueueWithRules, peekMessages } from '../../env/helpers/queue.ts';
import { waitFor } from '../../env/helpers/wait.ts';
import { runCli } from '../../cli/run-cli.ts';
import { queueDepth, startController, type RunningController } from '../pipeline/harness.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);
const running: RunningController[] = [];
after(async () => {
  for (const r of running) await r.stop();
});

const cliEnv = (queueUrl: string): Record<string, string> => ({
  QUEUE_URL: queueUrl, AWS_ENDPOINT: env.awsEndpoint, AWS_REGION: env.region, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing',
});

describe('send-test-event', () => {
  test('--kind spot on the queue: the controller drains that node and deletes the message', async () => {
    const fleet = await createFleet(aws, kube, { count: 1 });
    const instance = fleet.instances[0];
    assert.ok(instance);
    const queue = await createQueueWithRules(aws, { ownEventBus: true });
    running.push(await startController(env, queue));
    const out = await runCli(['send-test-event', '--kind', 'spot', '--instance', instance.instanceId], cliEnv(queue.queueUrl));
    assert.equal(out.code, 0, out.stderr);
    const eventId = /event id (\S+),/.exec(out.stdout)?.[1];
    assert.ok(eventId, out.stdout);
    await waitFor(`node ${instance.nodeName} cordoned and the message deleted`, async () => {
      const node = await kube.core.readNode({ name: instance.nodeName });
      const depth = await queueDepth(aws, queue.queueUrl);
      return { done: node.spec?.unschedulable === true && depth === 0, seen: `unschedulable=${String(node.spec?.unschedulable)} depth=${depth}` };
    });
    assert.ok(running[0]?.logs.some((l) => l.eventId === eventId), 'the controller logged the printed event id');
  });

  test('--via eventbridge: the rules route it to the queue', async () => {
    const queue = await createQueueWithRules(aws, { ownEventBus: true });
    const out = await runCli(['send-test-event', '--via', 'eventbridge', '--event-bus', queue.eventBusName,
      '--kind', 'scheduled-change', '--instance', 'i-0abcdef1234567890'], cliEnv(queue.queueUrl));
    assert.equal(out.code, 0, out.stderr);
    const messages = await waitFor('the event on the queue', async () => {
      const m = await peekMessages(aws, queue.queueUrl);
      return { done: m.length > 0, seen: `${m.length} messages`, value: m };
    });
    const parsed = parseMessage(messages?.[0]?.Body ?? '');
    assert.equal(parsed.outcome, 'event');
    if (parsed.outcome === 'event') {
      assert.equal(parsed.event.kind, 'scheduled-change');
      assert.deepEqual(parsed.event.instanceIds, ['i-0abcdef1234567890']);
    }
  });

  test('AWS refusing the queue is exit 1 with the reason', async () => {
    const out = await runCli(['send-test-event', '--kind', 'spot', '--instance', 'i-0abcdef1234567890'], cliEnv(`${env.awsEndpoint}/123456789012/no-such-queue`));
    assert.equal(out.code, 1);
    assert.match(out.stderr, /sending failed: .*(NonExistentQueue|QueueDoesNotExist)/);
  });
});
