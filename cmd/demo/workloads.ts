// The demo's workloads: three Deployments spread over every node, each with a
// PodDisruptionBudget, and a DaemonSet. Pods honour their grace period (KWOK stage), so a drain
// visibly has "pods left", and the budgets make evictions wait for replacements elsewhere.
import { KWOK_HONOR_GRACE_ANNOTATION } from '../../test/env/cluster.ts';
import type { KubeClients } from '../../test/env/helpers/kube.ts';
import { waitFor } from '../../test/env/helpers/wait.ts';

export const DEMO_NAMESPACE = 'demo';

interface Workload {
  name: string;
  replicas: number;
  budget: { maxUnavailable?: number; minAvailable?: number };
}

export const DEPLOYMENTS: readonly Workload[] = [
  { name: 'web', replicas: 8, budget: { maxUnavailable: 2 } },
  { name: 'api', replicas: 6, budget: { minAvailable: 4 } },
  { name: 'worker', replicas: 4, budget: { maxUnavailable: 1 } },
];
export const DAEMONSET = 'node-agent';

const GRACE_SECONDS = 3;

function podTemplate(app: string): object {
  return {
    metadata: { labels: { app }, annotations: { [KWOK_HONOR_GRACE_ANNOTATION]: 'true' } },
    spec: {
      terminationGracePeriodSeconds: GRACE_SECONDS,
      containers: [{ name: 'app', image: `registry.example.com/${app}:1.0` }],
      // One pod of each Deployment per node where possible, so every drain has work to do.
      topologySpreadConstraints: [{
        maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app } },
      }],
    },
  };
}

export async function createWorkloads(kube: KubeClients, nodeCount: number): Promise<void> {
  await kube.core.createNamespace({ body: { metadata: { name: DEMO_NAMESPACE } } });
  for (const w of DEPLOYMENTS) {
    await kube.apps.createNamespacedDeployment({
      namespace: DEMO_NAMESPACE,
      body: {
        metadata: { name: w.name },
        spec: { replicas: w.replicas, selector: { matchLabels: { app: w.name } }, template: podTemplate(w.name) },
      },
    });
    await kube.policy.createNamespacedPodDisruptionBudget({
      namespace: DEMO_NAMESPACE,
      body: { metadata: { name: w.name }, spec: { ...w.budget, selector: { matchLabels: { app: w.name } } } },
    });
  }
  await kube.apps.createNamespacedDaemonSet({
    namespace: DEMO_NAMESPACE,
    body: {
      metadata: { name: DAEMONSET },
      spec: { selector: { matchLabels: { app: DAEMONSET } }, template: podTemplate(DAEMONSET) },
    },
  });
  const wanted = DEPLOYMENTS.reduce((n, w) => n + w.replicas, 0) + nodeCount;
  await waitFor(`${wanted} demo pods running`, async () => {
    const pods = await kube.core.listNamespacedPod({ namespace: DEMO_NAMESPACE });
    const running = pods.items.filter((p) => p.status?.phase === 'Running').length;
    return { done: running >= wanted, seen: `${running} running` };
  }, { timeoutMs: 60_000 });
  // A budget whose status lags its generation refuses every eviction; wait for the disruption
  // controller to have seen all three, so the first drain does not start with a needless refusal.
  await waitFor('the PodDisruptionBudgets to be observed', async () => {
    const budgets = await kube.policy.listNamespacedPodDisruptionBudget({ namespace: DEMO_NAMESPACE });
    const ready = budgets.items.filter((b) => (b.status?.observedGeneration ?? 0) >= (b.metadata?.generation ?? 1)).length;
    return { done: ready === DEPLOYMENTS.length, seen: `${ready} observed` };
  }, { timeoutMs: 30_000 });
}
