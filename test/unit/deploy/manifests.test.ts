// deploy/ as written, without a cluster: the promises of issue 5 that are facts of the YAML (the
// e2e tests in test/e2e/deploy/ apply it): the namespace and its Pod Security level, the
// Deployment's shape and security context, ports and probes that agree with the settings, and a
// ServiceAccount that is the one the CDK stack's IAM role trusts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type {
  KubernetesObject, V1ClusterRole, V1ClusterRoleBinding, V1Deployment, V1Namespace, V1PodDisruptionBudget, V1Role, V1Service, V1ServiceAccount, V1FlowSchema,
} from '@kubernetes/client-node';
import { synthesizeTemplate } from '../../../infra/stack.ts';
import { loadConfig, OPTIONS } from '../../../lib/config/index.ts';
import { READINESS_PATH } from '../../../lib/observe/servers.ts';
import { readEnvFile, readObjects, readYaml, ROOT } from './source.ts';

const NAMESPACE = 'node-termination-handler';
const kustomization = readYaml('deploy/base/kustomization.yaml') as {
  resources: string[];
  configMapGenerator: { name: string; namespace: string; envs: string[] }[];
  images: { name: string; newTag: string }[];
};
const objects = kustomization.resources.flatMap((file) => readObjects(`deploy/base/${file}`));
const settings = readEnvFile(`deploy/base/${kustomization.configMapGenerator[0]?.envs[0] ?? ''}`);

function one<T extends KubernetesObject>(kind: string): T {
  const found = objects.filter((o) => o.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0] as T;
}

const deployment = one<V1Deployment>('Deployment');
const pod = deployment.spec?.template;
const container = pod?.spec?.containers[0];
const serviceAccount = one<V1ServiceAccount>('ServiceAccount');
const saRef = `${serviceAccount.metadata?.namespace ?? ''}/${serviceAccount.metadata?.name ?? ''}`;

