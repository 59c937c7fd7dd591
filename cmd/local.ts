// The local environment for `npm start` without AWS settings: Kubernetes + moto, a queue fed by
// the EventBridge rules, and a small Auto Scaling group whose instances are Ready Nodes.
import { TestEnvironment } from '../test/env/environment.ts';
import { awsClients, type AwsClients } from '../test/env/helpers/aws.ts';
import { createFleet, type Fleet } from '../test/env/helpers/fleet.ts';
import { kubeClients, type KubeClients } from '../test/env/helpers/kube.ts';
import { createQueueWithRules, type TestQueue } from '../test/env/helpers/queue.ts';
import { TEST_CREDENTIALS, type MotoHarness } from '../test/env/moto.ts';
import type { Logger } from '../lib/observe/logger.ts';

export interface LocalEnvironment {
  queueUrl: string;
  awsEndpoint: string;
  region: string;
  kubeconfig: string;
  k8sVersion: string;
  /** The environment's state folder (logs, kubeconfig); removed by stop(). */
  dir: string;
  moto: MotoHarness;
  aws: AwsClients;
  kube: KubeClients;
  queue: TestQueue;
  fleet: Fleet;
  stop(): Promise<void>;
}

export interface LocalEnvironmentOptions {
  /** Nodes (instances of one Auto Scaling group with a terminate hook). Default 3. */
  nodes?: number;
  /** Print where everything is on stderr (the demo shows it in its own view instead). Default true. */
  announce?: boolean;
}

export async function startLocalEnvironment(logger: Logger, options: LocalEnvironmentOptions = {}): Promise<LocalEnvironment> {
  logger.info('no QUEUE_URL: starting the local environment (the first run builds Kubernetes, about 8 minutes)');
  const env = await TestEnvironment.start();
  try {
    const c = env.coordinates;
    // moto takes any credentials; the SDK's default chain reads these.
    process.env.AWS_ACCESS_KEY_ID ??= TEST_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY ??= TEST_CREDENTIALS.secretAccessKey;
    const aws = awsClients(c);
    const kube = kubeClients(c);
    const queue = await createQueueWithRules(aws, { name: 'node-termination-handler' });
    const fleet = await createFleet(aws, kube, { count: options.nodes ?? 3, name: 'demo-nodes', terminateHook: {} });
    const local: LocalEnvironment = {
      queueUrl: queue.queueUrl, awsEndpoint: c.awsEndpoint, region: c.region, kubeconfig: c.kubeconfig,
      k8sVersion: c.k8sVersion, dir: c.dir, moto: env.moto, aws, kube, queue, fleet,
      stop: async () => {
        for (const client of [aws.sqs, aws.ec2, aws.autoscaling, aws.eventbridge]) client.destroy();
        await env.stop();
      },
    };
    if (options.announce === false) return local;
    process.stderr.write([
      '',
      `Local environment up: Kubernetes ${c.k8sVersion}, moto at ${c.awsEndpoint}`,
      `  export KUBECONFIG=${c.kubeconfig}`,
      `  export AWS_ENDPOINT_URL=${c.awsEndpoint} AWS_REGION=${c.region} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing`,
      `  queue: ${queue.queueUrl}`,
      `  check it (after the export above): QUEUE_URL=${queue.queueUrl} AWS_ENDPOINT=${c.awsEndpoint} KUBECONFIG=${c.kubeconfig} node_modules/.bin/node cmd/main.ts doctor`,
      `  Auto Scaling group ${fleet.autoScalingGroupName}: ${fleet.instances.map((i) => `${i.instanceId} → ${i.nodeName}`).join(', ')}`,
      'The controller runs on it now; Ctrl-C stops both and removes everything.',
      '',
    ].join('\n'));
    return local;
  } catch (error) {
    await env.stop();
    throw error;
  }
}
