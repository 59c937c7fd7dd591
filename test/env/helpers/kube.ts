// Kubernetes clients for tests, from the environment's admin kubeconfig.
import { AppsV1Api, CoordinationV1Api, CoreV1Api, KubeConfig, PolicyV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { EnvironmentCoordinates } from '../environment.ts';

export interface KubeClients {
  config: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  policy: PolicyV1Api;
  coordination: CoordinationV1Api;
  rbac: RbacAuthorizationV1Api;
}

export function kubeClients(env: Pick<EnvironmentCoordinates, 'kubeconfig'>): KubeClients {
  const config = new KubeConfig();
  config.loadFromFile(env.kubeconfig);
  return {
    config,
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    policy: config.makeApiClient(PolicyV1Api),
    coordination: config.makeApiClient(CoordinationV1Api),
    rbac: config.makeApiClient(RbacAuthorizationV1Api),
  };
}

/** The HTTP status of a failed client-node call (ApiException.code), or undefined. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number') return error.code;
  return undefined;
}

export async function createNamespace(kube: KubeClients, name: string): Promise<string> {
  await kube.core.createNamespace({ body: { metadata: { name } } });
  return name;
}
