import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsStatusOf, instrumentAwsClient } from '../../../lib/observe/aws-requests.ts';
import { evictionResult, kubeOperation, kubeRequestMetrics } from '../../../lib/observe/kube-requests.ts';
import { Metrics } from '../../../lib/observe/metrics.ts';
import { metricValue } from './helpers.ts';
import { startReceiver } from './http-fixtures.ts';

describe('Kubernetes request labels', () => {
  test('verb and resource only: no names, no namespaces', () => {
    const cases: [string, string, string][] = [
      ['GET', '/api/v1/nodes/ip-10-0-0-1.ec2.internal', 'GET nodes'],
      ['PATCH', '/api/v1/nodes/n1', 'PATCH nodes'],
      ['GET', '/api/v1/nodes?watch=true&resourceVersion=5', 'WATCH nodes'],
      ['GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1', 'GET pods'],
      ['POST', '/api/v1/namespaces/team-a/pods/web-1/eviction', 'POST pods/eviction'],
      ['DELETE', '/api/v1/namespaces/team-a/pods/web-1', 'DELETE pods'],
      ['POST', '/api/v1/namespaces/default/events', 'POST events'],
      ['GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases/nth-node-x', 'GET leases'],
      ['GET', '/api/v1/namespaces/kube-system', 'GET namespaces'],
      ['GET', '/api/v1', 'GET discovery'],
      ['GET', '/version', 'GET version'],
      ['GET', '/healthz', 'GET other'],
    ];
    for (const [method, path, want] of cases) assert.equal(kubeOperation({ method, url: `https://10.0.0.1:6443${path}` }), want, path);
  });

  test('eviction answers map to a small set of results (429 is blocked)', () => {
    assert.deepEqual([201, 200, 429, 404, 409, 500, 'network' as const].map(evictionResult), ['evicted', 'evicted', 'blocked', 'gone', 'conflict', 'failed', 'failed']);
  });

  test('the observer counts requests by operation and code, and evictions by result', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const observe = kubeRequestMetrics(metrics);
    observe({ method: 'POST', url: 'https://k/api/v1/namespaces/a/pods/p/eviction' }, 429);
    observe({ method: 'POST', url: 'https://k/api/v1/namespaces/a/pods/p/eviction' }, 201);
    observe({ method: 'PATCH', url: 'https://k/api/v1/nodes/n' }, 'network');
    assert.equal(await metricValue(metrics.apiRequests, { target: 'kubernetes', operation: 'POST pods/eviction', code: '429' }), 1);
    assert.equal(await metricValue(metrics.apiRequests, { target: 'kubernetes', operation: 'PATCH nodes', code: 'network' }), 1);
    assert.equal(await metricValue(metrics.evictions, { result: 'blocked' }), 1);
    assert.equal(await metricValue(metrics.evictions, { result: 'evicted' }), 1);
  });
});

describe('AWS request metrics', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });

  test('status codes come from results and errors', () => {
    assert.equal(awsStatusOf({ response: { statusCode: 200 }, output: {} }), 200);
    assert.equal(awsStatusOf({ $metadata: { httpStatusCode: 400 } }), 400);
    assert.equal(awsStatusOf(new Error('ECONNREFUSED')), undefined);
    assert.equal(awsStatusOf(undefined), undefined);
  });

  test('one count per HTTP attempt, with its status code, below the SDK retries', async () => {
    const r = await startReceiver([500, 500, 200]);
    closers.push(() => r.close());
    const sqs = new SQSClient({ region: 'us-east-1', endpoint: r.url.replace('/hook', ''), credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 3 });
    const metrics = new Metrics({ defaultMetrics: false });
    instrumentAwsClient(sqs, 'sqs', metrics);
    // The third answer is 200 with an empty body: whatever the SDK makes of it, the attempts count.
    await sqs.send(new ListQueuesCommand({})).catch(() => undefined);
    assert.equal(await metricValue(metrics.apiRequests, { target: 'sqs', operation: 'ListQueues', code: '500' }), 2);
    assert.equal(await metricValue(metrics.apiRequests, { target: 'sqs', operation: 'ListQueues' }), 3);
    sqs.destroy();
  });

  test('no answer counts as network', async () => {
    const r = await startReceiver([200]);
    await r.close();
    const sqs = new SQSClient({ region: 'us-east-1', endpoint: r.url.replace('/hook', ''), credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    const metrics = new Metrics({ defaultMetrics: false });
    instrumentAwsClient(sqs, 'sqs', metrics);
    await assert.rejects(sqs.send(new ListQueuesCommand({})));
    assert.equal(await metricValue(metrics.apiRequests, { target: 'sqs', operation: 'ListQueues', code: 'network' }), 1);
    sqs.destroy();
  });
});
