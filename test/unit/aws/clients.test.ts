// The region of the AWS clients: flag, then the queue URL, then AWS_DEFAULT_REGION; none is an error.
// And the onCall listener, which hears every command the clients send.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { AwsRegionError, createAwsClients, regionFromQueueUrl } from '../../../lib/aws/clients.ts';

test('regionFromQueueUrl reads the region of an SQS queue URL', () => {
  const cases: [string, string | undefined][] = [
    ['https://sqs.us-east-1.amazonaws.com/123456789012/nth', 'us-east-1'],
    ['https://sqs.eu-central-2.amazonaws.com/123456789012/nth.fifo', 'eu-central-2'],
    ['https://sqs.us-gov-west-1.amazonaws.com/123456789012/nth', 'us-gov-west-1'],
    ['https://sqs.cn-north-1.amazonaws.com.cn/123456789012/nth', 'cn-north-1'],
    ['HTTPS://SQS.AP-SOUTHEAST-2.AMAZONAWS.COM/123456789012/nth', 'ap-southeast-2'],
    // Not AWS's SQS host: no region to read.
    ['http://127.0.0.1:5000/123456789012/nth', undefined],
    ['http://localhost:4566/000000000000/nth', undefined],
    ['https://sqs.us-east-1.amazonaws.com.evil.example/123/nth', undefined],
    ['https://sqs.us-east-1.example.com/123/nth', undefined],
    ['not a url', undefined],
    ['', undefined],
  ];
  for (const [url, region] of cases) assert.equal(regionFromQueueUrl(url), region, url);
});

const QUEUE_IN_EU = 'https://sqs.eu-west-1.amazonaws.com/123456789012/nth';

test('the region flag wins over the queue URL and AWS_DEFAULT_REGION', async () => {
  const clients = createAwsClients({ queueUrl: QUEUE_IN_EU, awsRegion: 'us-west-2', awsEndpoint: '' }, { AWS_DEFAULT_REGION: 'ap-south-1' });
  assert.equal(clients.region, 'us-west-2');
  assert.equal(await clients.sqs.config.region(), 'us-west-2');
  assert.equal(await clients.ec2.config.region(), 'us-west-2');
  assert.equal(await clients.autoscaling.config.region(), 'us-west-2');
});

test('without the flag, the queue URL gives the region, before AWS_DEFAULT_REGION', () => {
  const clients = createAwsClients({ queueUrl: QUEUE_IN_EU, awsRegion: '', awsEndpoint: '' }, { AWS_DEFAULT_REGION: 'ap-south-1' });
  assert.equal(clients.region, 'eu-west-1');
});

test('AWS_DEFAULT_REGION is the last resort', () => {
  const clients = createAwsClients({ queueUrl: 'http://127.0.0.1:5000/123456789012/nth', awsRegion: '', awsEndpoint: '' }, { AWS_DEFAULT_REGION: 'ap-south-1' });
  assert.equal(clients.region, 'ap-south-1');
});

test('no region anywhere is an AwsRegionError that says what to set', () => {
  assert.throws(
    () => createAwsClients({ queueUrl: 'http://127.0.0.1:5000/123456789012/nth', awsRegion: '', awsEndpoint: '' }, {}),
    (error: unknown) => error instanceof AwsRegionError && error.name === 'AwsRegionError' && /AWS_REGION/.test(error.message),
  );
});

test('an endpoint, when given, is used by every client; adaptive retries', async () => {
  const clients = createAwsClients({ queueUrl: QUEUE_IN_EU, awsRegion: '', awsEndpoint: 'http://127.0.0.1:5000' }, {});
  for (const client of [clients.sqs, clients.ec2, clients.autoscaling]) {
    const endpoint = await client.config.endpoint?.();
    assert.equal(endpoint?.hostname, '127.0.0.1');
    assert.equal(endpoint?.port, 5000);
    assert.equal(await client.config.maxAttempts(), 5);
    assert.equal(client.config.retryMode, 'adaptive');
  }
  const plain = createAwsClients({ queueUrl: QUEUE_IN_EU, awsRegion: '', awsEndpoint: '' }, {});
  assert.equal(plain.sqs.config.endpoint, undefined, 'no endpoint: the SDK resolves the regional one');
});

test('onCall hears each command once, as (IAM service prefix, operation)', async () => {
  const calls: string[] = [];
  const clients = createAwsClients({ queueUrl: QUEUE_IN_EU, awsRegion: '', awsEndpoint: '' }, {}, { onCall: (service, operation) => calls.push(`${service}:${operation}`) });
  // Answer every command right after the listener, before credentials or the network are needed.
  const answer = () => () => Promise.resolve({ output: { $metadata: {} }, response: {} });
  clients.sqs.middlewareStack.add(answer, { step: 'initialize', priority: 'low', name: 'answerInTest' });
  clients.ec2.middlewareStack.add(answer, { step: 'initialize', priority: 'low', name: 'answerInTest' });
  clients.autoscaling.middlewareStack.add(answer, { step: 'initialize', priority: 'low', name: 'answerInTest' });
  await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: QUEUE_IN_EU }));
  await clients.ec2.send(new DescribeInstancesCommand({}));
  await clients.autoscaling.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'g', LifecycleHookName: 'h', LifecycleActionResult: 'CONTINUE' }));
  assert.deepEqual(calls, ['sqs:ReceiveMessage', 'ec2:DescribeInstances', 'autoscaling:CompleteLifecycleAction']);
});
