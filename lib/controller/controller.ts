// The controller: the queue consumer feeding the message handler, the Node index the resolver
// reads, and the per-node work queue that runs drains with bounded concurrency.
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Ec2InstanceDirectory } from '../aws/instances.ts';
import { AsgLifecycleActions } from '../aws/lifecycle.ts';
import type { Config } from '../config/index.ts';
import type { NodeOperator } from '../drain/types.ts';
import { NodeIndex } from '../kube/node-index.ts';
import type { Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import { QueueConsumer } from '../queue/consumer.ts';
import { WorkQueue } from '../workqueue.ts';
import { createMessageHandler } from './handle-message.ts';
import { mergeNodeWork, rankNodeWork, RecentNodeWork, runNodeWork, runningCovers, type NodeWork, type NodeWorkResult } from './node-work.ts';
import { InstanceResolver } from './resolve.ts';
import { planSettingsFrom } from './settings.ts';

export interface ControllerDeps {
  config: Config;
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  operator: NodeOperator;
  sqs: Pick<SQSClient, 'send'>;
  ec2: Pick<EC2Client, 'send'>;
  autoscaling: Pick<AutoScalingClient, 'send'>;
  logger: Logger;
  metrics: Metrics;
}

export interface ControllerHealth {
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

  constructor(deps: ControllerDeps) {
    const { config, logger, metrics } = deps;
    this.logger = logger;
    this.nodes = new NodeIndex(deps.kubeConfig, deps.core, logger);
    const recent = new RecentNodeWork();
    this.work = new WorkQueue<NodeWork, NodeWorkResult>({
      workers: config.workers,
      run: async (key, item, signal) => {
        const reused = recent.reusable(key, item, this.nodes.byName(key)?.spec?.unschedulable === true);
        if (reused) {
          logger.debug({ nodeName: key, eventId: item.event.id }, `${item.action} already done moments ago; reusing its result`);
          return reused;
        }
        const result = await runNodeWork(deps.operator, item, signal);
        recent.remember(key, item, result);
        return result;
      },
      merge: mergeNodeWork,
      covers: runningCovers,
      rank: rankNodeWork,
    });
    const instances = new Ec2InstanceDirectory({
      ec2: deps.ec2,
      onRequest: (outcome) => metrics.apiRequests.inc({ target: 'ec2', operation: 'DescribeInstances', outcome }),
    });
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
      plan: planSettingsFrom(config),
      heartbeatIntervalSeconds: config.heartbeatInterval,
      heartbeatUntilSeconds: config.heartbeatUntil,
      completeLifecycleDelaySeconds: config.completeLifecycleActionDelaySeconds,
      dryRun: config.dryRun,
      logger,
      metrics,
    });
    this.consumer = new QueueConsumer({
      sqs: deps.sqs,
      queueUrl: config.queueUrl,
      handler,
      logger,
      // Messages waiting for a worker are cheap; holding many lets a storm be cordoned at once
      // while drains run `workers` at a time.
      capacity: Math.max(100, config.workers * 10),
      visibilityTimeoutSeconds: config.visibilityTimeout,
      readOnly: config.dryRun,
      onApiCall: (operation, outcome) => metrics.apiRequests.inc({ target: 'sqs', operation, outcome }),
    });
  }

  /** Loads the Node index, then starts consuming. */
  async start(): Promise<void> {
    await this.nodes.start();
    await this.nodes.synced;
    this.logger.info({ nodes: this.nodes.size }, 'node index loaded; consuming the queue');
    this.consumer.start();
  }

  /** Stops receiving; running work is aborted and its messages made visible for another replica. */
  async stop(): Promise<void> {
    const consumerStopped = this.consumer.stop();
    await this.work.close();
    await consumerStopped;
    await this.nodes.stop();
  }

  health(): ControllerHealth {
    return {
      sqsOkAt: this.consumer.lastReceiveOkAt,
      sqsError: this.consumer.lastError,
      kubeOkAt: this.nodes.lastContactAt,
      inFlightMessages: this.consumer.inFlightCount,
      runningNodeWork: this.work.running,
    };
  }
}
