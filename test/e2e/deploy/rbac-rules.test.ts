// Issue 5 acceptance: every permission deploy/base grants is needed. For each verb of each rule
// (the ClusterRole's and the Role's), an RBAC copy without just that verb, the controller running
// with that ServiceAccount's token, and the shortest scenario that needs the verb (a spot
// interruption of one Node): the step the verb guards fails, or, where the controller tolerates
// the refusal by design, the refusal is logged and the job still gets done. The variants run at
// once, each with its own namespace, RBAC copy, Node and queue.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { BatchV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { leaseNameFor, MicroTime } from '../../../lib/controller/claims.ts';
import { spotInterruption } from '../../fixtures/events/index.ts';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createFleet, createNode, type FleetInstance } from '../../env/helpers/fleet.ts';
import { kubeClients } from '../../env/helpers/kube.ts';
import { createQueue, type TestQueue } from '../../env/helpers/queue.ts';
import { uniqueName, waitFor } from '../../env/helpers/wait.ts';
import { queueDepth } from '../pipeline/harness.ts';
import { isCordoned, pinDeployment, runningPodsOn } from '../pipeline/workload.ts';
import { forbiddenLines, launchController, settledWithin, type LaunchedController } from './controller.ts';
import { BASE_DIR, kubectlFor } from './kubectl.ts';
import { grants, installRbacCopy, rbacOf, withoutGrant, type RbacCopy } from './rbac.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);
const batch = kube.config.makeApiClient(BatchV1Api);
const base = rbacOf(await (await kubectlFor(env)).render(BASE_DIR));

interface Scene {
  grant: string;
  copy: RbacCopy;
  instance: FleetInstance;
  queue: TestQueue;
  running: LaunchedController;
}

interface Variant {
  /** The step that breaks without the verb. */
  step: string;
  /** The Node joins after the controller has started (default: before, with 2 running pods). */
  nodeAfterStart?: boolean;
  /** Whether controller.start() completes (default true). */
  starts?: boolean;
  /** Before the controller starts, e.g. a completed pod or a stale Lease on the Node. */
  prepare?(scene: Omit<Scene, 'queue' | 'running'>): Promise<void>;
  /** After the controller has started, before the event is sent. */
  started?(scene: Scene): Promise<void>;
  check(scene: Scene): Promise<void>;
}

// ---- what a scene shows --------------------------------------------------------------------

/**
 * The apiserver refused `verb` on `resource`, and the controller said so at warn or above (with
 * `forNode`, in a line about the scene's node: the replica Lease is refused the same verbs at start).
 */
async function refused(scene: Scene, resource: string, verb: string, forNode = false): Promise<void> {
  await waitFor(`a logged refusal of ${verb} ${resource}`, () => {
    const lines = forbiddenLines(scene.running.logs, resource, verb).filter((line) => !forNode || line.nodeName === scene.instance.nodeName);
    return Promise.resolve({ done: lines.length > 0, seen: `${scene.running.logs.length} log lines, none refusing ${verb} ${resource}` });
  });
}

async function messageKept(scene: Scene): Promise<void> {
  assert.ok(await queueDepth(aws, scene.queue.queueUrl) >= 1, 'the message is kept for a retry, not deleted');
}

async function state(scene: Scene): Promise<{ cordoned: boolean; pods: number }> {
  return { cordoned: await isCordoned(kube, scene.instance.nodeName), pods: await runningPodsOn(kube, scene.copy.namespace, scene.instance.nodeName) };
}

/** The action failed before any pod went: `cordoned` says whether the cordon itself got through. */
async function nothingEvicted(scene: Scene, cordoned: boolean): Promise<void> {
  assert.deepEqual(await state(scene), { cordoned, pods: 2 });
  await messageKept(scene);
}

async function drainedAndDeleted(scene: Scene): Promise<void> {
  await waitFor('the node drained and the message deleted', async () => {
    const { cordoned, pods } = await state(scene);
    const depth = await queueDepth(aws, scene.queue.queueUrl);
    return { done: cordoned && pods === 0 && depth === 0, seen: `cordoned=${cordoned} pods=${pods} messages=${depth}` };
  });
}

// ---- one variant per verb --------------------------------------------------------------------

