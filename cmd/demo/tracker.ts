// What the demo's view shows, read from the servers as a user would (never from inside the
// controller): Nodes and our annotations on them, the pods left on each, the controller's
// Kubernetes Events, moto's record of lifecycle calls, and the queue's depth.
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { CoreV1Event, V1Node, V1Pod } from '@kubernetes/client-node';
import { NODE_ANNOTATIONS } from '../../lib/drain/annotations.ts';
import type { LocalEnvironment } from '../local.ts';
import type { NodeState, PlannedStep } from './scenario.ts';
import { DEMO_NAMESPACE } from './workloads.ts';

export interface NodeRow {
  nodeName: string;
  instanceId: string;
  planned?: PlannedStep;
  state: NodeState;
  /** Pods that a drain must move (not DaemonSet pods, not finished), terminating ones included. */
  podsLeft: number;
  terminating: number;
  daemonPods: number;
  /** Epoch milliseconds; undefined until it happened. */
  sentAt?: number;
  cordonedAt?: number;
  drainedAt?: number;
  hookAt?: number;
  heartbeats: number;
}

export interface FeedItem {
  at: number;
  text: string;
}

export interface DemoModel {
  startedAt: number;
  rows: NodeRow[];
  feed: FeedItem[];
  evictions: number;
  queueDepth: number | undefined;
}

const COMPONENT = 'node-termination-handler';
const FEED_KEEP = 50;

const eventTime = (e: CoreV1Event): number =>
  new Date(e.eventTime ?? e.lastTimestamp ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? Date.now()).getTime();

