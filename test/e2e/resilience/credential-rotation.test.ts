// Issue 7, credential rotation: the controller's kubeconfig names a token FILE (`tokenFile`) holding
// a ServiceAccount token (TokenRequest API) bound to cluster-admin. The test revokes that token
// (deleting the ServiceAccount invalidates its tokens), recreates the account, mints a new token
// and replaces the file → without a restart, an event that failed while the credentials were
// revoked is retried and handled, and an event sent after the rotation is handled at once.
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createFleet } from '../../env/helpers/fleet.ts';
import { createNamespace, kubeClients } from '../../env/helpers/kube.ts';
import { createQueue } from '../../env/helpers/queue.ts';
import { uniqueName, waitFor } from '../../env/helpers/wait.ts';
import { httpsGet } from '../../env/http.ts';
import { metricValue, startController, type RunningController } from '../pipeline/harness.ts';
import { sendSpot, spotHandled } from './spot.ts';
import { kubeconfigFor } from '../../env/cluster.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);
const dir = mkdtempSync(join(tmpdir(), 'nth-rotation-'));
const bindingName = uniqueName('nth-rotation');
let running: RunningController | undefined;
after(async () => {
  await running?.stop();
  await kube.rbac.deleteClusterRoleBinding({ name: bindingName }).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const ACCOUNT = 'nth-controller';
const seconds = (from: number, to = Date.now()): string => ((to - from) / 1000).toFixed(1);

async function mintToken(namespace: string): Promise<string> {
  // 600 s is the shortest expiry the apiserver grants.
  const request = await kube.core.createNamespacedServiceAccountToken({ name: ACCOUNT, namespace, body: { spec: { expirationSeconds: 600 } } });
  assert.ok(request.status?.token);
  return request.status.token;
}

/** What the apiserver answers a request made with `token`. */
async function statusWith(token: string): Promise<number> {
  return (await httpsGet(`${env.kubeServer}/api/v1/nodes?limit=1`, { caFile: env.kubeCaFile, token })).status;
}

/** Atomically, as the kubelet or a secret syncer replaces a token file. */
function writeToken(file: string, token: string): void {
  writeFileSync(`${file}.tmp`, token, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}


test('the token file is replaced and the old token revoked: the controller goes on without a restart', { timeout: 300_000 }, async () => {
  const namespace = await createNamespace(kube, uniqueName('rotation'));
  await kube.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: ACCOUNT } } });
  await kube.rbac.createClusterRoleBinding({
    body: {
      metadata: { name: bindingName },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: ACCOUNT, namespace }],
    },
  });
  const tokenFile = join(dir, 'token');
  const tokenA = await mintToken(namespace);
  writeToken(tokenFile, tokenA);
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigFor(env.kubeServer, env.kubeCaFile, { tokenFile }, 'sa'));
  const fleet = await createFleet(aws, kube, { count: 3 });
  const [first, during, later] = fleet.instances;
  assert.ok(first && during && later);
  const queue = await createQueue(aws);
  running = await startController(env, queue, { NTH_KUBECONFIG: kubeconfig });
  const { metrics } = running;
  await sendSpot(aws, queue, first);
  await spotHandled(aws, kube, queue, first);

  // Revoke A: deleting the account invalidates every token it was given.
  const revokedAt = Date.now();
  await kube.core.deleteNamespacedServiceAccount({ name: ACCOUNT, namespace });
  await waitFor('token A to be refused', async () => {
    const status = await statusWith(tokenA);
    return { done: status === 401, seen: `HTTP ${status}` };
  }, { timeoutMs: 30_000 });
  // An event while the controller holds only a revoked token: its Kubernetes calls fail, and the
  // message comes back later.
  await sendSpot(aws, queue, during);
  await waitFor('the event to fail with the revoked token', async () => {
    const failed = await metricValue(metrics.messagesFinished, { result: 'failed' });
    return { done: failed >= 1, seen: `${failed} failed` };
  }, { timeoutMs: 60_000 });
  const refused = await metricValue(metrics.apiRequests, { target: 'kubernetes', code: '401' });

  await kube.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: ACCOUNT } } });
  const tokenB = await mintToken(namespace);
  assert.equal(await statusWith(tokenB), 200, 'token B works');
  assert.equal(await statusWith(tokenA), 401, 'token A stays revoked (the new account has another UID)');
  const rotatedAt = Date.now();
  writeToken(tokenFile, tokenB);

  await spotHandled(aws, kube, queue, during, 60_000);
  const retriedAt = Date.now();
  const sentAt = Date.now();
  await sendSpot(aws, queue, later);
  await spotHandled(aws, kube, queue, later, 30_000);
  const laterAt = Date.now();

  const refusedAfter = await metricValue(metrics.apiRequests, { target: 'kubernetes', code: '401' });
  process.stderr.write(`[resilience] credential rotation: token A refused ${seconds(revokedAt, rotatedAt)} s before token B was written; ${refused} requests got 401 meanwhile (${refusedAfter} in all)\n`);
  process.stderr.write(`[resilience] credential rotation: the event that failed under the revoked token was handled ${seconds(rotatedAt, retriedAt)} s after the file was replaced (its retry delay is 10 s); an event sent after the rotation was handled in ${seconds(sentAt, laterAt)} s\n`);

  assert.ok(refused >= 1, 'the controller really was refused while holding the revoked token');
  assert.equal(await metricValue(metrics.messagesFinished, { result: 'deleted' }), 3, 'all three events handled');
  assert.equal(running.controller.health().state, 'running');
});
