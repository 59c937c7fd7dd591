// A real Kubernetes control plane on loopback: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and KWOK (fake kubelets for Nodes annotated kwok.x-k8s.io/node=fake), all from
// the binaries test/env/build/k8s.sh builds. No containers, no root, nothing outside 127.0.0.1.
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Binaries } from './binaries.ts';
import { httpsGet } from './http.ts';
import { createCa, createPki, issueServingCert, type Pki } from './pki.ts';
import { freePort } from './ports.ts';
import { type ManagedProcess, type ProcessGroup, type ProcessSpec, waitUntilReady, writeFile } from './process.ts';

export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
/**
 * A pod with this annotation (any value) is finished by KWOK only when its deletionTimestamp is
 * reached, as a kubelet honouring the grace period would; every other pod goes at once.
 */
export const KWOK_HONOR_GRACE_ANNOTATION = 'nth.test/honor-grace-period';

export interface ClusterInfo {
  version: string;
  server: string;
  /** Admin kubeconfig (system:masters through a static token). */
  kubeconfig: string;
  caFile: string;
  adminToken: string;
  dir: string;
}

export class Cluster {
  readonly info: ClusterInfo;
  readonly pki: Pki;
  private readonly group: ProcessGroup;
  private readonly apiserverSpec: ProcessSpec;
  private apiserver: ManagedProcess | undefined;

  private constructor(info: ClusterInfo, pki: Pki, group: ProcessGroup, apiserverSpec: ProcessSpec) {
    this.info = info;
    this.pki = pki;
    this.group = group;
    this.apiserverSpec = apiserverSpec;
  }

  static async start(binaries: Binaries, group: ProcessGroup): Promise<Cluster> {
    const dir = join(group.dir, 'cluster');
    mkdirSync(dir, { recursive: true });
    const pki = createPki(dir);
    const adminToken = randomBytes(24).toString('hex');
    const tokens = writeFile(join(dir, 'tokens.csv'), `${adminToken},admin,admin,"system:masters"\n`);
    const [etcdPort, etcdPeerPort, apiPort, kcmPort, schedulerPort, kwokPort] = await Promise.all(
      Array.from({ length: 6 }, () => freePort()),
    ) as [number, number, number, number, number, number];
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfig = writeFile(join(dir, 'kubeconfig'), kubeconfigFor(server, pki.caCert, adminToken));
    const info: ClusterInfo = { version: binaries.version, server, kubeconfig, caFile: pki.caCert, adminToken, dir };

    const etcd = group.start({
      name: 'etcd',
      command: join(binaries.etcdBin, 'etcd'),
      args: [
        '--name=default', `--data-dir=${join(dir, 'etcd-data')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdPort}`, `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-cluster=default=http://127.0.0.1:${etcdPeerPort}`,
        '--unsafe-no-fsync', '--log-level=warn', '--quota-backend-bytes=4294967296',
      ],
    });
    await waitUntilReady('etcd', etcd, async () => (await fetch(`http://127.0.0.1:${etcdPort}/health`)).ok, 30_000);

    const apiserverSpec: ProcessSpec = {
      name: 'kube-apiserver',
      command: join(binaries.k8sBin, 'kube-apiserver'),
      args: [
        `--etcd-servers=http://127.0.0.1:${etcdPort}`,
        '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`,
        `--cert-dir=${join(dir, 'apiserver-certs')}`,
        `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`,
        `--client-ca-file=${pki.caCert}`, `--token-auth-file=${tokens}`,
        '--authorization-mode=Node,RBAC',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki.serviceAccountPub}`, `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        '--service-cluster-ip-range=10.96.0.0/16',
        // The apiserver would otherwise publish 127.0.0.1 as the kubernetes Service endpoint,
        // which the Endpoints validation rejects; nothing in the cluster needs that Service.
        '--endpoint-reconciler-type=none',
        '--allow-privileged=true', '--profiling=false',
      ],
    };
    const cluster = new Cluster(info, pki, group, apiserverSpec);
    await cluster.startApiserver();

