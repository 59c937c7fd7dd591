// Small workloads pinned to one node, so a drain has real, Running pods to evict.
import type { AwsClients } from '../../env/helpers/aws.ts';
import { createFleet, type Fleet, type FleetInstance } from '../../env/helpers/fleet.ts';
import { createNamespace, type KubeClients } from '../../env/helpers/kube.ts';
import { uniqueName, waitFor } from '../../env/helpers/wait.ts';

/** A namespace and a one-instance fleet whose Node runs `replicas` pods of Deployment `app`. */
export async function nodeWithPods(aws: AwsClients, kube: KubeClients, prefix: string, replicas: number): Promise<{ namespace: string; fleet: Fleet; instance: FleetInstance }> {
  const namespace = await createNamespace(kube, uniqueName(prefix));
  const fleet = await createFleet(aws, kube, { count: 1 });
  const instance = fleet.instances[0];
  if (!instance) throw new Error('createFleet returned no instance');
  await pinDeployment(kube, namespace, 'app', instance.nodeName, replicas);
  return { namespace, fleet, instance };
}

/** A Deployment of `replicas` pods on `nodeName` (replacements cannot schedule elsewhere). */
export async function pinDeployment(kube: KubeClients, namespace: string, name: string, nodeName: string, replicas = 2): Promise<void> {
  const labels = { app: name };
  await kube.apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            nodeSelector: { 'kubernetes.io/hostname': nodeName },
            tolerations: [{ operator: 'Exists', effect: 'NoSchedule', key: 'never-matches' }],
            terminationGracePeriodSeconds: 5,
            containers: [{ name: 'app', image: 'fake' }],
          },
        },
      },
    },
  });
  await waitFor(`${replicas} pods of ${name} running on ${nodeName}`, async () => {
    const n = await runningPodsOn(kube, namespace, nodeName);
    return { done: n >= replicas, seen: `${n} running` };
  });
}

export async function runningPodsOn(kube: KubeClients, namespace: string, nodeName: string): Promise<number> {
  const pods = await kube.core.listNamespacedPod({ namespace, fieldSelector: `spec.nodeName=${nodeName}` });
  return pods.items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp).length;
}

export async function isCordoned(kube: KubeClients, nodeName: string): Promise<boolean> {
  const node = await kube.core.readNode({ name: nodeName });
  return node.spec?.unschedulable === true;
}
