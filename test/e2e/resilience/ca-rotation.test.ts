// Issue 7, CA bundle rotation: the apiserver's serving certificate is re-issued under a NEW CA and
// the apiserver restarted with it; then the CA file the controller's kubeconfig points to is
// replaced with the new CA → without a restart, an event that failed while the controller trusted
// only the old CA is retried and handled, an event sent after the swap is handled at once, and the
// Node watch delivers changes again. A private environment: the rotation cuts off the cluster's
// own components (they keep the old CA), so the nodes here carry no pods that KWOK must finish.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { TestEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createFleet } from '../../env/helpers/fleet.ts';
import { kubeClients } from '../../env/helpers/kube.ts';
import { createQueue } from '../../env/helpers/queue.ts';
import { waitFor } from '../../env/helpers/wait.ts';
import { httpsGet } from '../../env/http.ts';
import { metricValue, startController, type RunningController } from '../pipeline/harness.ts';
import { sendSpot, spotHandled } from './spot.ts';
import { kubeconfigFor } from '../../env/cluster.ts';

const environment = await TestEnvironment.start();
const env = environment.shared;
const kube = kubeClients(env);
const aws = awsClients(env);
const dir = mkdtempSync(join(tmpdir(), 'nth-ca-rotation-'));
let running: RunningController | undefined;
after(async () => {
  await running?.stop();
  await environment.stop();
  rmSync(dir, { recursive: true, force: true });
});

const seconds = (from: number, to = Date.now()): string => ((to - from) / 1000).toFixed(1);


/** Whether a TLS connection trusting only `caFile` accepts the apiserver's certificate. */
async function trusts(caFile: string): Promise<boolean> {
  try {
    await httpsGet(`${env.kubeServer}/version`, { caFile });
    return true;
  } catch {
    return false;
  }
}

test('the apiserver moves to a new CA and the CA file is replaced: the controller goes on without a restart', { timeout: 600_000 }, async () => {
  // The controller trusts a CA file of its own, holding the old CA only, as a pod's mounted bundle would.
  const caFile = join(dir, 'ca.crt');
  copyFileSync(env.kubeCaFile, caFile);
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigFor(env.kubeServer, caFile, environment.cluster.info.adminToken));
  const fleet = await createFleet(aws, kube, { count: 3 });
  const [first, during, later] = fleet.instances;
  assert.ok(first && during && later);
  const queue = await createQueue(aws);
  running = await startController(env, queue, { NTH_KUBECONFIG: kubeconfig });
  const { metrics, controller } = running;
  await sendSpot(aws, queue, first);
  await spotHandled(aws, kube, queue, first);

  const rotationAt = Date.now();
  const newCa = await environment.cluster.rotateServingCa();
  const upAt = Date.now();
  assert.equal(await trusts(caFile), false, 'the old CA no longer verifies the apiserver');
  assert.equal(await trusts(newCa), true, 'the new CA does');
  // While the controller trusts only the old CA, its calls fail and the message comes back later.
  const networkBefore = await metricValue(metrics.apiRequests, { target: 'kubernetes', code: 'network' });
  await sendSpot(aws, queue, during);
  await waitFor('the event to fail while the CA is stale', async () => {
    const failed = await metricValue(metrics.messagesFinished, { result: 'failed' });
    return { done: failed >= 1, seen: `${failed} failed` };
  }, { timeoutMs: 60_000 });
  const refused = (await metricValue(metrics.apiRequests, { target: 'kubernetes', code: 'network' })) - networkBefore;

  const swappedAt = Date.now();
  copyFileSync(newCa, `${caFile}.tmp`);
  renameSync(`${caFile}.tmp`, caFile);
  await spotHandled(aws, kube, queue, during, 60_000);
  const retriedAt = Date.now();
  const sentAt = Date.now();
  await sendSpot(aws, queue, later);
  await spotHandled(aws, kube, queue, later, 30_000);
  const laterAt = Date.now();
  // The Node watch is back when a change made after the swap reaches the index.
  const mark = String(swappedAt);
  await kube.core.patchNode({ name: later.nodeName, body: { metadata: { labels: { 'nth.test/after-rotation': mark } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  await waitFor('the Node watch to deliver a change made after the swap', () => {
    const seen = controller.nodes.byName(later.nodeName)?.metadata?.labels?.['nth.test/after-rotation'];
    return Promise.resolve({ done: seen === mark, seen: `label ${seen ?? 'unset'}` });
  }, { timeoutMs: 60_000 });
  const watchAt = Date.now();

  process.stderr.write(`[resilience] CA rotation: new CA + apiserver restart took ${seconds(rotationAt, upAt)} s; with the old CA, ${refused} Kubernetes requests failed the TLS check before the file was swapped ${seconds(upAt, swappedAt)} s later\n`);
  process.stderr.write(`[resilience] CA rotation: after the swap, the failed event was handled in ${seconds(swappedAt, retriedAt)} s (its retry delay is 10 s), a new event in ${seconds(sentAt, laterAt)} s, and a Node change reached the index in ${seconds(laterAt, watchAt)} s\n`);

  assert.ok(refused >= 1, 'the controller really was refused by the TLS check while it trusted only the old CA');
  assert.equal(await metricValue(metrics.messagesFinished, { result: 'deleted' }), 3, 'all three events handled');
  assert.equal(controller.health().state, 'running');
});
