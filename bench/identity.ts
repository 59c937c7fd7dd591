// The handler under test runs as a ServiceAccount (bound to cluster-admin), as a deployed handler
// does, not as the environment's admin: system:masters is exempt from the apiserver's priority
// and fairness, so an admin client can pile thousands of evictions into the apiserver until
// they time out, where a real handler's requests are queued and, past the queue, refused with 429.
// Its requests are classified as deployed: deploy/base/flowschema.yaml, pointed at this account
// (unless the run asks for the apiserver's default classification, to compare).
import { readFileSync } from 'node:fs';
import { FlowcontrolApiserverV1Api, loadYaml, type V1FlowSchema } from '@kubernetes/client-node';
import type { KubeClients } from '../test/env/helpers/kube.ts';
import { statusOf } from '../test/env/helpers/kube.ts';

const NAME = 'nth-bench-handler';
const NAMESPACE = 'default';

/** A token for the handler's ServiceAccount (created on first use); valid for `seconds`. */
export async function handlerToken(kube: KubeClients, options: { flowSchema: boolean }, seconds = 7200): Promise<string> {
  const ignoreExisting = (error: unknown): void => {
    if (statusOf(error) !== 409) throw error;
  };
  await kube.core.createNamespacedServiceAccount({ namespace: NAMESPACE, body: { metadata: { name: NAME } } }).catch(ignoreExisting);
  await kube.rbac.createClusterRoleBinding({
    body: {
      metadata: { name: NAME },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: NAMESPACE }],
    },
  }).catch(ignoreExisting);
  const flowcontrol = kube.config.makeApiClient(FlowcontrolApiserverV1Api);
  await flowcontrol.deleteFlowSchema({ name: NAME }).catch(() => undefined);
  if (options.flowSchema) {
    const deployed = loadYaml<V1FlowSchema>(readFileSync(new URL('../deploy/base/flowschema.yaml', import.meta.url), 'utf8'));
    const rules = (deployed.spec?.rules ?? []).map((rule) => ({ ...rule, subjects: [{ kind: 'ServiceAccount', serviceAccount: { name: NAME, namespace: NAMESPACE } }] }));
    await flowcontrol.createFlowSchema({ body: { ...deployed, metadata: { name: NAME }, spec: { ...deployed.spec, priorityLevelConfiguration: deployed.spec?.priorityLevelConfiguration ?? { name: 'workload-high' }, rules } } });
  }
  const request = await kube.core.createNamespacedServiceAccountToken({
    name: NAME, namespace: NAMESPACE, body: { spec: { audiences: [], expirationSeconds: seconds } },
  });
  const token = request.status?.token;
  if (!token) throw new Error('the TokenRequest for the handler\'s ServiceAccount returned no token');
  return token;
}
