// The AWS SDK clients of the process. Credentials come from the SDK's default chain (IRSA web
// identity, Pod Identity, environment, instance role), which also refreshes them as they rotate.
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsSettings {
  queueUrl: string;
  awsRegion: string;
  awsEndpoint: string;
}

export interface AwsClients {
  region: string;
  sqs: SQSClient;
  ec2: EC2Client;
  autoscaling: AutoScalingClient;
}

/** The IAM service prefix of each client, as `iamActionForOperation` in infra/permissions.ts takes it. */
export type AwsService = 'sqs' | 'ec2' | 'autoscaling';

/**
 * Told of every API operation a client sends (once per command, before any retry), e.g. `('sqs',
 * 'DeleteMessageBatch')`, so a test can compare the calls made with the IAM policy granted.
 */
export type AwsCallListener = (service: AwsService, operation: string) => void;

export interface AwsClientOptions {
  onCall?: AwsCallListener;
}

export class AwsRegionError extends Error {
  override readonly name = 'AwsRegionError';
}

/** `https://sqs.us-east-1.amazonaws.com/123456789012/q` → `us-east-1`. */
export function regionFromQueueUrl(queueUrl: string): string | undefined {
  try {
    const host = new URL(queueUrl).hostname;
    return /^sqs[.-]([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(host)?.[1];
  } catch {
    return undefined;
  }
}

export function createAwsClients(settings: AwsSettings, env: NodeJS.ProcessEnv = process.env, options: AwsClientOptions = {}): AwsClients {
  const region = settings.awsRegion || regionFromQueueUrl(settings.queueUrl) || env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new AwsRegionError('no AWS region: set AWS_REGION (--aws-region), or use a queue URL of the form https://sqs.<region>.amazonaws.com/…');
  }
  const endpoint = settings.awsEndpoint || undefined;
  // Adaptive retries back off on throttling across all calls of a client, not per call.
  const common = { region, endpoint, retryMode: 'adaptive', maxAttempts: 5 };
  const clients = {
    region,
    sqs: new SQSClient(common),
    ec2: new EC2Client(common),
    autoscaling: new AutoScalingClient(common),
  };
  const { onCall } = options;
  if (onCall) {
    // `initialize` runs once per command, before serialization and retries; commandName is the
    // SDK's class name (`DeleteMessageBatchCommand`), the operation plus a suffix.
    const name = 'nthObserveCalls';
    const operation = (commandName: string | undefined): string => (commandName ?? 'unknown').replace(/Command$/, '');
    clients.sqs.middlewareStack.add((next, context) => (args) => {
      onCall('sqs', operation(context.commandName));
      return next(args);
    }, { step: 'initialize', name });
    clients.ec2.middlewareStack.add((next, context) => (args) => {
      onCall('ec2', operation(context.commandName));
      return next(args);
    }, { step: 'initialize', name });
    clients.autoscaling.middlewareStack.add((next, context) => (args) => {
      onCall('autoscaling', operation(context.commandName));
      return next(args);
    }, { step: 'initialize', name });
  }
  return clients;
}
