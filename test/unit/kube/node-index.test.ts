// The pure parts of the Node index: the instance ID in a providerID, and Node readiness.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Node, V1NodeCondition } from '@kubernetes/client-node';
import { instanceIdFromProviderId, isNodeReady } from '../../../lib/kube/node-index.ts';

test('instanceIdFromProviderId reads the instance ID of an AWS providerID', () => {
  const cases: [string | undefined, string | undefined][] = [
    ['aws:///us-east-1a/i-0123456789abcdef0', 'i-0123456789abcdef0'],
    ['aws:///eu-west-1b/i-0a1b2c3d', 'i-0a1b2c3d'],
    ['aws://us-east-1a/i-0123456789abcdef0', 'i-0123456789abcdef0'],
    ['aws:///cn-north-1a/i-0123456789abcdef0', 'i-0123456789abcdef0'],
    // Not an EC2 instance, or not AWS.
    ['aws:///us-east-1a/fargate-ip-10-0-0-1.ec2.internal', undefined],
    ['aws:///us-east-1a/i-0123456789abcdef0/', undefined],
    ['aws:///us-east-1a/i-0123456789ABCDEF0', undefined],
    ['aws:///us-east-1a/i-0123456', undefined],
    ['aws:///us-east-1a/i-0123456789abcdef01', undefined],
    ['gce://project/zone/i-0123456789abcdef0', undefined],
    ['kwok://i-0123456789abcdef0', undefined],
    ['i-0123456789abcdef0', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [providerID, id] of cases) assert.equal(instanceIdFromProviderId(providerID), id, String(providerID));
});

function nodeWith(conditions: V1NodeCondition[] | undefined): V1Node {
  return { metadata: { name: 'n' }, status: conditions === undefined ? undefined : { conditions } };
}

test('isNodeReady: only a Ready condition with status "True"', () => {
  const memory: V1NodeCondition = { type: 'MemoryPressure', status: 'False' };
  assert.equal(isNodeReady(nodeWith([memory, { type: 'Ready', status: 'True' }])), true);
  assert.equal(isNodeReady(nodeWith([{ type: 'Ready', status: 'False' }])), false);
  assert.equal(isNodeReady(nodeWith([{ type: 'Ready', status: 'Unknown' }])), false);
  assert.equal(isNodeReady(nodeWith([{ type: 'MemoryPressure', status: 'True' }])), false);
  assert.equal(isNodeReady(nodeWith([])), false);
  assert.equal(isNodeReady(nodeWith(undefined)), false);
  assert.equal(isNodeReady({}), false);
});
