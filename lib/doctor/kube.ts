// doctor, Kubernetes side: the API server answers and its version is one the test matrix covers;
// every permission of REQUIRED_ACCESS is granted (asked of the API server itself, so RBAC, webhooks
// and any other authorizer are all taken into account); evictions exist; Nodes carry AWS IDs.
import type { AuthorizationV1Api, CoreV1Api, V1SubjectAccessReviewSpec, VersionApi } from '@kubernetes/client-node';
import { evictionSupportFrom } from '../kube/discovery.ts';
import { parseServerVersion, TESTED_RANGE } from '../kube/version.ts';
import { accessName, accessRule, REQUIRED_ACCESS, type RequiredAccess } from './rbac.ts';
import { check, errorText, type CheckResult } from './types.ts';

export interface KubeCheckDeps {
  version: Pick<VersionApi, 'getCode'>;
  core: Pick<CoreV1Api, 'getAPIResources' | 'listNode'>;
  authorization: Pick<AuthorizationV1Api, 'createSelfSubjectAccessReview' | 'createSubjectAccessReview'>;
}

export interface KubeCheckInput {
  /** `namespace/name`: check that ServiceAccount (SubjectAccessReview) rather than the caller. */
  serviceAccount?: string;
  /** How the caller is named in the output (kubeconfig context, or "in-cluster"). */
  caller: string;
  /** The controller's namespace (NAMESPACE), where its claims (Leases) live. */
  namespace?: string;
}

export async function checkKubernetes(deps: KubeCheckDeps, input: KubeCheckInput): Promise<CheckResult[]> {
  let version;
  try {
    version = parseServerVersion(await deps.version.getCode());
  } catch (error) {
    return [check('kubernetes', 'fail', `cannot reach the Kubernetes API as ${input.caller}: ${errorText(error)}`,
      'check NTH_KUBECONFIG / KUBECONFIG (or run doctor in the pod for in-cluster credentials)')];
  }
  const results: CheckResult[] = [];
  results.push(version.withinTestedRange
    ? check('kubernetes', 'pass', `server ${version.gitVersion}, within the tested range ${TESTED_RANGE}`)
    : check('kubernetes', 'warn', `server ${version.gitVersion} is outside the tested range ${TESTED_RANGE}`,
      'it may well work; to know, run the e2e suite on that minor (K8S_VERSION=1.N npm run test:e2e)'));
  results.push(...await checkAccess(deps, input));
  results.push(await checkEvictions(deps));
  results.push(await checkNodes(deps));
  return results;
}

async function checkAccess(deps: KubeCheckDeps, input: KubeCheckInput): Promise<CheckResult[]> {
  const sa = input.serviceAccount?.split('/');
  const subject = sa !== undefined && sa.length === 2 ? { namespace: sa[0] ?? '', name: sa[1] ?? '' } : undefined;
  if (input.serviceAccount !== undefined && subject === undefined) {
    return [check('rbac', 'fail', `--service-account ${input.serviceAccount}: expected NAMESPACE/NAME`)];
  }
  const who = subject === undefined ? input.caller : `system:serviceaccount:${subject.namespace}:${subject.name}`;
  return await Promise.all(REQUIRED_ACCESS.map(async (access): Promise<CheckResult> => {
    try {
      const status = await review(deps, access, subject, subject?.namespace ?? input.namespace ?? 'node-termination-handler');
      if (status.allowed) return check('rbac', 'pass', `${accessName(access)}: allowed for ${who}`);
      const reason = status.reason ? ` (${status.reason})` : '';
      return check('rbac', 'fail', `${accessName(access)}: denied for ${who}${reason}; needed for ${access.why}`,
        `kubectl apply -k deploy/base (${access.namespace === 'own' ? 'Role' : 'ClusterRole'} node-termination-handler), or add the rule ${accessRule(access)} to the ${access.namespace === 'own' ? 'Role' : 'ClusterRole'} bound to it`);
    } catch (error) {
      return check('rbac', 'fail', `${accessName(access)}: the access review failed: ${errorText(error)}`,
        subject === undefined ? 'read the error; re-run doctor' : 'checking another subject needs create subjectaccessreviews; run doctor as that ServiceAccount instead');
    }
  }));
}

async function review(deps: KubeCheckDeps, access: RequiredAccess, subject: { namespace: string; name: string } | undefined, ownNamespace: string): Promise<{ allowed: boolean; reason?: string }> {
  const resourceAttributes = {
    group: access.group ?? '',
    resource: access.resource,
    verb: access.verb,
    ...(access.subresource === undefined ? {} : { subresource: access.subresource }),
    ...(access.namespace === '' ? {} : { namespace: ownNamespace }),
  };
  if (subject === undefined) {
    const out = await deps.authorization.createSelfSubjectAccessReview({
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes } },
    });
    return { allowed: out.status?.allowed === true, ...(out.status?.reason ? { reason: out.status.reason } : {}) };
  }
  const spec: V1SubjectAccessReviewSpec = {
    resourceAttributes,
    user: `system:serviceaccount:${subject.namespace}:${subject.name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${subject.namespace}`, 'system:authenticated'],
  };
  const out = await deps.authorization.createSubjectAccessReview({
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec },
  });
  return { allowed: out.status?.allowed === true, ...(out.status?.reason ? { reason: out.status.reason } : {}) };
}

async function checkEvictions(deps: KubeCheckDeps): Promise<CheckResult> {
  try {
    const support = evictionSupportFrom(await deps.core.getAPIResources());
    return support.mode === 'eviction'
      ? check('kubernetes', 'pass', `the eviction API is served (${support.groupVersion}): drains honour PodDisruptionBudgets`)
      : check('kubernetes', 'warn', 'the server offers no pods/eviction: drains delete pods, without PodDisruptionBudget checks',
        'upgrade the cluster (every supported Kubernetes serves policy/v1 evictions)');
  } catch (error) {
    return check('kubernetes', 'fail', `discovery (GET /api/v1) failed: ${errorText(error)}`, 'read the error; re-run doctor');
  }
}

async function checkNodes(deps: KubeCheckDeps): Promise<CheckResult> {
  try {
    const nodes = (await deps.core.listNode({})).items;
    const aws = nodes.filter((n) => n.spec?.providerID?.startsWith('aws://') === true).length;
    if (aws > 0) return check('kubernetes', 'pass', `${aws} of ${nodes.length} Node(s) have an aws:// providerID, so events find their Node without EC2`);
    return check('kubernetes', 'warn', `none of the ${nodes.length} Node(s) has an aws:// providerID: Nodes are found by EC2 PrivateDnsName only`,
      'fine on self-managed clusters named after PrivateDnsName; with USE_PROVIDER_ID=true no Node would be found');
  } catch (error) {
    return check('kubernetes', 'skip', `Nodes not listed: ${errorText(error)}`);
  }
}
