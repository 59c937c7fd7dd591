// The cluster and the AWS side of one benchmark run: an Auto Scaling group of N instances in moto,
// one KWOK Node per instance (named and labelled as EKS does), DaemonSets on every node, and per
// node a few ReplicaSets pinned by nodeSelector, each with a PodDisruptionBudget, so every
// eviction goes through the apiserver's budget check. Everything is created with bounded concurrency and waited
// for through a few list calls, never one wait per object.
import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import type { AwsClients } from '../test/env/helpers/aws.ts';
import { createFleet, nodeFor, type FleetInstance } from '../test/env/helpers/fleet.ts';
import type { KubeClients } from '../test/env/helpers/kube.ts';
import { sleep } from '../test/env/helpers/wait.ts';

export const RUN_LABEL = 'nth-bench/run';

export interface ScenarioOptions {
  runId: string;
  nodes: number;
  podsPerNode: number;
  daemonSets: number;
  /** The PDB's maxUnavailable ("100%" lets a node drain fully: pinned replacements can run nowhere). */
  pdbMaxUnavailable: string;
  /** ReplicaSets (each with its PDB) sharing a node's pods. */
  replicaSetsPerNode: number;
  /** Put a terminate lifecycle hook on the group (ASG terminate events). */
  terminateHook: boolean;
  log: (line: string) => void;
}

export interface PodInfo {
  node: string;
  daemonSet: boolean;
}

export interface Scenario {
  namespace: string;
  autoScalingGroupName: string;
  terminateHookName?: string;
  instances: FleetInstance[];
  /** Every pod at the start, by UID. */
  pods: Map<string, PodInfo>;
  /** namespace/name → UID, to map eviction requests to pods. */
  podUids: Map<string, string>;
  /** The resourceVersion of the pod list, where the deletion watch starts. */
  podsResourceVersion: string;
}

/** Runs `work` over `items`, at most `limit` at once. */
export async function inParallel<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  });
  await Promise.all(runners);
}

async function until(what: string, timeoutMs: number, check: () => Promise<string | true>, log: (line: string) => void): Promise<void> {
  const start = Date.now();
  let lastReport = 0;
  for (;;) {
    const state = await check();
    if (state === true) return;
    if (Date.now() - start > timeoutMs) throw new Error(`gave up waiting for ${what} after ${Math.round(timeoutMs / 1000)} s: ${state}`);
    if (Date.now() - lastReport > 10_000) {
      log(`  waiting for ${what}: ${state}`);
      lastReport = Date.now();
    }
    await sleep(1000);
  }
}

export async function createScenario(aws: AwsClients, kube: KubeClients, options: ScenarioOptions): Promise<Scenario> {
  const { runId, log } = options;
  const started = Date.now();
  const fleet = await createFleet(aws, kube, {
    count: options.nodes, name: `bench-${runId}`, createNodes: false,
    ...(options.terminateHook ? { terminateHook: { heartbeatTimeout: 900 } } : {}),
  });
  log(`  ${fleet.instances.length} instances in moto (${secondsSince(started)})`);

  // Created here and waited for with one list below, not one wait per Node (createNode's).
  await inParallel(fleet.instances, 16, async (instance) => {
    await kube.core.createNode({ body: nodeFor(instance, { [RUN_LABEL]: runId }) });
  });
  await until('nodes Ready', 300_000, async () => {
    const nodes = await kube.core.listNode({ labelSelector: `${RUN_LABEL}=${runId}` });
    const ready = nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    return ready === options.nodes || `${ready}/${options.nodes} Ready`;
  }, log);
  log(`  ${options.nodes} nodes Ready (${secondsSince(started)})`);

  const namespace = `bench-${runId}`;
  await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
  const replicas = Math.max(0, options.podsPerNode - options.daemonSets);
  const podSpec = { terminationGracePeriodSeconds: 30, containers: [{ name: 'app', image: 'fake' }] };
  for (let d = 0; d < options.daemonSets; d++) {
    const labels = { app: `agent-${d}` };
    await kube.apps.createNamespacedDaemonSet({
      namespace,
      body: {
        metadata: { name: `agent-${d}` },
        spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { ...podSpec, nodeSelector: { [RUN_LABEL]: runId } } } },
      },
    });
  }
  // The node's pods split over a few ReplicaSets, as apps share nodes: pods under one budget are
  // evicted one at a time by the apiserver (each eviction rewrites the budget's status, and
  // concurrent ones conflict and wait), so one budget per node would serialise every drain.
  // ReplicaSets rather than Deployments so that their template can be changed afterwards without
  // a rollout (see gateReplacements).
  const groups = Math.max(1, Math.min(options.replicaSetsPerNode, replicas));
  const sizes = Array.from({ length: groups }, (_, g) => Math.floor(replicas / groups) + (g < replicas % groups ? 1 : 0));
  const workloads = replicas === 0 ? [] : fleet.instances.flatMap((instance, i) => sizes.map((size, g) => ({ instance, name: `w-${i}-${g}`, size })));
  await inParallel(workloads, 16, async ({ instance, name, size }) => {
    const labels = { app: name };
    await kube.apps.createNamespacedReplicaSet({
      namespace,
      body: {
        metadata: { name },
        spec: {
          replicas: size, selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { ...podSpec, nodeSelector: { 'kubernetes.io/hostname': instance.nodeName } } },
        },
      },
    });
    await kube.policy.createNamespacedPodDisruptionBudget({
      namespace, body: { metadata: { name }, spec: { maxUnavailable: options.pdbMaxUnavailable, selector: { matchLabels: labels } } },
    });
  });
  const wanted = options.nodes * (replicas + options.daemonSets);
  await until('pods Running', 900_000, async () => {
    const [replicaSets, daemonSets] = await Promise.all([
      kube.apps.listNamespacedReplicaSet({ namespace }), kube.apps.listNamespacedDaemonSet({ namespace }),
    ]);
    const ready = replicaSets.items.reduce((sum, d) => sum + (d.status?.readyReplicas ?? 0), 0)
      + daemonSets.items.reduce((sum, d) => sum + (d.status?.numberReady ?? 0), 0);
    return ready === wanted || `${ready}/${wanted} Ready`;
  }, log);
  // A budget whose status lags its spec blocks every eviction; wait until the disruption controller has seen them all.
  await until('PodDisruptionBudgets observed', 300_000, async () => {
    const budgets = await kube.policy.listNamespacedPodDisruptionBudget({ namespace });
    const seen = budgets.items.filter((b) => (b.status?.observedGeneration ?? 0) >= (b.metadata?.generation ?? 1)
      && (b.status?.currentHealthy ?? 0) > 0 && b.status?.currentHealthy === b.status?.expectedPods).length;
    return seen === budgets.items.length || `${seen}/${budgets.items.length}`;
  }, log);
  log(`  ${wanted} pods Running (${secondsSince(started)})`);
  await gateReplacements(kube, namespace, workloads.map((w) => w.name));
  log(`  replacements gated (${secondsSince(started)})`);

  const { pods, podUids, resourceVersion } = await listPods(kube, namespace);
  return {
    namespace, autoScalingGroupName: fleet.autoScalingGroupName,
    ...(fleet.terminateHookName ? { terminateHookName: fleet.terminateHookName } : {}),
    instances: fleet.instances, pods, podUids, podsResourceVersion: resourceVersion,
  };
}

