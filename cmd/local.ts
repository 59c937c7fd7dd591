// The local environment for `npm start` without AWS settings: Kubernetes + moto, a queue fed by
// the EventBridge rules, and a small Auto Scaling group whose instances are Ready Nodes.
import { TestEnvironment } from '../test/env/environment.ts';
import { awsClients } from '../test/env/helpers/aws.ts';
import { createFleet } from '../test/env/helpers/fleet.ts';
import { kubeClients } from '../test/env/helpers/kube.ts';
import { createQueueWithRules } from '../test/env/helpers/queue.ts';
import { TEST_CREDENTIALS } from '../test/env/moto.ts';
import type { Logger } from '../lib/observe/logger.ts';

export interface LocalEnvironment {
  queueUrl: string;
  awsEndpoint: string;
  region: string;
  kubeconfig: string;
  stop(): Promise<void>;
}

export async function startLocalEnvironment(logger: Logger): Promise<LocalEnvironment> {
  logger.info('no QUEUE_URL: starting the local environment (the first run builds Kubernetes, about 8 minutes)');
  const env = await TestEnvironment.start();
  try {
    const c = env.coordinates;
    // moto takes any credentials; the SDK's default chain reads these.
    process.env.AWS_ACCESS_KEY_ID ??= TEST_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY ??= TEST_CREDENTIALS.secretAccessKey;
    const aws = awsClients(c);
    const queue = await createQueueWithRules(aws, { name: 'node-termination-handler' });
    const fleet = await createFleet(aws, kubeClients(c), { count: 3, name: 'demo-nodes', terminateHook: {} });
    process.stderr.write([
      '',
      `Local environment up: Kubernetes ${c.k8sVersion}, moto at ${c.awsEndpoint}`,
      `  export KUBECONFIG=${c.kubeconfig}`,
      `  export AWS_ENDPOINT_URL=${c.awsEndpoint} AWS_REGION=${c.region} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing`,
      `  queue: ${queue.queueUrl}`,
      `  Auto Scaling group ${fleet.autoScalingGroupName}: ${fleet.instances.map((i) => `${i.instanceId} → ${i.nodeName}`).join(', ')}`,
      'The controller runs on it now; Ctrl-C stops both and removes everything.',
      '',
    ].join('\n'));
    return { queueUrl: queue.queueUrl, awsEndpoint: c.awsEndpoint, region: c.region, kubeconfig: c.kubeconfig, stop: () => env.stop() };
  } catch (error) {
    await env.stop();
    throw error;
  }
}
