// Builds a Controller from the Config: the AWS clients, the rate-limited Kubernetes clients, the
// drain engine. Reads the server version first, so an unreachable cluster fails startup loudly.
import type { Config } from '../config/index.ts';
import { createAwsClients, type AwsClientOptions } from '../aws/clients.ts';
import { createNodeOperator } from '../drain/operator.ts';
import { kubeClientsFromSettings, type KubeClients } from '../kube/client.ts';
import type { NodeLookup } from '../kube/node-index.ts';
import { createEventRecorder } from '../kube/event-recorder.ts';
import { readServerVersion, type ServerVersion } from '../kube/version.ts';
import { instrumentAwsClient } from '../observe/aws-requests.ts';
import { kubeRequestMetrics } from '../observe/kube-requests.ts';
import type { Logger } from '../observe/logger.ts';
import { Metrics } from '../observe/metrics.ts';
import { startServers, type RunningServers } from '../observe/servers.ts';
import { createNotifier } from '../observe/webhook/notifier.ts';
import { setFailpoints } from '../failpoints.ts';
import { Controller } from './controller.ts';

export interface BuiltController {
  controller: Controller;
  kube: KubeClients;
  serverVersion: ServerVersion;
  metrics: Metrics;
}

export const VERSION = '0.1.0';

/** `aws`: options of the AWS clients, e.g. a listener for every call they send (tests). */
export async function buildController(config: Config, logger: Logger, metrics = new Metrics(), options: { aws?: AwsClientOptions } = {}): Promise<BuiltController> {
  setFailpoints(config.failpoints);
  const aws = createAwsClients(config, process.env, options.aws);
  instrumentAwsClient(aws.sqs, 'sqs', metrics);
  instrumentAwsClient(aws.ec2, 'ec2', metrics);
  instrumentAwsClient(aws.autoscaling, 'autoscaling', metrics);
  const kube = kubeClientsFromSettings(config, { observe: kubeRequestMetrics(metrics) });
  // Before anything is started: an unusable webhook template stops startup with its reason.
  const notifier = createNotifier(config, { metrics, logger });
  const serverVersion = await readServerVersion(kube.version, logger);
  metrics.buildInfo.set({ version: VERSION, kubernetes_version: serverVersion.gitVersion }, 1);
  // The controller owns the Node index whose copies Node changes start from, and is built after
  // the operator it is given: the lookup is bound once both exist (no change starts before).
  const late: { nodes?: NodeLookup } = {};
  // One recorder for the drain engine's Events and the controller's: one backlog, flushed on stop.
  const events = createEventRecorder(kube.core, {
    enabled: config.emitKubernetesEvents && !config.dryRun,
    extraAnnotations: config.kubernetesEventsExtraAnnotations,
    instance: config.podName,
    logger: logger.child({ component: 'events' }),
    metrics,
  });
  const operator = createNodeOperator({ kube, settings: config, logger, knownNode: (name) => late.nodes?.byName(name), recorder: events });
  const controller = new Controller({
    config,
    kubeConfig: kube.kubeConfig,
    core: kube.core,
    coordination: kube.coordination,
    operator,
    sqs: aws.sqs,
    ec2: aws.ec2,
    autoscaling: aws.autoscaling,
    logger,
    metrics,
    events,
    notifier,
  });
  late.nodes = controller.nodes;
  return { controller, kube, serverVersion, metrics };
}

/**
 * The metrics and probe servers for a built controller, as the config enables them. Readiness
 * reads the controller's health and pings the API server (GET /version) when the Node watch is quiet.
 */
export async function startControllerServers(built: BuiltController, config: Config, logger: Logger, host?: string): Promise<RunningServers> {
  return await startServers({
    settings: config,
    metrics: built.metrics,
    health: () => built.controller.health(),
    pingKube: () => built.kube.version.getCode(),
    logger,
    ...(host === undefined ? {} : { host }),
  });
}