    const kcm = group.start({
      name: 'kube-controller-manager',
      command: join(binaries.k8sBin, 'kube-controller-manager'),
      args: [
        `--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--controllers=*',
        '--bind-address=127.0.0.1', `--secure-port=${kcmPort}`,
        `--service-account-private-key-file=${pki.serviceAccountKey}`, `--root-ca-file=${pki.caCert}`,
        `--cluster-signing-cert-file=${pki.caCert}`, `--cluster-signing-key-file=${pki.caKey}`,
        '--use-service-account-credentials=false',
        // Faster PDB and ReplicaSet reactions keep the e2e suite short; semantics are unchanged.
        '--concurrent-deployment-syncs=10', '--concurrent-replicaset-syncs=10',
        // client-go's 20 requests/s would make the benchmark's 10,000 pods take eight minutes to
        // create (bench/); a higher limit changes nothing for the tests' handful of objects.
        '--kube-api-qps=300', '--kube-api-burst=600',
      ],
    });
    const scheduler = group.start({
      name: 'kube-scheduler',
      command: join(binaries.k8sBin, 'kube-scheduler'),
      args: [`--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--bind-address=127.0.0.1', `--secure-port=${schedulerPort}`,
        '--kube-api-qps=300', '--kube-api-burst=600'], // binding the benchmark's pods, as above
    });
    const kwok = group.start({
      name: 'kwok',
      command: join(binaries.kwokBin, 'kwok'),
      args: [
        `--kubeconfig=${kubeconfig}`, '--manage-all-nodes=false',
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
        '--cidr=10.0.0.1/16', '--node-ip=10.0.0.1', '--node-lease-duration-seconds=40',
        `--server-address=127.0.0.1:${kwokPort}`,
        `--config=${writeFile(join(dir, 'kwok-pod-stages.yaml'), kwokPodStages())}`,
        `--config=${writeFile(join(dir, 'kwok-options.yaml'), kwokOptions())}`,
      ],
      env: { ...process.env, HOME: dir }, // kwok reads ~/.kwok/kwok.yaml; keep it from the user's home
    });
    await Promise.all([
      waitUntilReady('kube-controller-manager', kcm, async () => (await httpsGet(`https://127.0.0.1:${kcmPort}/healthz`, { insecure: true })).status === 200, 60_000),
      waitUntilReady('kube-scheduler', scheduler, async () => (await httpsGet(`https://127.0.0.1:${schedulerPort}/healthz`, { insecure: true })).status === 200, 60_000),
      waitUntilReady('kwok', kwok, async () => (await fetch(`http://127.0.0.1:${kwokPort}/healthz`)).ok, 60_000),
      // The serviceaccount controller creating `default` proves the controllers are working.
      waitUntilReady('kube-controller-manager (default ServiceAccount)', kcm, async () =>
        (await httpsGet(`${server}/api/v1/namespaces/default/serviceaccounts/default`, { caFile: pki.caCert, token: adminToken })).status === 200, 60_000),
    ]);
    return cluster;
  }

  /** Starts (or restarts, for fault tests) the apiserver and waits for /readyz. */
  async startApiserver(): Promise<void> {
    if (this.apiserver?.running) return;
    this.apiserver = this.group.start(this.apiserverSpec);
    await waitUntilReady('kube-apiserver /readyz', this.apiserver, async () =>
      (await httpsGet(`${this.info.server}/readyz`, { caFile: this.info.caFile, token: this.info.adminToken })).status === 200, 90_000);
  }

  /** Stops the apiserver only (the Kubernetes API is then down; fault tests start it again). */
  async stopApiserver(): Promise<void> {
    await this.apiserver?.stop();
  }

  /**
   * For CA-rotation tests: re-issues the apiserver's serving certificate under a new CA, restarts
   * the apiserver with it and returns the new CA's certificate file. `info.caFile` becomes a bundle
   * of the old and the new CA (as an operator distributes the new CA first), so this environment's
   * test clients, which read that file per request, keep working. kube-controller-manager, the
   * scheduler and KWOK keep the CA they loaded at start and lose the apiserver: use a private
   * environment (TestEnvironment.start()) and nothing that needs them afterwards.
   */
  async rotateServingCa(): Promise<string> {
    const name = `ca-${Date.now()}`;
    const ca = createCa(this.info.dir, name);
    const serving = issueServingCert(this.info.dir, `apiserver-${name}`, ca);
    writeFileSync(this.info.caFile, `${readFileSync(this.info.caFile, 'utf8').trimEnd()}\n${readFileSync(ca.cert, 'utf8')}`);
    await this.stopApiserver();
    // The apiserver's flags name these files; it reads them again when it starts.
    copyFileSync(serving.cert, this.pki.servingCert);
    copyFileSync(serving.key, this.pki.servingKey);
    await this.startApiserver();
    return ca.cert;
  }
}

/** How a kubeconfig's user signs in: a token, or a file holding one (re-read when it changes). */
export type KubeconfigCredential = string | { tokenFile: string };

/**
 * A one-cluster kubeconfig. Without `caFile` the server is not verified: only for a plain-HTTP
 * server on loopback (the benchmark's counting proxy), for which client-node insists on it.
 */
export function kubeconfigFor(server: string, caFile: string | undefined, credential: KubeconfigCredential, user = 'admin'): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'nth-test', cluster: caFile === undefined ? { server, 'insecure-skip-tls-verify': true } : { server, 'certificate-authority': caFile } }],
    users: [{ name: user, user: typeof credential === 'string' ? { token: credential } : credential }],
    contexts: [{ name: 'nth-test', context: { cluster: 'nth-test', user } }],
    'current-context': 'nth-test',
  }, null, 2);
}

/**
 * KWOK works on 4 pods and 4 nodes at a time by default: the benchmark's storms (bench/) evict
 * thousands of pods at once, and at 4 a deleted pod waited tens of seconds for KWOK to finish it.
 * The tests' few pods see no difference.
 */
