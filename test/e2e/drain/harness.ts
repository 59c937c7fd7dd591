// What the drain e2e tests share: the engine built as the controller builds it (rate-limited
// clients from the environment's kubeconfig), a logger whose lines the test can read, fake nodes,
// pods pinned to them, and a recorder of pod watch events.
import { Writable } from 'node:stream';
import { Watch, type V1Pod, type V1PodSpec } from '@kubernetes/client-node';
import { DEFAULT_DRAIN_SETTINGS, type DrainSettings } from '../../../lib/drain/settings.ts';
import { createNodeOperator } from '../../../lib/drain/operator.ts';
import type { DrainRequest, NodeOperator } from '../../../lib/drain/types.ts';
import { createKubeClients, loadKubeConfig, type KubeClients as EngineClients } from '../../../lib/kube/client.ts';
import { createEventRecorder, type EventRecorder } from '../../../lib/kube/event-recorder.ts';
import { TokenBucket } from '../../../lib/kube/rate-limit.ts';
import { createLogger, type Logger } from '../../../lib/observe/logger.ts';
import type { SharedEnvironment } from '../../env/environment.ts';
import type { AwsClients } from '../../env/helpers/aws.ts';
import { createFleet } from '../../env/helpers/fleet.ts';
import type { KubeClients } from '../../env/helpers/kube.ts';
import { uniqueName, waitFor } from '../../env/helpers/wait.ts';

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface Engine {
  operator: NodeOperator;
  clients: EngineClients;
  limiter: TokenBucket;
  logs: LogLine[];
  logger: Logger;
  /** The engine's Event recorder: Events go out in the background, so flush() before reading them. */
  events: EventRecorder;
}

export function createEngine(
  env: Pick<SharedEnvironment, 'kubeconfig'>,
  settings: Partial<DrainSettings> = {},
  limits: { qps: number; burst: number } = { qps: 200, burst: 200 },
): Engine {
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line) as LogLine);
      if (process.env.NTH_TEST_LOGS) process.stderr.write(chunk);
      done();
    },
  });
  const logger = createLogger({ logLevel: 'debug', jsonLogging: true }, sink);
  const limiter = new TokenBucket(limits);
  const clients = createKubeClients(loadKubeConfig({ path: env.kubeconfig }), limiter);
  const drainSettings = { ...DEFAULT_DRAIN_SETTINGS, ...settings };
  // As the controller builds it (lib/controller/build.ts).
  const events = createEventRecorder(clients.core, {
    enabled: drainSettings.emitKubernetesEvents && !drainSettings.dryRun,
    extraAnnotations: drainSettings.kubernetesEventsExtraAnnotations,
    instance: drainSettings.podName,
    logger,
  });
  const operator = createNodeOperator({ kube: clients, settings: drainSettings, logger, recorder: events });
  return { operator, clients, limiter, logs, logger, events };
}

/** Ready KWOK nodes (through moto, as the controller would find them); returns their names. */
export async function createNodes(aws: AwsClients, kube: KubeClients, count: number, labels: Record<string, string> = {}): Promise<string[]> {
  const fleet = await createFleet(aws, kube, { count, labels });
  return fleet.instances.map((instance) => instance.nodeName);
}

let sequence = 0;

export function drainRequest(nodeName: string, deadlineInMs: number, extra: Partial<DrainRequest> = {}): DrainRequest {
  return {
    nodeName,
    eventId: `e2e-${Date.now().toString(36)}-${++sequence}`,
    kind: 'spot-interruption',
    instanceId: 'i-0123456789abcdef0',
    reason: 'e2e test',
    deadline: new Date(Date.now() + deadlineInMs),
    ...extra,
  };
}

export interface PodOptions {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  spec?: Partial<V1PodSpec>;
}

/** A bare pod bound to `nodeName` (no scheduler involved). */
export async function createPod(kube: KubeClients, namespace: string, name: string, nodeName: string, options: PodOptions = {}): Promise<V1Pod> {
  return kube.core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels: options.labels ?? {}, annotations: options.annotations ?? {} },
      spec: { nodeName, containers: [{ name: 'app', image: 'fake' }], terminationGracePeriodSeconds: 5, ...options.spec },
    },
  });
}

/** Waits until `count` pods of the namespace (matching `selector`, if given) run and are Ready. */
export async function waitForRunningPods(kube: KubeClients, namespace: string, count: number, labelSelector?: string): Promise<V1Pod[]> {
  const pods = await waitFor(`${count} running pods in ${namespace}${labelSelector ? ` (${labelSelector})` : ''}`, async () => {
    const list = await kube.core.listNamespacedPod({ namespace, ...(labelSelector ? { labelSelector } : {}) });
    const running = list.items.filter((pod) => isReady(pod) && !pod.metadata?.deletionTimestamp);
    return { done: running.length >= count, seen: list.items.map((p) => `${p.metadata?.name}:${p.status?.phase}`).join(', ') || 'none', value: running };
  }, { timeoutMs: 60_000 });
  return pods ?? [];
}

export function isReady(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export interface PodWatchEvent {
  type: string;
  pod: V1Pod;
  at: number;
}

/** Records every pod watch event of a namespace, in order, from now until stop(). */
export async function recordPodEvents(kube: KubeClients, namespace: string, onEvent?: (event: PodWatchEvent) => void): Promise<{ events: PodWatchEvent[]; stop: () => void }> {
  const events: PodWatchEvent[] = [];
  const list = await kube.core.listNamespacedPod({ namespace });
  for (const pod of list.items) events.push({ type: 'ADDED', pod, at: Date.now() });
  let stopped = false;
  let controller: AbortController | undefined;
  const start = async (resourceVersion: string): Promise<void> => {
    controller = await new Watch(kube.config).watch(`/api/v1/namespaces/${namespace}/pods`, { resourceVersion },
      (type: string, object: V1Pod) => {
        const event = { type, pod: object, at: Date.now() };
        events.push(event);
        onEvent?.(event);
      },
      () => {
        // An idle watch is closed after 30 s; carry on from the last version seen.
        const last = events.at(-1)?.pod.metadata?.resourceVersion ?? resourceVersion;
        if (!stopped) void start(last);
      });
  };
  await start(list.metadata?.resourceVersion ?? '');
  return { events, stop: () => { stopped = true; controller?.abort(); } };
}

/** Events recorded about a Node (Node events live in `default`). */
export async function nodeEvents(kube: KubeClients, nodeName: string): Promise<{ reason: string; message: string; type: string }[]> {
  const list = await kube.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.kind=Node,involvedObject.name=${nodeName}` });
  return list.items.map((event) => ({ reason: event.reason ?? '', message: event.message ?? '', type: event.type ?? '' }));
}

/**
 * The pods (namespace/name) of one test's namespace. The environment is shared under `npm test`:
 * a pod of another file with no node constraint may land on a fresh node of ours and be drained
 * too, so assertions look at their own namespace.
 */
export function inNamespace(namespace: string, pods: readonly string[] | undefined): string[] {
  return (pods ?? []).filter((pod) => pod.startsWith(`${namespace}/`)).sort();
}

export function testLabel(): Record<string, string> {
  return { 'nth-test/pool': uniqueName('pool') };
}
