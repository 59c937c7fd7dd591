// One measured run: build the scenario, put the counting proxies and the watches in place, start
// the handler, send the storm, wait until every targeted node is drained (and its message deleted,
// its hook completed), stop the handler, and turn what was seen into a RunResult.
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { TestEnvironment } from '../test/env/environment.ts';
import type { AwsClients } from '../test/env/helpers/aws.ts';
import type { KubeClients } from '../test/env/helpers/kube.ts';
import { createQueueWithRules } from '../test/env/helpers/queue.ts';
import { sleep } from '../test/env/helpers/wait.ts';
import { TEST_CREDENTIALS } from '../test/env/moto.ts';
import { HandlerProcess } from './handler.ts';
import { handlerToken } from './identity.ts';
import { buildEvent, inject, startLifecycleActions, type EventKindOption } from './inject.ts';
import { startAwsProxy, startKubeProxy } from './proxy.ts';
import { distributions, summarizeRequests, type NodeTimeline, type RunResult } from './report.ts';
import { createScenario, RUN_LABEL, type Scenario } from './scenario.ts';
import { CordonWatch, PodDeletionWatch } from './watch.ts';
import { kubeconfigFor } from '../test/env/cluster.ts';

export interface RunOptions {
  label: string;
  runId: string;
  /** argv (our controller) or a shell command line (--compare). */
  command: string[] | string;
  /** Shown in the report. */
  commandText: string;
  nodes: number;
  podsPerNode: number;
  daemonSets: number;
  pdbMaxUnavailable: string;
  replicaSetsPerNode: number;
  events: number;
  withinSeconds: number;
  kind: EventKindOption;
  handlerEnv: Record<string, string>;
  timeoutSeconds: number;
  /** Where logs, kubeconfigs and profiles go. */
  workDir: string;
  heapSnapshot: boolean;
  /** Classify the handler's requests with deploy/base/flowschema.yaml, as deployed. */
  flowSchema: boolean;
  log: (line: string) => void;
}

export interface Context {
  env: TestEnvironment;
  kube: KubeClients;
  aws: AwsClients;
  repoRoot: string;
}

export async function measureRun(ctx: Context, o: RunOptions): Promise<{ result: RunResult; scenario: Scenario }> {
  // Whatever happens, the handler, the proxies and the watches end with the run.
  const closers: (() => unknown)[] = [];
  try {
    return await measure(ctx, o, closers);
  } finally {
    for (const close of closers.reverse()) await close();
  }
}

