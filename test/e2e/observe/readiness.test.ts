// Issue 6 acceptance: /readyz turns not-ready when moto (SQS) is stopped and ready again when it is
// back; /healthz stays alive meanwhile (an outage of a dependency is no reason to restart). This
// file stops moto, so it runs on an environment of its own, never the shared one.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { asgTestNotification } from '../../fixtures/events/index.ts';
import { TestEnvironment } from '../../env/environment.ts';
import { awsClients, type AwsClients } from '../../env/helpers/aws.ts';
import { createQueue } from '../../env/helpers/queue.ts';
import { waitFor } from '../../env/helpers/wait.ts';
import { freePort } from '../../env/ports.ts';
import { startController, type RunningController } from '../pipeline/harness.ts';

const environment = await TestEnvironment.start();
let running: RunningController | undefined;
after(async () => {
  await running?.stop();
  await environment.stop();
});

interface Probe {
  status: number;
  body: { status?: string; checks?: Record<string, { ok: boolean; detail: string }> };
}

async function probe(url: string): Promise<Probe> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Probe['body'] };
}

/** A message that makes the open long poll answer at once (it is ignored and deleted). */
async function nudge(aws: AwsClients, queueUrl: string): Promise<void> {
  await aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(asgTestNotification()) }));
}

describe('readiness', () => {
  test('/readyz fails while SQS is down and recovers when it is back; /healthz stays ok', async () => {
    const env = environment.shared;
    const aws = awsClients(env);
    const queueName = 'readiness';
    const queue = await createQueue(aws, { name: queueName });
    const port = await freePort();
    running = await startController(env, queue, {
      ENABLE_PROBES_SERVER: 'true', PROBES_SERVER_PORT: String(port), NTH_READINESS_WINDOW: '2',
    });
    const ready = `http://127.0.0.1:${port}/readyz`;
    const live = `http://127.0.0.1:${port}/healthz`;

    await nudge(aws, queue.queueUrl);
    await waitFor('ready', async () => {
      const p = await probe(ready);
      return { done: p.status === 200, seen: JSON.stringify(p.body) };
    });
    // The Node watch is quiet; the readiness ping keeps the Kubernetes side fresh beyond the window.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const steady = await probe(ready);
    assert.equal(steady.body.checks?.kubernetes?.ok, true, JSON.stringify(steady.body));

    const stoppedAt = Date.now();
    await environment.moto.stopProcess();
    const down = await waitFor('not ready while SQS is down', async () => {
      const p = await probe(ready);
      return { done: p.status === 503, seen: JSON.stringify(p.body), value: p };
    }, { timeoutMs: 30_000 });
    process.stderr.write(`[readiness] not ready ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s after SQS stopped\n`);
    assert.equal(down?.body.status, 'failing');
    assert.equal(down?.body.checks?.sqs?.ok, false);
    assert.match(down?.body.checks?.sqs?.detail ?? '', /last error/);
    assert.equal(down?.body.checks?.kubernetes?.ok, true, 'only SQS is down');
    assert.equal((await probe(live)).status, 200, 'still alive');

    await environment.moto.startProcess();
    const backAt = Date.now();
    // moto keeps no state across a restart: the queue comes back under the same name and URL.
    const again = await createQueue(aws, { name: queueName });
    assert.equal(again.queueUrl, queue.queueUrl);
    await nudge(aws, queue.queueUrl);
    await waitFor('ready again', async () => {
      const p = await probe(ready);
      return { done: p.status === 200, seen: JSON.stringify(p.body) };
    }, { timeoutMs: 60_000 });
    process.stderr.write(`[readiness] ready ${((Date.now() - backAt) / 1000).toFixed(1)} s after SQS came back\n`);
    assert.equal((await probe(live)).status, 200);
  });
});
