// `npm start`. With no QUEUE_URL: the local environment (a Kubernetes control plane with fake
// nodes, moto for AWS), a queue fed by the EventBridge rules, and a small Auto Scaling group whose
// instances are Nodes; it prints how to reach them and runs until Ctrl-C, then tears it all down.
import { TestEnvironment } from '../test/env/environment.ts';
import { awsClients } from '../test/env/helpers/aws.ts';
import { createFleet } from '../test/env/helpers/fleet.ts';
import { kubeClients } from '../test/env/helpers/kube.ts';
import { createQueueWithRules } from '../test/env/helpers/queue.ts';

async function runLocal(): Promise<void> {
  process.stderr.write('starting the local environment (the first run builds Kubernetes: ~8 minutes)\n');
  const env = await TestEnvironment.start();
  // The servers are detached child processes; this timer is what keeps us alive until Ctrl-C.
  const keepAlive = setInterval(() => undefined, 60_000);
  const stop = async (): Promise<void> => {
    process.stderr.write('\nstopping the local environment\n');
    clearInterval(keepAlive);
    await env.stop();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  const aws = awsClients(env.coordinates);
  const queue = await createQueueWithRules(aws, { name: 'node-termination-handler' });
  const fleet = await createFleet(aws, kubeClients(env.coordinates), { count: 3, name: 'demo-nodes', terminateHook: {} });
  const c = env.coordinates;
  process.stdout.write([
    `Kubernetes ${c.k8sVersion} is up.`,
    `  export KUBECONFIG=${c.kubeconfig}`,
    `AWS (moto) is up.`,
    `  export AWS_ENDPOINT=${c.awsEndpoint} AWS_REGION=${c.region} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing`,
    `  export QUEUE_URL=${queue.queueUrl}`,
    `Auto Scaling group ${fleet.autoScalingGroupName}: ${fleet.instances.map((i) => `${i.instanceId} → ${i.nodeName}`).join(', ')}`,
    'Press Ctrl-C to stop and remove everything.',
    '',
  ].join('\n'));
}

if (!process.env.QUEUE_URL) {
  await runLocal();
} else {
  process.stderr.write('the controller is not built yet: run without QUEUE_URL for the local environment\n');
  process.exitCode = 2;
}