const VARIANTS: Record<string, Variant> = {
  'nodes:list': {
    step: 'the Node index never loads, so the queue is never consumed',
    starts: false,
    async check(scene) {
      await refused(scene, 'nodes', 'list');
      assert.equal(await settledWithin(scene.running.started, 2000), 'pending', 'start() waits for the Node index');
      assert.equal(await isCordoned(kube, scene.instance.nodeName), false);
      await messageKept(scene);
    },
  },
  'nodes:watch': {
    step: 'the Node index never follows changes: a Node that joins after startup is never found',
    nodeAfterStart: true,
    async check(scene) {
      await refused(scene, 'nodes', 'watch');
      // Deleted as "no such node" (DELETE_SQS_MSG_IF_NODE_NOT_FOUND), the Node left alone.
      await waitFor('the message to be dropped', async () => ({ done: await queueDepth(aws, scene.queue.queueUrl) === 0, seen: 'message on the queue' }));
      assert.equal(await isCordoned(kube, scene.instance.nodeName), false);
    },
  },
  'nodes:get': {
    step: 'a cordon whose patch meets a conflict cannot read the Node again, so it fails',
    async started(scene) {
      // A change starts from the Node index's copy (no GET) while that copy is current; a GET is
      // needed when it is not. So the index stands still, as a lagging watch would, and the Node
      // changes meanwhile: the cordon's patch carries a stale resourceVersion and gets 409.
      await scene.running.controller.nodes.stop();
      await kube.core.patchNode({ name: scene.instance.nodeName, body: { metadata: { labels: { 'nth-test/changed': 'true' } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    },
    async check(scene) {
      await refused(scene, 'nodes', 'get');
      await nothingEvicted(scene, false);
    },
  },
  'nodes:patch': {
    step: 'cordon fails',
    async check(scene) {
      await refused(scene, 'nodes', 'patch');
      await nothingEvicted(scene, false);
    },
  },
  'pods:list': {
    step: 'the drain cannot find the Node\'s pods; nothing is evicted',
    async check(scene) {
      await refused(scene, 'pods', 'list');
      await nothingEvicted(scene, true);
    },
  },
  'pods:watch': {
    step: 'tolerated: the drain cannot watch its pods leave, logs the refusal and re-lists them every second instead',
    async check(scene) {
      await drainedAndDeleted(scene);
      await refused(scene, 'pods', 'watch');
    },
  },
  'pods/eviction:create': {
    step: 'evictions fail; the pods stay',
    async check(scene) {
      await refused(scene, 'pods/eviction', 'create');
      await nothingEvicted(scene, true);
    },
  },
  'pods:delete': {
    step: 'a completed pod cannot be deleted, so the drain does not finish',
    async prepare(scene) {
      await batch.createNamespacedJob({
        namespace: scene.copy.namespace,
        body: {
          metadata: { name: 'done' },
          spec: { template: { spec: {
            nodeSelector: { 'kubernetes.io/hostname': scene.instance.nodeName }, restartPolicy: 'Never', containers: [{ name: 'job', image: 'fake' }],
          } } },
        },
      });
      await waitFor('the Job\'s pod to complete', async () => {
        const pods = await kube.core.listNamespacedPod({ namespace: scene.copy.namespace, labelSelector: 'job-name=done' });
        const phase = pods.items[0]?.status?.phase;
        return { done: phase === 'Succeeded', seen: `phase=${phase ?? 'no pod'}` };
      });
    },
    async check(scene) {
      await refused(scene, 'pods', 'delete');
      const left = await kube.core.listNamespacedPod({ namespace: scene.copy.namespace, labelSelector: 'job-name=done' });
      assert.equal(left.items.length, 1, 'the completed pod is still there');
      await messageKept(scene);
    },
  },
  'events:create': {
    step: 'tolerated: Kubernetes Events are best effort; the refusal is logged and the drain finishes',
    async check(scene) {
      await drainedAndDeleted(scene);
      await refused(scene, 'events', 'create');
    },
  },
  'leases:get': {
    step: 'the claim a crashed replica left cannot be read (whose it is, whether it is live), so the node is not drained',
    async prepare(scene) {
      await staleClaim(scene);
    },
    async check(scene) {
      await refused(scene, 'leases', 'get');
      await nothingEvicted(scene, true);
    },
  },
  'leases:create': {
    step: 'the node cannot be claimed (no Lease can be created), so it is not drained',
    async check(scene) {
      await refused(scene, 'leases', 'create', true);
      await nothingEvicted(scene, true);
    },
  },
  'leases:update': {
    step: 'the expired claim of a crashed replica cannot be taken over (nor a claim renewed), so the node is not drained',
    async prepare(scene) {
      await staleClaim(scene);
    },
    async check(scene) {
      await refused(scene, 'leases', 'update');
      await nothingEvicted(scene, true);
    },
  },
  'leases:delete': {
    step: 'tolerated: a finished claim cannot be released early; the refusal is logged and the Lease expires by itself',
    async check(scene) {
      await drainedAndDeleted(scene);
      await refused(scene, 'leases', 'delete');
      await kube.coordination.readNamespacedLease({ namespace: scene.copy.namespace, name: leaseNameFor(scene.instance.nodeName) });
    },
  },
};

/** The claim of a replica that crashed an hour ago (no replica Lease of its own is left). */
async function staleClaim(scene: Omit<Scene, 'queue' | 'running'>): Promise<void> {
  // Lease times are MicroTime: the apiserver wants six fractional digits.
  const longAgo = new MicroTime(Date.now() - 3_600_000);
  await kube.coordination.createNamespacedLease({
    namespace: scene.copy.namespace,
    body: { metadata: { name: leaseNameFor(scene.instance.nodeName) }, spec: { holderIdentity: 'crashed-replica', leaseDurationSeconds: 15, acquireTime: longAgo, renewTime: longAgo } },
  });
}

/** One instance per variant, from one Auto Scaling group: moto creates groups slowly. */
let instances: FleetInstance[] = [];

async function runVariant(grant: string, variant: Variant, instance: FleetInstance): Promise<void> {
  const roleRules = Object.fromEntries(base.roles.map((role) => [role.metadata?.name ?? '', withoutGrant(role.rules ?? [], grant)]));
  const copy = await installRbacCopy(env, kube, base, {
    name: uniqueName('nth-rbac'), clusterRules: withoutGrant(base.clusterRole.rules ?? [], grant), roleRules,
  });
  let running: LaunchedController | undefined;
  try {
    if (!variant.nodeAfterStart) {
      await createNode(kube, instance);
      await pinDeployment(kube, copy.namespace, 'app', instance.nodeName, 2);
    }
    await variant.prepare?.({ grant, copy, instance });
    // Straight onto the queue: the EventBridge rules are not what these variants test.
    const queue = await createQueue(aws);
    running = await launchController(env, queue, { NTH_KUBECONFIG: copy.kubeconfig, POD_NAME: `nth-${copy.namespace}`, NAMESPACE: copy.namespace });
    if (variant.starts !== false) assert.equal(await settledWithin(running.started, 15_000), 'started');
    if (variant.nodeAfterStart) await createNode(kube, instance);
    await variant.started?.({ grant, copy, instance, queue, running });
    const event = spotInterruption({ instanceId: instance.instanceId, time: new Date(), id: uniqueName('spot') });
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: JSON.stringify(event) }));
    await variant.check({ grant, copy, instance, queue, running });
  } catch (error) {
    // The controller's own account of what happened is what a failure here needs.
    const tail = (running?.logs ?? []).slice(-40).map((line) => JSON.stringify(line).slice(0, 400)).join('\n');
    throw new Error(`${error instanceof Error ? error.message : String(error)}\ncontroller log, last lines:\n${tail}`, { cause: error });
  } finally {
    await running?.stop();
    await copy.remove();
  }
}

describe('each permission of deploy/base guards a step', { concurrency: true }, () => {
  const granted = [...grants(base.clusterRole.rules ?? []), ...base.roles.flatMap((role) => grants(role.rules ?? []))];
  before(async () => {
    instances = (await createFleet(aws, kube, { count: granted.length, createNodes: false })).instances;
  });

  test('every verb granted has a variant below, and every variant a verb granted', () => {
    assert.deepEqual([...granted].sort(), Object.keys(VARIANTS).sort());
  });

  for (const [i, grant] of granted.entries()) {
    const variant = VARIANTS[grant];
    if (!variant) continue; // reported by the test above
    test(`without ${grant}: ${variant.step}`, () => {
      const instance = instances[i];
      assert.ok(instance, 'an instance of the shared group');
      return runVariant(grant, variant, instance);
    });
  }
});
