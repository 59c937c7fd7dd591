// Builds a Controller from the Config: the AWS clients, the rate-limited Kubernetes clients, the
// drain engine. Reads the server version first, so an unreachable cluster fails startup loudly.
import type { Config } from '../config/index.ts';
import { createAwsClients } from '../aws/clients.ts';
import { createNodeOperator } from '../drain/operator.ts';
import { kubeClientsFromSettings, type KubeClients } from '../kube/client.ts';
import { readServerVersion, type ServerVersion } from '../kube/version.ts';
import type { Logger } from '../observe/logger.ts';
import { Metrics } from '../observe/metrics.ts';
import { Controller } from './controller.ts';

export interface BuiltController {
  controller: Controller;
  kube: KubeClients;
  serverVersion: ServerVersion;
  metrics: Metrics;
}

export const VERSION = '0.1.0';

export async function buildController(config: Config, logger: Logger, metrics = new Metrics()): Promise<BuiltController> {
  const aws = createAwsClients(config);
  const kube = kubeClientsFromSettings(config);
  kube.limiter.onRequest(() => metrics.apiRequests.inc({ target: 'kubernetes', operation: 'request', outcome: 'sent' }));
  const serverVersion = await readServerVersion(kube.version, logger);
  metrics.buildInfo.set({ version: VERSION, kubernetes_version: serverVersion.gitVersion }, 1);
  const operator = createNodeOperator({ kube, settings: config, logger });
  const controller = new Controller({
    config,
    kubeConfig: kube.kubeConfig,
    core: kube.core,
    operator,
    sqs: aws.sqs,
    ec2: aws.ec2,
    autoscaling: aws.autoscaling,
    logger,
    metrics,
  });
  return { controller, kube, serverVersion, metrics };
}
