// The deploy base's RBAC objects, installed under unique names (a namespace, ServiceAccount,
// ClusterRole and binding per copy, so test files and concurrent variants never share one), and a
// kubeconfig holding a token of that ServiceAccount from the TokenRequest API: the controller then
// runs with exactly the permissions deploy/ grants, not the environment's admin token.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AuthorizationV1Api,
  type KubernetesObject,
  type V1ClusterRole,
  type V1ClusterRoleBinding,
  type V1PolicyRule,
  type V1Role,
  type V1RoleBinding,
  type V1ServiceAccount,
} from '@kubernetes/client-node';
import { kubeconfigFor } from '../../env/cluster.ts';
import type { EnvironmentCoordinates } from '../../env/environment.ts';
import type { KubeClients } from '../../env/helpers/kube.ts';
import { waitFor } from '../../env/helpers/wait.ts';
import { findObject } from './kubectl.ts';

export interface BaseRbac {
  serviceAccount: V1ServiceAccount;
  clusterRole: V1ClusterRole;
  clusterRoleBinding: V1ClusterRoleBinding;
  /** Namespaced permissions, in the controller's own namespace (the per-node claim Leases). */
  roles: V1Role[];
  roleBindings: V1RoleBinding[];
}

export function rbacOf(objects: readonly KubernetesObject[]): BaseRbac {
  return {
    serviceAccount: findObject<V1ServiceAccount>(objects, 'ServiceAccount'),
    clusterRole: findObject<V1ClusterRole>(objects, 'ClusterRole'),
    clusterRoleBinding: findObject<V1ClusterRoleBinding>(objects, 'ClusterRoleBinding'),
    roles: objects.filter((o): o is V1Role => o.kind === 'Role'),
    roleBindings: objects.filter((o): o is V1RoleBinding => o.kind === 'RoleBinding'),
  };
}

export interface RbacCopy {
  /** The copy's namespace: the controller's NAMESPACE, where its ServiceAccount (and any Role) live. */
  namespace: string;
  serviceAccountName: string;
  /** A kubeconfig with a token of the copy's ServiceAccount. */
  kubeconfig: string;
  remove(): Promise<void>;
}

export interface CopyOptions {
  /** Unique: the namespace and the cluster-scoped objects are named after it. */
  name: string;
  /** Replaces the ClusterRole's rules (e.g. with one verb removed). */
  clusterRules?: V1PolicyRule[];
  /** Replaces a Role's rules, by the Role's name. */
  roleRules?: Record<string, V1PolicyRule[]>;
}

export async function installRbacCopy(env: EnvironmentCoordinates, kube: KubeClients, base: BaseRbac, options: CopyOptions): Promise<RbacCopy> {
  const { name } = options;
  const saName = base.serviceAccount.metadata?.name ?? 'node-termination-handler';
  const rules = options.clusterRules ?? base.clusterRole.rules ?? [];
  const subjectsIn = (namespace: string) => [{ kind: 'ServiceAccount', name: saName, namespace }];
  await kube.core.createNamespace({ body: { metadata: { name } } });
  await kube.core.createNamespacedServiceAccount({ namespace: name, body: { metadata: { name: saName, namespace: name } } });
  await kube.rbac.createClusterRole({ body: { metadata: { name }, rules } });
  await kube.rbac.createClusterRoleBinding({
    body: { metadata: { name }, roleRef: { ...base.clusterRoleBinding.roleRef, name }, subjects: subjectsIn(name) },
  });
  const roleRules = base.roles.map((role) => options.roleRules?.[role.metadata?.name ?? ''] ?? role.rules ?? []);
  for (const [i, role] of base.roles.entries()) {
    await kube.rbac.createNamespacedRole({ namespace: name, body: { metadata: { name: role.metadata?.name ?? '', namespace: name }, rules: roleRules[i] ?? [] } });
  }
  for (const binding of base.roleBindings) {
    await kube.rbac.createNamespacedRoleBinding({
      namespace: name,
      body: { metadata: { name: binding.metadata?.name ?? '', namespace: name }, roleRef: binding.roleRef, subjects: subjectsIn(name) },
    });
  }

  // The TokenRequest API, as the kubelet gets a pod's projected token; the default audience is
  // the apiserver's own.
  const request = await kube.core.createNamespacedServiceAccountToken({
    name: saName, namespace: name, body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`no token for ${name}/${saName}`);
  const kubeconfig = join(env.dir, `${name}.kubeconfig`);
  writeFileSync(kubeconfig, kubeconfigFor(env.kubeServer, env.kubeCaFile, token, saName));

  const user = `system:serviceaccount:${name}:${saName}`;
  await waitUntilAuthorized(kube, user, rules);
  for (const rules of roleRules) await waitUntilAuthorized(kube, user, rules, name);
  return {
    namespace: name,
    serviceAccountName: saName,
    kubeconfig,
    async remove() {
      await kube.rbac.deleteClusterRoleBinding({ name }).catch(() => undefined);
      await kube.rbac.deleteClusterRole({ name }).catch(() => undefined);
      await kube.core.deleteNamespace({ name }).catch(() => undefined);
    },
  };
}

/** The authorizer caches RBAC objects from a watch: wait until it answers with the new rules. */
async function waitUntilAuthorized(kube: KubeClients, user: string, rules: V1PolicyRule[], namespace?: string): Promise<void> {
  const authz = kube.config.makeApiClient(AuthorizationV1Api);
  const first = rules.find((rule) => (rule.verbs[0] ?? '') !== '' && (rule.resources?.[0] ?? '') !== '');
  if (!first) return;
  const [resource = '', subresource] = (first.resources?.[0] ?? '').split('/');
  await waitFor(`RBAC for ${user} to take effect`, async () => {
    const review = await authz.createSubjectAccessReview({
      body: { spec: { user, resourceAttributes: {
        verb: first.verbs[0] ?? '', resource, group: first.apiGroups?.[0] ?? '', ...(subresource ? { subresource } : {}), ...(namespace ? { namespace } : {}),
      } } },
    });
    return { done: review.status?.allowed === true, seen: `allowed=${review.status?.allowed}` };
  }, { intervalMs: 50 });
}

/** Every (resource, verb) a set of rules grants, as `resource:verb`, in rule order. */
export function grants(rules: readonly V1PolicyRule[]): string[] {
  return rules.flatMap((rule) => (rule.resources ?? []).flatMap((resource) => rule.verbs.map((verb) => `${resource}:${verb}`)));
}

/** The rules without one `resource:verb` (a rule left with no verb is dropped). */
export function withoutGrant(rules: readonly V1PolicyRule[], grant: string): V1PolicyRule[] {
  const [resource, verb] = grant.split(':');
  return rules.flatMap((rule) => {
    if (!(rule.resources ?? []).includes(resource ?? '')) return [rule];
    // A rule naming several resources is split so only this resource loses the verb.
    const others = (rule.resources ?? []).filter((r) => r !== resource);
    const verbs = rule.verbs.filter((v) => v !== verb);
    return [
      ...(others.length > 0 ? [{ ...rule, resources: others }] : []),
      ...(verbs.length > 0 ? [{ ...rule, resources: [resource ?? ''], verbs }] : []),
    ];
  });
}
