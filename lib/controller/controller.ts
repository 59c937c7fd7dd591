// The controller: the queue consumer feeding the message handler, the Node index the resolver
// reads, and the per-node work queue that runs drains with bounded concurrency.
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { hostname } from 'node:os';
import type { CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Ec2InstanceDirectory } from '../aws/instances.ts';
import { AsgLifecycleActions } from '../aws/lifecycle.ts';
import type { Config } from '../config/index.ts';
import type { NodeOperator } from '../drain/types.ts';
import type { EventRecorder } from '../kube/event-recorder.ts';
import { NodeIndex } from '../kube/node-index.ts';
import type { Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import type { HealthReport } from '../observe/probes.ts';
import { NO_NOTIFIER, type Notifier } from '../observe/webhook/notifier.ts';
import { QueueConsumer } from '../queue/consumer.ts';
import { WorkQueue } from '../workqueue.ts';
import { NodeClaims } from './claims.ts';
import { ReplicaLease } from './replica-lease.ts';
import { createMessageHandler } from './handle-message.ts';
import { recordLifecycleCompleted } from './lifecycle-record.ts';
import { ControllerNodeEvents } from './node-events.ts';
import { mergeNodeWork, rankNodeWork, runningCovers, type NodeWork, type NodeWorkResult } from './node-work.ts';
import { InstanceResolver } from './resolve.ts';
import { planSettingsFrom } from './settings.ts';
import { createWorkRunner } from './work-runner.ts';

/** Well inside the pod's 30 s termination grace period, as the webhooks' 10 s are. */
const EVENT_FLUSH_TIMEOUT_MS = 5_000;

export interface ControllerDeps {
  config: Config;
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  coordination: CoordinationV1Api;
  operator: NodeOperator;
  sqs: Pick<SQSClient, 'send'>;
  ec2: Pick<EC2Client, 'send'>;
  autoscaling: Pick<AutoScalingClient, 'send'>;
  logger: Logger;
  metrics: Metrics;
  /** Records the controller's own Node Events (Interruption, LifecycleActionCompleted). */
  events: EventRecorder;
  /** Webhook notifications, one per node action that ran; none when unset. */
  notifier?: Notifier;
}

export interface ControllerHealth extends HealthReport {
  /** When SQS last answered a receive. */
  sqsOkAt: number | undefined;
  sqsError: string | undefined;
  /** When the Kubernetes API (the Node watch) last answered. */
  kubeOkAt: number | undefined;
  inFlightMessages: number;
  runningNodeWork: number;
}

export class Controller {
  readonly nodes: NodeIndex;
  private readonly consumer: QueueConsumer;
  private readonly work: WorkQueue<NodeWork, NodeWorkResult>;
  private readonly logger: Logger;
  private readonly notifier: Notifier;
  private readonly events: EventRecorder;
  private readonly replicaLease: ReplicaLease | undefined;
  private readonly capacity: number;
  private state: ControllerHealth['state'] = 'new';
  private runningSince: number | undefined;

  constructor(deps: ControllerDeps) {
    const { config, logger, metrics } = deps;
    this.logger = logger;
    this.notifier = deps.notifier ?? NO_NOTIFIER;
    this.events = deps.events;
    this.nodes = new NodeIndex(deps.kubeConfig, deps.core, logger);
    const claimSettings = {
      namespace: config.namespace || 'default',
      holderIdentity: config.podName || `${hostname()}-${process.pid}`,
      leaseDurationSeconds: config.claimLeaseDuration,
    };
    const claims = new NodeClaims(deps.coordination, claimSettings, logger);
    // Dry run writes nothing, Leases included (claims are not taken either: work-runner.ts).
    this.replicaLease = config.dryRun ? undefined : new ReplicaLease(deps.coordination, claimSettings, logger);
    this.work = new WorkQueue<NodeWork, NodeWorkResult>({
      workers: config.workers,
      run: createWorkRunner({
        operator: deps.operator, nodes: this.nodes, metrics, notifier: this.notifier, logger, dryRun: config.dryRun,
        claim: (nodeName) => claims.acquire(nodeName),
      }),
      merge: mergeNodeWork,
      covers: runningCovers,
      rank: rankNodeWork,
    });
    // AWS requests are counted by the clients' middleware (lib/observe/aws-requests.ts).
    const instances = new Ec2InstanceDirectory({ ec2: deps.ec2, alsoFetch: () => this.nodes.instanceIds() });
    const resolver = new InstanceResolver(this.nodes, instances, {
      useProviderId: config.useProviderId,
      checkTagBeforeDraining: config.checkTagBeforeDraining,
      managedTag: config.managedTag,
    });
    const handler = createMessageHandler({
      resolver,
      work: this.work,
      operator: deps.operator,
      lifecycle: new AsgLifecycleActions(deps.autoscaling),
      events: new ControllerNodeEvents(deps.events),
      plan: planSettingsFrom(config),
      heartbeatIntervalSeconds: config.heartbeatInterval,
      heartbeatUntilSeconds: config.heartbeatUntil,
      completeLifecycleDelaySeconds: config.completeLifecycleActionDelaySeconds,
      dryRun: config.dryRun,
      recordCompletion: (nodeName, token) => recordLifecycleCompleted(deps.core, nodeName, token),
      claimRetrySeconds: Math.max(2, Math.ceil(config.claimLeaseDuration / 3)),
      logger,
      metrics,
    });
    // Messages waiting for a worker are cheap (a few KB, and one visibility renewal per ten
    // every third of the timeout); holding a whole storm's lets every node of it be cordoned at
    // once while drains run `workers` at a time. With 100, a 500-node storm cordoned the last
    // 400 nodes only as earlier drains finished, minutes later.
    this.capacity = Math.max(1000, config.workers * 10);
    this.consumer = new QueueConsumer({
      sqs: deps.sqs,
      queueUrl: config.queueUrl,
      handler,
      logger,
      capacity: this.capacity,
      visibilityTimeoutSeconds: config.visibilityTimeout,
      readOnly: config.dryRun,
      onApiCall: (operation, outcome) => {
        if (outcome !== 'error') return;
        if (operation === 'ReceiveMessage') metrics.error('receive');
        else if (operation === 'DeleteMessageBatch') metrics.error('delete');
      },
    });
  }

  /** Loads the Node index, then starts consuming. */
  async start(): Promise<void> {
    this.state = 'starting';
    await this.nodes.start();
    await this.nodes.synced;
    // Before any claim: a claim is live only while this Lease is renewed.
    await this.replicaLease?.start();
    this.logger.info({ nodes: this.nodes.size }, 'node index loaded; consuming the queue');
    this.consumer.start();
    this.state = 'running';
    this.runningSince = Date.now();
  }

  /**
   * Stops receiving; running work is aborted and its messages made visible for another replica.
   * Webhook notifications under way get a few seconds to finish, and so do queued Kubernetes
   * Events (the work that recorded them did not wait for them).
   */
  async stop(): Promise<void> {
    this.state = 'stopping';
    const consumerStopped = this.consumer.stop();
    await this.work.close();
    await consumerStopped;
    // After the work: its claims are released by then, and whatever was not can be taken over at once.
    await this.replicaLease?.stop();
    await this.nodes.stop();
    await Promise.all([this.notifier.close(), this.events.close(EVENT_FLUSH_TIMEOUT_MS)]);
    this.state = 'stopped';
  }

  health(): ControllerHealth {
    return {
      state: this.state,
      runningSince: this.runningSince,
      messageCapacity: this.capacity,
      sqsOkAt: this.consumer.lastReceiveOkAt,
      sqsError: this.consumer.lastError,
      kubeOkAt: this.nodes.lastContactAt,
      inFlightMessages: this.consumer.inFlightCount,
      runningNodeWork: this.work.running,
    };
  }
}
