// Issue 5 acceptance: the kustomize overlays apply cleanly to a real apiserver of the matrix's
// version (server-side dry run, so every object passes validation and admission), and the
// namespace enforces the `restricted` Pod Security Standard while admitting the Deployment's pods.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FlowcontrolApiserverV1Api, type KubernetesObject, type V1ClusterRoleBinding, type V1Deployment, type V1FlowSchema, type V1Namespace, type V1Pod, type V1ServiceAccount } from '@kubernetes/client-node';
import { Agent, fetch as undiciFetch } from 'undici';
import { readFileSync } from 'node:fs';
import { apiMessage } from '../../../lib/kube/api-error.ts';
import { useEnvironment } from '../../env/environment.ts';
import { kubeClients, statusOf } from '../../env/helpers/kube.ts';
import { uniqueName, waitFor } from '../../env/helpers/wait.ts';
import { BASE_DIR, DEPLOY_DIR, findObject, kubectlFor, OVERLAYS, podSecurityWarnings, toYaml } from './kubectl.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const kubectl = await kubectlFor(env);
const flowcontrol = kube.config.makeApiClient(FlowcontrolApiserverV1Api);

const NAMESPACE = 'node-termination-handler';

describe('deploy/ manifests on a real apiserver', () => {
  for (const overlay of ['base', ...OVERLAYS.map((o) => `overlays/${o}`)]) {
    test(`${overlay}: server-side dry-run apply succeeds with no PodSecurity warning`, async () => {
      const dir = `${DEPLOY_DIR}${overlay}`;
      const objects = await kubectl.render(dir);
      // A dry run creates nothing, so the namespaced objects would find no namespace: the
      // Namespace is applied for real first (the same object, so the dry run reports it unchanged).
      const namespace = findObject<V1Namespace>(objects, 'Namespace', NAMESPACE);
      const real = await kubectl.run(['apply', '--server-side', '-f', '-'], toYaml([namespace]));
      assert.equal(real.code, 0, real.stderr);

      // How the pod gets AWS credentials: IRSA's role annotation, or nothing (Pod Identity).
      const annotations = findObject<V1ServiceAccount>(objects, 'ServiceAccount').metadata?.annotations ?? {};
      if (overlay === 'overlays/irsa') assert.match(annotations['eks.amazonaws.com/role-arn'] ?? '', /^arn:aws:iam::123456789012:role\//);
      else assert.equal(annotations['eks.amazonaws.com/role-arn'], undefined);

      const dry = await kubectl.run(['apply', '-k', dir, '--server-side', '--dry-run=server']);
      assert.equal(dry.code, 0, `kubectl apply -k ${overlay} --server-side --dry-run=server failed:\n${dry.stderr}`);
      assert.deepEqual(podSecurityWarnings(dry.stderr), [], 'the pod template meets the restricted standard');
      // One line per object, e.g. `clusterrole.rbac.authorization.k8s.io/x serverside-applied (server dry run)`.
      for (const object of objects) {
        const kind = object.kind?.toLowerCase() ?? '';
        const name = object.metadata?.name ?? '';
        const reported = dry.stdout.split('\n').some((l) => l.startsWith(kind) && l.includes(`/${name} `) && l.endsWith('(server dry run)'));
        assert.ok(reported, `${kind}/${name} in:\n${dry.stdout}`);
      }
    });
  }

  test('the namespace enforces restricted, and the Deployment\'s pods are admitted in it', async (t) => {
    // A real apply of a uniquely named copy (namespace and cluster-scoped names), so nothing here
    // touches the dry-run test's objects or another test file's.
    const copy = await renamedBaseCopy(uniqueName('nth-deploy'));
    t.after(() => copy.remove());
    const applied = await kubectl.run(['apply', '--server-side', '-f', '-'], toYaml(copy.objects));
    assert.equal(applied.code, 0, applied.stderr);
    assert.deepEqual(podSecurityWarnings(applied.stderr), []);

    const ns = await kube.core.readNamespace({ name: copy.namespace });
    assert.equal(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');

    // The ReplicaSet controller creates the pods; PodSecurity admission enforces on exactly that
    // create, so two pods existing means they were admitted (a refusal leaves FailedCreate).
    const pods = await waitFor('the Deployment\'s 2 pods to be created', async () => {
      const list = await kube.core.listNamespacedPod({ namespace: copy.namespace });
      return { done: list.items.length === 2, seen: `${list.items.length} pods`, value: list.items };
    });
    for (const pod of pods ?? []) assert.equal(pod.spec?.priorityClassName, 'system-cluster-critical');

    // And enforcement is really on: the same pod with one restricted field relaxed is refused.
    const template = findObject<V1Deployment>(copy.objects, 'Deployment').spec?.template;
    const container = template?.spec?.containers[0];
    assert.ok(template?.spec && container);
    const relaxed: V1Pod = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'relaxed', namespace: copy.namespace },
      spec: { ...template.spec, containers: [{ ...container, securityContext: { ...container.securityContext, allowPrivilegeEscalation: true } }] },
    };
    const refused = await kube.core.createNamespacedPod({ namespace: copy.namespace, body: relaxed, dryRun: 'All' }).then(() => undefined, (e: unknown) => e);
    assert.equal(statusOf(refused), 403, 'a pod allowing privilege escalation is refused');
    assert.match(apiMessage(refused), /violates PodSecurity "restricted/);
  });

  test('the FlowSchema puts the ServiceAccount\'s requests in workload-high', async (t) => {
    const copy = await renamedBaseCopy(uniqueName('nth-apf'));
    t.after(() => copy.remove());
    const applied = await kubectl.run(['apply', '--server-side', '-f', '-'], toYaml(copy.objects));
    assert.equal(applied.code, 0, applied.stderr);
    const serviceAccount = findObject<V1ServiceAccount>(copy.objects, 'ServiceAccount').metadata?.name ?? '';
    const request = await kube.core.createNamespacedServiceAccountToken({ name: serviceAccount, namespace: copy.namespace, body: { spec: { audiences: [], expirationSeconds: 600 } } });
    const schema = await flowcontrol.readFlowSchema({ name: copy.namespace });
    const level = await flowcontrol.readPriorityLevelConfiguration({ name: 'workload-high' });
    assert.equal(schema.spec?.priorityLevelConfiguration.name, 'workload-high');
    // The apiserver names the schema and level that classified a request in the answer's headers.
    const dispatcher = new Agent({ connect: { ca: readFileSync(env.kubeCaFile) } });
    t.after(() => dispatcher.close());
    await waitFor('the apiserver to classify the ServiceAccount\'s requests with the new FlowSchema', async () => {
      const answer = await undiciFetch(`${env.kubeServer}/api/v1/nodes?limit=1`, { headers: { authorization: `Bearer ${request.status?.token ?? ''}` }, dispatcher });
      await answer.body?.cancel();
      const seen = { status: answer.status, flowSchema: answer.headers.get('x-kubernetes-pf-flowschema-uid'), priorityLevel: answer.headers.get('x-kubernetes-pf-prioritylevel-uid') };
      return { done: seen.status === 200 && seen.flowSchema === schema.metadata?.uid && seen.priorityLevel === level.metadata?.uid, seen: JSON.stringify(seen) };
    });
  });
});

interface BaseCopy {
  namespace: string;
  objects: KubernetesObject[];
  remove(): Promise<void>;
}

/**
 * deploy/base with its namespace and cluster-scoped names replaced by `name`, and the pods kept
 * off every Node (a nodeSelector no Node has): admission is what is tested, and running replicas
 * on the shared fake Nodes would put pods (and a PDB) in other tests' drains.
 */
async function renamedBaseCopy(name: string): Promise<BaseCopy> {
  const objects = await kubectl.render(BASE_DIR);
  for (const object of objects) {
    const metadata = object.metadata ?? {};
    if (['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'FlowSchema'].includes(object.kind ?? '')) metadata.name = name;
    else metadata.namespace = name;
    if (object.kind === 'FlowSchema') {
      for (const rule of (object as V1FlowSchema).spec?.rules ?? []) {
        for (const subject of rule.subjects) if (subject.serviceAccount) subject.serviceAccount.namespace = name;
      }
    }
    if (object.kind === 'ClusterRoleBinding' || object.kind === 'RoleBinding') {
      const binding = object as V1ClusterRoleBinding;
      if (binding.roleRef.kind === 'ClusterRole') binding.roleRef.name = name;
      for (const subject of binding.subjects ?? []) subject.namespace = name;
    }
    if (object.kind === 'Deployment') {
      const spec = (object as V1Deployment).spec?.template.spec;
      if (spec) spec.nodeSelector = { 'nth.test/no-such-node': 'true' };
    }
  }
  return {
    namespace: name,
    objects,
    async remove() {
      await kube.rbac.deleteClusterRoleBinding({ name }).catch(() => undefined);
      await kube.rbac.deleteClusterRole({ name }).catch(() => undefined);
      await flowcontrol.deleteFlowSchema({ name }).catch(() => undefined);
      await kube.core.deleteNamespace({ name }).catch(() => undefined);
    },
  };
}
