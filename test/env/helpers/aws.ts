// AWS SDK clients pointed at the environment's moto.
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { EnvironmentCoordinates } from '../environment.ts';
import { TEST_CREDENTIALS } from '../moto.ts';

export interface AwsClients {
  sqs: SQSClient;
  ec2: EC2Client;
  autoscaling: AutoScalingClient;
  eventbridge: EventBridgeClient;
}

export function awsClients(env: Pick<EnvironmentCoordinates, 'awsEndpoint' | 'region'>): AwsClients {
  const config = { endpoint: env.awsEndpoint, region: env.region, credentials: TEST_CREDENTIALS };
  return {
    sqs: new SQSClient(config),
    ec2: new EC2Client(config),
    autoscaling: new AutoScalingClient(config),
    eventbridge: new EventBridgeClient(config),
  };
}