async function measure(ctx: Context, o: RunOptions, closers: (() => unknown)[]): Promise<{ result: RunResult; scenario: Scenario }> {
  const { env, kube, aws, log } = { ...ctx, log: o.log };
  log(`[${o.label}] creating ${o.nodes} nodes × ${o.podsPerNode} pods`);
  const scenario = await createScenario(aws, kube, {
    runId: o.runId, nodes: o.nodes, podsPerNode: o.podsPerNode, daemonSets: o.daemonSets,
    pdbMaxUnavailable: o.pdbMaxUnavailable, replicaSetsPerNode: o.replicaSetsPerNode, terminateHook: o.kind === 'asg', log,
  });
  const targets = scenario.instances.slice(0, o.events);
  const queue = await createQueueWithRules(aws, { name: `bench-${o.runId}`, ownEventBus: true });
  const hook = scenario.terminateHookName ? { autoScalingGroupName: scenario.autoScalingGroupName, lifecycleHookName: scenario.terminateHookName } : undefined;
  const tokens = hook ? await startLifecycleActions(env.moto, hook, targets) : new Map<string, string>();

  const cluster = env.cluster.info;
  const upstream = { server: cluster.server, caFile: cluster.caFile, token: cluster.adminToken };
  const cordons = new CordonWatch(upstream, `${RUN_LABEL}=${o.runId}`);
  const deletions = new PodDeletionWatch(upstream, scenario.namespace, scenario.podsResourceVersion);
  closers.push(() => cordons.stop(), () => deletions.stop());

  // What the proxies see, keyed by pod UID and instance ID.
  const evictedAt = new Map<string, number>();
  const receivedAt = new Map<string, number>();
  const deletedAt = new Map<string, number>();
  const handleToInstance = new Map<string, string>();
  const acceptedAt = new Map<string, number>();
  const kubeProxy = await startKubeProxy(cluster, (call, at, answered) => {
    const evicting = (call.verb === 'create' && call.resource === 'pods/eviction') || (call.verb === 'delete' && call.resource === 'pods');
    if (!evicting || call.namespace !== scenario.namespace) return;
    const uid = scenario.podUids.get(`${call.namespace}/${call.name ?? ''}`);
    if (!uid) return;
    if (!evictedAt.has(uid)) evictedAt.set(uid, at);
    void answered.then((status) => {
      if (status >= 200 && status < 300 && !acceptedAt.has(uid)) acceptedAt.set(uid, Date.now());
    });
  });
  const awsProxy = await startAwsProxy(env.moto.endpoint, {
    received(messages, at) {
      for (const m of messages) {
        const instanceId = instanceOf(m.body);
        if (!instanceId) continue;
        handleToInstance.set(m.receiptHandle, instanceId);
        if (!receivedAt.has(instanceId)) receivedAt.set(instanceId, at);
      }
    },
    deleted(handles, at) {
      for (const handle of handles) {
        const instanceId = handleToInstance.get(handle);
        if (instanceId && !deletedAt.has(instanceId)) deletedAt.set(instanceId, at);
      }
    },
  });
  closers.push(() => kubeProxy.close(), () => awsProxy.close());

  const kubeconfig = join(o.workDir, `${o.runId}.kubeconfig`);
  writeFileSync(kubeconfig, kubeconfigFor(kubeProxy.url, undefined, await handlerToken(kube, { flowSchema: o.flowSchema }), 'bench'), { mode: 0o600 });
  const logFile = join(o.workDir, `${o.runId}.log`);
  const queueUrl = queue.queueUrl.replace(/^https?:\/\/[^/]+/, awsProxy.url);
  const handler = new HandlerProcess({
    command: o.command, cwd: ctx.repoRoot, logFile, reaperPids: join(env.coordinates.dir, 'pids'),
    env: {
      // Not the test run's environment coordinates (when a test runs the bench): the handler
      // refuses NTH_ variables that are no setting of its own.
      ...withoutTestCoordinates(process.env),
      QUEUE_URL: queueUrl, AWS_ENDPOINT: awsProxy.url, AWS_REGION: env.coordinates.region,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      NTH_KUBECONFIG: kubeconfig, KUBECONFIG: kubeconfig,
      JSON_LOGGING: 'true', LOG_LEVEL: 'info', ENABLE_PROMETHEUS_SERVER: 'false', ENABLE_PROBES_SERVER: 'false',
      ...o.handlerEnv,
    },
  });
  closers.push(() => handler.stop());
  const waitStart = Date.now();
  log(`[${o.label}] handler started (pid ${handler.pid}); log ${logFile}`);
  while (!awsProxy.records.some((r) => r.operation === 'ReceiveMessage')) {
    if (!handler.alive) throw new Error(`the handler exited before polling the queue; log ${logFile}:\n${tail(logFile)}`);
    if (Date.now() - waitStart > 180_000) throw new Error(`the handler did not poll the queue within 180 s; log ${logFile}:\n${tail(logFile)}`);
    await sleep(100);
  }
  await sleep(1000);
  const loadStart = loadavg().map((v) => Number(v.toFixed(2)));
  log(`[${o.label}] handler polling after ${((Date.now() - waitStart) / 1000).toFixed(1)} s; sending ${targets.length} ${o.kind} events within ${o.withinSeconds} s (load ${loadStart.join(' ')})`);
  const started = Date.now();
  const benchCpu = process.cpuUsage();
  const injection = await inject(aws, queue.eventBusName, targets, o.withinSeconds, (instance, index) =>
    buildEvent(o.kind, o.runId, index, instance, hook ? { ...hook, token: tokens.get(instance.instanceId) ?? '' } : undefined));

  const evictable = new Map<string, string[]>(); // node → UIDs it must lose
  for (const [uid, pod] of scenario.pods) if (!pod.daemonSet) evictable.set(pod.node, [...(evictable.get(pod.node) ?? []), uid]);
  let hooksDone = Object.assign(new Map<string, number>(), { tried: new Set<string>() });
  const drainedNodes = (): number => targets.filter((t) => (evictable.get(t.nodeName) ?? []).every((uid) => deletions.deletedAt.has(uid))).length;
  let complete = false;
  let snapshotTaken = false;
  let lastReport = Date.now();
  const deadline = injection.lastSentAt + o.timeoutSeconds * 1000;
  while (Date.now() < deadline && handler.alive) {
    if (hook) hooksDone = await completedHooks(env, scenario.autoScalingGroupName);
    const drained = drainedNodes();
    if (o.heapSnapshot && !snapshotTaken && drained >= targets.length / 2) {
      handler.signal('SIGUSR2'); // --heapsnapshot-signal: a snapshot in the middle of the storm
      snapshotTaken = true;
    }
    const deleted = targets.filter((t) => deletedAt.has(t.instanceId)).length;
    // A completion moto refused still ends the wait (the report counts only accepted ones).
    complete = drained === targets.length && deleted === targets.length && (!hook || targets.every((t) => hooksDone.tried.has(t.instanceId)));
    if (complete) break;
    if (Date.now() - lastReport > 10_000) {
      log(`  ${((Date.now() - started) / 1000).toFixed(0)} s: received ${receivedAt.size}, cordoned ${cordons.cordonedAt.size}, drained ${drained}, messages deleted ${deleted}${hook ? `, hooks ${hooksDone.size}` : ''} of ${targets.length}; load ${loadavg()[0]?.toFixed(2)}`);
      lastReport = Date.now();
    }
    await sleep(hook ? 1000 : 250);
  }
  if (hook) hooksDone = await completedHooks(env, scenario.autoScalingGroupName);
  const loadEnd = loadavg().map((v) => Number(v.toFixed(2)));
  const wallSeconds = (Date.now() - started) / 1000;
  const benchCpuUsed = process.cpuUsage(benchCpu);
  const usage = await handler.stop();
  const exit = await handler.exited;

  const nodes: NodeTimeline[] = targets.map((t) => {
    const uids = evictable.get(t.nodeName) ?? [];
    const evictions = uids.map((uid) => evictedAt.get(uid)).filter((v): v is number => v !== undefined);
    const gone = uids.map((uid) => deletions.deletedAt.get(uid)).filter((v): v is number => v !== undefined);
    const milestones: NodeTimeline['milestones'] = {};
    const set = (key: keyof NodeTimeline['milestones'], value: number | undefined): void => {
      if (value !== undefined) milestones[key] = value;
    };
    set('received', receivedAt.get(t.instanceId));
    set('cordoned', cordons.cordonedAt.get(t.nodeName));
    set('evictionsIssued', uids.length > 0 && evictions.length === uids.length ? Math.max(...evictions) : undefined);
    const accepted = uids.map((uid) => acceptedAt.get(uid)).filter((v): v is number => v !== undefined);
    set('evictionsAccepted', uids.length > 0 && accepted.length === uids.length ? Math.max(...accepted) : undefined);
    set('drained', uids.length > 0 && gone.length === uids.length ? Math.max(...gone) : undefined);
    set('hookCompleted', hooksDone.get(t.instanceId));
    set('messageDeleted', deletedAt.get(t.instanceId));
    return { node: t.nodeName, instanceId: t.instanceId, sent: injection.sentAt.get(t.instanceId) ?? injection.firstSentAt, milestones, evictable: uids.length, evictionsSeen: evictions.length };
  });
  const awsByService: Record<string, number> = {};
  for (const r of awsProxy.records) awsByService[r.target] = (awsByService[r.target] ?? 0) + 1;
  const result: RunResult = {
    label: o.label, command: o.commandText, targeted: targets.length,
    timings: distributions(nodes),
    requests: {
      kubernetes: summarizeRequests(kubeProxy.records, targets.length, kubeProxy.connections),
      aws: summarizeRequests(awsProxy.records, targets.length, awsProxy.connections), awsByService,
    },
    process: { peakRssMiB: usage.peakRssBytes / 2 ** 20, cpuSeconds: usage.cpuSeconds },
    handlerExit: exit, logLevels: logLevels(logFile), wallSeconds,
    benchCpuSeconds: (benchCpuUsed.user + benchCpuUsed.system) / 1e6,
    storm: { sendSpanSeconds: (injection.lastSentAt - injection.firstSentAt) / 1000, putEventsMs: injection.putEventsMs },
    loadAverage: { start: loadStart, end: loadEnd }, complete, nodes,
  };
  return { result, scenario };
}