/**
 * From now on the ReplicaSets' new pods (the replacements of evicted ones) carry a scheduling
 * gate, so the scheduler never looks at them. Pinned to a cordoned node they could run nowhere,
 * and thousands of unschedulable pods retried on every Node change made the scheduler and the
 * apiserver, not the handler, what a 500-node run measured. On a real cluster they would land on
 * other nodes; that work belongs to the cluster either way. A template change of a ReplicaSet
 * touches no existing pod.
 */
async function gateReplacements(kube: KubeClients, namespace: string, names: readonly string[]): Promise<void> {
  await inParallel(names, 16, async (name) => {
    await kube.apps.patchNamespacedReplicaSet(
      { name, namespace, body: { spec: { template: { spec: { schedulingGates: [{ name: 'nth-bench/replacement' }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  });
}

async function listPods(kube: KubeClients, namespace: string): Promise<{ pods: Map<string, PodInfo>; podUids: Map<string, string>; resourceVersion: string }> {
  const pods = new Map<string, PodInfo>();
  const podUids = new Map<string, string>();
  let resourceVersion = '';
  let next: string | undefined;
  do {
    // Pages of one list share its snapshot, so the watch can start from its resourceVersion.
    const page = await kube.core.listNamespacedPod({ namespace, limit: 2000, ...(next ? { _continue: next } : {}) });
    for (const pod of page.items) add(pod);
    resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    next = page.metadata?._continue || undefined;
  } while (next);
  return { pods, podUids, resourceVersion };

  function add(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid || !pod.spec?.nodeName) return;
    pods.set(uid, { node: pod.spec.nodeName, daemonSet: pod.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet') ?? false });
    podUids.set(`${namespace}/${pod.metadata?.name ?? ''}`, uid);
  }
}

/** Removes a run's namespace and Nodes, so the next run starts on a cluster of the same size. */
export async function deleteScenario(kube: KubeClients, scenario: Scenario, runId: string, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  await kube.core.deleteNamespace({ name: scenario.namespace });
  await until(`namespace ${scenario.namespace} gone`, 900_000, async () => {
    try {
      await kube.core.readNamespace({ name: scenario.namespace });
    } catch {
      return true; // 404: the namespace controller has deleted everything in it
    }
    const pods = await kube.core.listNamespacedPod({ namespace: scenario.namespace, limit: 1 });
    return `about ${(pods.metadata?.remainingItemCount ?? 0) + pods.items.length} pods left`;
  }, log);
  await kube.core.deleteCollectionNode({ labelSelector: `${RUN_LABEL}=${runId}` });
  log(`  run ${runId} removed (${secondsSince(started)})`);
}

function secondsSince(start: number): string {
  return `${((Date.now() - start) / 1000).toFixed(1)} s`;
}