export function kwokOptions(): string {
  return `${JSON.stringify({
    apiVersion: 'config.kwok.x-k8s.io/v1alpha1',
    kind: 'KwokConfiguration',
    options: { podPlayStageParallelism: 16, nodePlayStageParallelism: 8, nodeLeaseParallelism: 8, podsOnNodeSyncParallelism: 4 },
  })}\n`;
}

/**
 * KWOK's pod lifecycle as Stage documents (JSON is YAML, so no YAML library is needed). Giving KWOK
 * any pod stage replaces all of its built-in ones, so this repeats their behaviour (pods turn
 * Ready/Running, Job pods complete, a deleted pod is removed at once) and adds one rule: a pod
 * annotated KWOK_HONOR_GRACE_ANNOTATION is removed when its deletionTimestamp arrives, so tests
 * can watch a pod terminate for the grace period an eviction gave it. Node stages stay KWOK's own.
 */
export function kwokPodStages(): string {
  const pod = { apiGroup: 'v1', kind: 'Pod' };
  const exists = (key: string) => ({ key, operator: 'Exists' });
  const absent = (key: string) => ({ key, operator: 'DoesNotExist' });
  const honorsGrace = `.metadata.annotations["${KWOK_HONOR_GRACE_ANNOTATION}"]`;
  const remove = { finalizers: { empty: true }, delete: true };
  const stage = (name: string, spec: Record<string, unknown>) =>
    JSON.stringify({ apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'Stage', metadata: { name }, spec: { resourceRef: pod, ...spec } });
  const running = [
    '{{ $now := Now }}',
    'conditions:',
    '- {type: Initialized, status: "True", lastTransitionTime: {{ $now | Quote }}}',
    '- {type: Ready, status: "True", lastTransitionTime: {{ $now | Quote }}}',
    '- {type: ContainersReady, status: "True", lastTransitionTime: {{ $now | Quote }}}',
    '{{ range .spec.readinessGates }}',
    '- {type: {{ .conditionType | Quote }}, status: "True", lastTransitionTime: {{ $now | Quote }}}',
    '{{ end }}',
    'containerStatuses:',
    '{{ range .spec.containers }}',
    '- {name: {{ .name | Quote }}, image: {{ .image | Quote }}, ready: true, restartCount: 0, state: {running: {startedAt: {{ $now | Quote }}}}}',
    '{{ end }}',
    'initContainerStatuses:',
    '{{ range .spec.initContainers }}',
    '{{ if eq .restartPolicy "Always" }}', // a sidecar keeps running
    '- {name: {{ .name | Quote }}, image: {{ .image | Quote }}, ready: true, restartCount: 0, started: true, state: {running: {startedAt: {{ $now | Quote }}}}}',
    '{{ else }}',
    '- {name: {{ .name | Quote }}, image: {{ .image | Quote }}, ready: true, restartCount: 0, state: {terminated: {exitCode: 0, reason: Completed, startedAt: {{ $now | Quote }}, finishedAt: {{ $now | Quote }}}}}',
    '{{ end }}',
    '{{ end }}',
    'hostIP: {{ NodeIPWith .spec.nodeName | Quote }}',
    'podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}',
    'phase: Running',
    'startTime: {{ $now | Quote }}',
  ].join('\n');
  const completed = [
    '{{ $now := Now }}',
    'containerStatuses:',
    '{{ range .spec.containers }}',
    '- {name: {{ .name | Quote }}, image: {{ .image | Quote }}, ready: false, started: false, restartCount: 0, state: {terminated: {exitCode: 0, reason: Completed, startedAt: {{ $now | Quote }}, finishedAt: {{ $now | Quote }}}}}',
    '{{ end }}',
    'phase: Succeeded',
  ].join('\n');
  return [
    stage('nth-pod-ready', {
      selector: { matchExpressions: [absent('.metadata.deletionTimestamp'), absent('.status.podIP')] },
      next: { statusTemplate: running },
    }),
    stage('nth-pod-complete', {
      selector: { matchExpressions: [absent('.metadata.deletionTimestamp'),
        { key: '.status.phase', operator: 'In', values: ['Running'] },
        { key: '.metadata.ownerReferences.[].kind', operator: 'In', values: ['Job'] }] },
      next: { statusTemplate: completed },
    }),
    stage('nth-pod-delete', {
      selector: { matchExpressions: [exists('.metadata.deletionTimestamp'), absent(honorsGrace)] },
      next: remove,
    }),
    stage('nth-pod-delete-after-grace', {
      selector: { matchExpressions: [exists('.metadata.deletionTimestamp'), exists(honorsGrace)] },
      // A time value is turned into "that time minus now" by KWOK.
      delay: { durationMilliseconds: 0, durationFrom: { expressionFrom: '.metadata.deletionTimestamp' } },
      next: remove,
    }),
  ].join('\n---\n') + '\n';
}