/** The instance a queued message is about (EventBridge spot warning or ASG lifecycle action). */
function instanceOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { detail?: Record<string, unknown>; Message?: string };
    const detail = parsed.detail ?? (parsed.Message ? (JSON.parse(parsed.Message) as { detail?: Record<string, unknown> }).detail : undefined);
    const id = detail?.['instance-id'] ?? detail?.EC2InstanceId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Instance → when its hook was completed (outcome ok); `tried` has every instance with any completion call. */
async function completedHooks(env: TestEnvironment, group: string): Promise<Map<string, number> & { tried: Set<string> }> {
  const done = Object.assign(new Map<string, number>(), { tried: new Set<string>() });
  for (const call of await env.moto.lifecycleCalls()) {
    if (call.autoScalingGroupName !== group || call.call !== 'CompleteLifecycleAction' || !call.instanceId) continue;
    done.tried.add(call.instanceId);
    if (call.outcome === 'ok' && !done.has(call.instanceId)) done.set(call.instanceId, call.time * 1000);
  }
  return done;
}

function withoutTestCoordinates(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NTH_TEST_ENVIRONMENT: _coordinates, ...rest } = env;
  return rest;
}

function logLevels(file: string): Record<string, number> {
  const names: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
  const counts: Record<string, number> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const level = (JSON.parse(line) as { level?: number | string }).level;
      const name = typeof level === 'number' ? (names[level] ?? String(level)) : String(level);
      counts[name] = (counts[name] ?? 0) + 1;
    } catch {
      counts.unparsed = (counts.unparsed ?? 0) + 1;
    }
  }
  return counts;
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