describe('deploy/base', () => {
  test('lists every manifest of its folder, and leaves deploy/monitoring out (it needs the Prometheus Operator)', () => {
    const files = readdirSync(`${ROOT}/deploy/base`).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
    assert.deepEqual([...kustomization.resources].sort(), files);
    for (const dir of ['deploy/base', 'deploy/overlays/irsa', 'deploy/overlays/pod-identity']) {
      assert.doesNotMatch(JSON.stringify(readYaml(`${dir}/kustomization.yaml`)), /monitoring/, dir);
    }
  });

  test('everything lives in its own namespace, which enforces the restricted Pod Security Standard', () => {
    const namespace = one<V1Namespace>('Namespace');
    assert.equal(namespace.metadata?.name, NAMESPACE);
    assert.equal(namespace.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
    for (const object of objects) {
      if (['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'FlowSchema'].includes(object.kind ?? '')) continue;
      assert.equal(object.metadata?.namespace, NAMESPACE, `${object.kind}/${object.metadata?.name}`);
    }
    assert.equal(kustomization.configMapGenerator[0]?.namespace, NAMESPACE);
  });

  test('the FlowSchema matches exactly the controller\'s ServiceAccount, ahead of the built-in service-accounts schema', () => {
    const schema = one<V1FlowSchema>('FlowSchema');
    const account = one<V1ServiceAccount>('ServiceAccount');
    assert.ok((schema.spec?.matchingPrecedence ?? 10_000) < 9000, 'the built-in service-accounts schema has precedence 9000');
    assert.deepEqual(JSON.parse(JSON.stringify(schema.spec?.rules?.flatMap((rule) => rule.subjects))), [
      { kind: 'ServiceAccount', serviceAccount: { name: account.metadata?.name, namespace: account.metadata?.namespace } },
    ]);
  });

  test('the ServiceAccount is the one the docs give the CDK stack, and the IAM role trusts it', () => {
    const context = `-c serviceAccount=${saRef}`;
    for (const doc of ['README.md', 'deploy/overlays/irsa/kustomization.yaml', 'deploy/overlays/pod-identity/kustomization.yaml']) {
      assert.ok(readFileSync(`${ROOT}/${doc}`, 'utf8').includes(context), `${doc} passes ${context}`);
    }
    // One synthesis with both trusts (IRSA and Pod Identity) and the association.
    const template = JSON.stringify(synthesizeTemplate({
      serviceAccount: saRef, clusterName: 'demo', podIdentity: 'true',
      oidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE',
    }));
    assert.ok(template.includes(`system:serviceaccount:${NAMESPACE}:${serviceAccount.metadata?.name ?? ''}`), 'IRSA trust names the ServiceAccount');
    assert.ok(template.includes(`"aws:RequestTag/kubernetes-namespace":"${NAMESPACE}"`), 'Pod Identity trust names the namespace');
    assert.ok(template.includes(`"ServiceAccount":"${serviceAccount.metadata?.name ?? ''}"`), 'the association names the ServiceAccount');
  });

  test('Deployment: 2 replicas spread over nodes, system-cluster-critical, no surge below 2', () => {
    assert.equal(deployment.spec?.replicas, 2);
    assert.equal(deployment.spec?.strategy?.rollingUpdate?.maxUnavailable, 0);
    assert.equal(pod?.spec?.priorityClassName, 'system-cluster-critical');
    assert.equal(pod?.spec?.serviceAccountName, serviceAccount.metadata?.name);
    const byHost = pod?.spec?.topologySpreadConstraints?.find((c) => c.topologyKey === 'kubernetes.io/hostname');
    assert.equal(byHost?.whenUnsatisfiable, 'DoNotSchedule');
    assert.deepEqual(byHost?.labelSelector?.matchLabels, deployment.spec?.selector.matchLabels);
  });

  test('the restricted security context: non-root, read-only root, no capabilities, RuntimeDefault seccomp', () => {
    const podContext = pod?.spec?.securityContext;
    assert.equal(podContext?.runAsNonRoot, true);
    assert.equal(podContext?.seccompProfile?.type, 'RuntimeDefault');
    const ctx = container?.securityContext;
    assert.equal(ctx?.readOnlyRootFilesystem, true);
    assert.equal(ctx?.allowPrivilegeEscalation, false);
    assert.deepEqual(ctx?.capabilities?.drop, ['ALL']);
    assert.equal(ctx?.capabilities?.add, undefined);
    // The same user the image runs as.
    const user = /^USER\s+(\d+)/m.exec(readFileSync(`${ROOT}/Dockerfile`, 'utf8'))?.[1];
    assert.equal(String(podContext?.runAsUser), user);
    assert.ok(container?.resources?.requests?.cpu && container.resources.requests.memory && container.resources.limits?.memory, 'requests and a memory limit');
  });

  test('probes and ports agree with the settings, and the metrics Service reaches the metrics port', () => {
    const port = (name: string) => container?.ports?.find((p) => p.name === name)?.containerPort;
    assert.equal(port('probes'), 8080);
    assert.equal(String(port('probes')), settings.PROBES_SERVER_PORT);
    assert.equal(port('metrics'), 9092);
    assert.equal(String(port('metrics')), settings.PROMETHEUS_SERVER_PORT);
    assert.equal(container?.livenessProbe?.httpGet?.path, settings.PROBES_SERVER_ENDPOINT);
    assert.equal(container?.livenessProbe?.httpGet?.port, 'probes');
    assert.equal(container?.readinessProbe?.httpGet?.path, READINESS_PATH);
    assert.equal(container?.readinessProbe?.httpGet?.port, 'probes');
    const service = one<V1Service>('Service');
    assert.deepEqual(service.spec?.ports?.map((p) => [p.port, p.targetPort]), [[9092, 'metrics']]);
    assert.deepEqual(service.spec?.selector, pod?.metadata?.labels);
    assert.deepEqual(one<V1PodDisruptionBudget>('PodDisruptionBudget').spec?.selector?.matchLabels, deployment.spec?.selector.matchLabels);
  });

  test('settings come from the generated ConfigMap, POD_NAME and NAMESPACE from the downward API', () => {
    assert.deepEqual(container?.envFrom?.map((e) => e.configMapRef?.name), [kustomization.configMapGenerator[0]?.name]);
    const fieldRef = (name: string) => container?.env?.find((e) => e.name === name)?.valueFrom?.fieldRef?.fieldPath;
    assert.equal(fieldRef('POD_NAME'), 'metadata.name');
    assert.equal(fieldRef('NAMESPACE'), 'metadata.namespace');
    assert.deepEqual(container?.args, ['run']);
  });

  test('settings.env names only known options, and they load (QUEUE_URL set, so the image never needs test/)', () => {
    const known = new Set(OPTIONS.flatMap((o) => o.spec.env));
    for (const key of Object.keys(settings)) assert.ok(known.has(key), `${key} is an option`);
    const config = loadConfig({ argv: [], env: { ...settings, POD_NAME: 'nth-0', NAMESPACE } });
    assert.match(config.queueUrl, /^https:\/\/sqs\.[a-z0-9-]+\.amazonaws\.com\/123456789012\//);
  });

  test('RBAC: bound to the ServiceAccount, no wildcards, nothing secret', () => {
    const subjects = [one<V1ClusterRoleBinding>('ClusterRoleBinding'), ...objects.filter((o) => o.kind === 'RoleBinding')]
      .flatMap((b) => (b as V1ClusterRoleBinding).subjects ?? []);
    for (const subject of subjects) assert.equal(`${subject.namespace ?? ''}/${subject.name}`, saRef);
    const rules = [one<V1ClusterRole>('ClusterRole'), ...objects.filter((o): o is V1Role => o.kind === 'Role')].flatMap((r) => r.rules ?? []);
    for (const rule of rules) {
      for (const value of [...rule.verbs, ...(rule.resources ?? []), ...(rule.apiGroups ?? [])]) assert.notEqual(value, '*');
      for (const resource of rule.resources ?? []) assert.ok(!['secrets', 'configmaps', 'serviceaccounts/token'].includes(resource), resource);
    }
  });

  test('the image is the package\'s version', () => {
    const version = (JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { version: string }).version;
    assert.deepEqual(kustomization.images.map((i) => [i.name, i.newTag]), [[container?.image, version]]);
  });
});

describe('deploy/overlays', () => {
  test('irsa annotates the ServiceAccount with the role (example account 123456789012)', () => {
    const overlay = readYaml('deploy/overlays/irsa/kustomization.yaml') as { resources: string[]; patches: { patch: string; target: { kind: string } }[] };
    assert.deepEqual(overlay.resources, ['../../base']);
    const [patch] = overlay.patches;
    assert.equal(patch?.target.kind, 'ServiceAccount');
    assert.match(patch?.patch ?? '', /eks\.amazonaws\.com\/role-arn: arn:aws:iam::123456789012:role\/\S+/);
  });

  test('pod-identity adds nothing to the base (the association lives in EKS)', () => {
    const overlay = readYaml('deploy/overlays/pod-identity/kustomization.yaml');
    assert.deepEqual(Object.keys(overlay).sort(), ['apiVersion', 'kind', 'resources']);
    assert.match(readFileSync(`${ROOT}/deploy/overlays/pod-identity/kustomization.yaml`, 'utf8'), /create-pod-identity-association/);
  });
});