const isDaemonPod = (p: V1Pod): boolean => (p.metadata?.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet');
const isFinished = (p: V1Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

export class DemoTracker {
  readonly model: DemoModel;
  private readonly local: LocalEnvironment;
  private readonly seenEvents = new Set<string>();
  private seenCalls = 0;
  /** When the previous poll looked: anything first seen now happened after it. */
  private lastPollAt: number;

  constructor(local: LocalEnvironment, plan: readonly PlannedStep[], startedAt: number) {
    this.local = local;
    this.lastPollAt = startedAt;
    this.model = {
      startedAt,
      feed: [],
      evictions: 0,
      queueDepth: undefined,
      rows: local.fleet.instances.map((instance) => {
        const planned = plan.find((p) => p.instance.instanceId === instance.instanceId);
        return { nodeName: instance.nodeName, instanceId: instance.instanceId, state: 'ready', podsLeft: 0, terminating: 0, daemonPods: 0, heartbeats: 0,
          ...(planned === undefined ? {} : { planned }) };
      }),
    };
  }

  note(text: string, at = Date.now()): void {
    this.model.feed.push({ at, text });
    if (this.model.feed.length > FEED_KEEP) this.model.feed.splice(0, this.model.feed.length - FEED_KEEP);
  }

  markSent(planned: PlannedStep, text: string, at = Date.now()): void {
    const row = this.model.rows.find((r) => r.instanceId === planned.instance.instanceId);
    if (row) row.sentAt = at;
    this.note(text, at);
  }

  /** One look at every server; errors (a server busy for a moment) leave the model as it was. */
  async poll(now = Date.now()): Promise<void> {
    // Event and annotation times have whole seconds at best; what is first seen in this poll
    // happened between the previous poll and now, which is the better bound.
    const since = this.lastPollAt;
    const happened = (at: number): number => Math.min(now, Math.max(since, Number.isFinite(at) ? at : now));
    const { kube, moto, aws, queue, fleet } = this.local;
    const [nodes, pods, nodeEvents, podEvents, calls, depth] = await Promise.all([
      kube.core.listNode({}),
      kube.core.listPodForAllNamespaces({}),
      kube.core.listNamespacedEvent({ namespace: 'default' }),
      kube.core.listNamespacedEvent({ namespace: DEMO_NAMESPACE }),
      moto.lifecycleCalls(),
      aws.sqs.send(new GetQueueAttributesCommand({
        QueueUrl: queue.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      })),
    ]);
    this.model.queueDepth = Number(depth.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(depth.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    this.model.evictions = podEvents.items.filter((e) => e.reason === 'PodEviction').length;

    const ours = nodeEvents.items.filter((e) => (e.reportingComponent ?? e.source?.component) === COMPONENT)
      .sort((a, b) => eventTime(a) - eventTime(b));
    for (const e of ours) {
      const key = `${e.metadata.uid ?? e.metadata.name ?? ''}/${e.count ?? 1}`;
      if (this.seenEvents.has(key)) continue;
      this.seenEvents.add(key);
      this.note(`${e.reason ?? '?'} ${e.involvedObject.name ?? ''}: ${(e.message ?? '').slice(0, 100)}`, happened(eventTime(e)));
    }
    const drainedEvents = new Map(ours.filter((e) => e.reason === 'Drained').map((e) => [e.involvedObject.name ?? '', happened(eventTime(e))]));

    const mine = calls.filter((c) => c.autoScalingGroupName === fleet.autoScalingGroupName);
    for (const c of mine.slice(this.seenCalls)) {
      const what = c.call === 'RecordLifecycleActionHeartbeat' ? 'lifecycle heartbeat' : c.call === 'Expired' ? 'lifecycle action EXPIRED' : `CompleteLifecycleAction ${c.result ?? ''}`;
      this.note(`${what} for ${c.instanceId ?? '?'} (${c.outcome})`, c.time * 1000);
    }
    this.seenCalls = mine.length;

    const byNode = new Map<string, V1Pod[]>();
    for (const pod of pods.items) {
      const name = pod.spec?.nodeName;
      if (name) byNode.set(name, [...(byNode.get(name) ?? []), pod]);
    }
    const nodeByName = new Map(nodes.items.map((n) => [n.metadata?.name ?? '', n]));
    for (const row of this.model.rows) {
      const node = nodeByName.get(row.nodeName);
      const onNode = byNode.get(row.nodeName) ?? [];
      const movable = onNode.filter((p) => !isDaemonPod(p) && !isFinished(p));
      row.podsLeft = movable.length;
      row.terminating = movable.filter((p) => p.metadata?.deletionTimestamp).length;
      row.daemonPods = onNode.filter(isDaemonPod).length;
      const completion = mine.find((c) => c.instanceId === row.instanceId && c.call === 'CompleteLifecycleAction' && c.outcome === 'ok');
      row.heartbeats = mine.filter((c) => c.instanceId === row.instanceId && c.call === 'RecordLifecycleActionHeartbeat' && c.outcome === 'ok').length;
      if (completion) row.hookAt ??= completion.time * 1000;
      if (node) this.update(row, node, drainedEvents.get(row.nodeName), happened);
    }
    this.lastPollAt = now;
  }

  private update(row: NodeRow, node: V1Node, drainedEventAt: number | undefined, happened: (at: number) => number): void {
    const annotations = node.metadata?.annotations ?? {};
    const unschedulable = node.spec?.unschedulable === true;
    const drainStarted = annotations[NODE_ANNOTATIONS.drainStartedAt] !== undefined;
    const tainted = (annotations[NODE_ANNOTATIONS.taints] ?? '') !== '';
    if (unschedulable) row.cordonedAt ??= happened(Date.parse(annotations[NODE_ANNOTATIONS.cordonedAt] ?? ''));
    const drained = unschedulable && (drainedEventAt !== undefined || (drainStarted && row.podsLeft === 0));
    if (drained) row.drainedAt ??= drainedEventAt ?? happened(Number.NaN);
    if (row.hookAt !== undefined) row.state = 'hook completed';
    else if (drained) row.state = 'drained';
    else if (unschedulable && drainStarted) row.state = 'draining';
    else if (unschedulable) row.state = 'cordoned';
    else if (tainted) row.state = 'tainted';
    else row.state = 'ready';
  }

  /** Every played step's node is where the settings say it should end, and no message is left. */
  finished(): boolean {
    const played = this.model.rows.filter((r) => r.planned !== undefined);
    return played.every((r) => r.sentAt !== undefined && r.state === r.planned?.expected) && this.model.queueDepth === 0;
  }
}
