// InstanceResolver: Node index first, EC2 only when the managed-tag check or the DNS-name fallback
// needs it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import type { InstanceDirectory, InstanceInfo } from '../../../lib/aws/instances.ts';
import type { NodeLookup } from '../../../lib/kube/node-index.ts';
import { InstanceResolver, type ResolveSettings } from '../../../lib/controller/resolve.ts';

const MANAGED = 'aws-node-termination-handler/managed';
const IN_INDEX = 'i-0000000000000000a';
const BY_DNS = 'i-0000000000000000b';
const NO_NODE = 'i-0000000000000000c';
const UNKNOWN = 'i-0000000000000000d';

function node(name: string, instanceId?: string): V1Node {
  return { metadata: { name }, spec: instanceId ? { providerID: `aws:///us-east-1a/${instanceId}` } : {} };
}

const INDEXED_NODE = node('ip-10-0-0-1.ec2.internal', IN_INDEX);
const DNS_NODE = node('ip-10-0-0-2.ec2.internal');

class FakeNodes implements NodeLookup {
  byInstanceId(instanceId: string): V1Node | undefined {
    return instanceId === IN_INDEX ? INDEXED_NODE : undefined;
  }
  byName(name: string): V1Node | undefined {
    return name === DNS_NODE.metadata?.name ? DNS_NODE : undefined;
  }
}

class FakeDirectory implements InstanceDirectory {
  readonly asked: string[][] = [];
  failWith: Error | undefined;
  readonly known = new Map<string, InstanceInfo>([
    [IN_INDEX, { instanceId: IN_INDEX, privateDnsName: 'ip-10-0-0-1.ec2.internal', tags: { [MANAGED]: '' } }],
    [BY_DNS, { instanceId: BY_DNS, privateDnsName: 'ip-10-0-0-2.ec2.internal', tags: { [MANAGED]: 'true' } }],
    [NO_NODE, { instanceId: NO_NODE, privateDnsName: 'ip-10-0-0-3.ec2.internal', tags: { team: 'other' } }],
  ]);

  describe(instanceIds: readonly string[]): Promise<Map<string, InstanceInfo>> {
    this.asked.push([...instanceIds]);
    if (this.failWith) return Promise.reject(this.failWith);
    return Promise.resolve(new Map(instanceIds.flatMap((id) => {
      const info = this.known.get(id);
      return info ? [[id, info] as const] : [];
    })));
  }
}

function resolver(settings: Partial<ResolveSettings>) {
  const directory = new FakeDirectory();
  const resolve = new InstanceResolver(new FakeNodes(), directory, {
    useProviderId: false, checkTagBeforeDraining: false, managedTag: MANAGED, ...settings,
  });
  return { resolve, directory };
}

const summary = (r: { instanceId: string; node: V1Node | undefined; managed: boolean }) => [r.instanceId, r.node?.metadata?.name, r.managed];

test('a Node in the providerID index needs no EC2 call', async () => {
  for (const useProviderId of [false, true]) {
    const { resolve, directory } = resolver({ useProviderId });
    const [result] = await resolve.resolve([IN_INDEX]);
    assert.deepEqual(result, { instanceId: IN_INDEX, node: INDEXED_NODE, managed: true, ec2: undefined });
    assert.deepEqual(directory.asked, []);
  }
});

test('without useProviderId, an instance not in the index is found by its private DNS name', async () => {
  const { resolve, directory } = resolver({ useProviderId: false });
  const results = await resolve.resolve([IN_INDEX, BY_DNS, NO_NODE, UNKNOWN]);
  assert.deepEqual(directory.asked, [[BY_DNS, NO_NODE, UNKNOWN]], 'one call, only for the IDs the index lacks');
  assert.deepEqual(results.map(summary), [
    [IN_INDEX, 'ip-10-0-0-1.ec2.internal', true],
    [BY_DNS, 'ip-10-0-0-2.ec2.internal', true],
    [NO_NODE, undefined, true],
    [UNKNOWN, undefined, true],
  ]);
  assert.equal(results[1]?.ec2?.privateDnsName, 'ip-10-0-0-2.ec2.internal');
});

test('with useProviderId, no DNS fallback and no EC2 call', async () => {
  const { resolve, directory } = resolver({ useProviderId: true });
  const results = await resolve.resolve([IN_INDEX, BY_DNS, UNKNOWN]);
  assert.deepEqual(directory.asked, []);
  assert.deepEqual(results.map(summary), [[IN_INDEX, 'ip-10-0-0-1.ec2.internal', true], [BY_DNS, undefined, true], [UNKNOWN, undefined, true]]);
});

test('the managed-tag check asks EC2 for every instance; tag present (any value) = managed', async () => {
  const { resolve, directory } = resolver({ useProviderId: true, checkTagBeforeDraining: true });
  const results = await resolve.resolve([IN_INDEX, BY_DNS, NO_NODE, UNKNOWN]);
  assert.deepEqual(directory.asked, [[IN_INDEX, BY_DNS, NO_NODE, UNKNOWN]]);
  assert.deepEqual(results.map(summary), [
    [IN_INDEX, 'ip-10-0-0-1.ec2.internal', true],
    [BY_DNS, undefined, true],
    [NO_NODE, undefined, false],
    [UNKNOWN, undefined, false],
  ]);
  assert.equal(results[3]?.ec2, undefined, 'EC2 does not know it: not ours');
});

test('the managed-tag check with the DNS fallback uses the same single EC2 answer', async () => {
  const { resolve, directory } = resolver({ useProviderId: false, checkTagBeforeDraining: true, managedTag: 'team' });
  const results = await resolve.resolve([BY_DNS, NO_NODE]);
  assert.equal(directory.asked.length, 1);
  assert.deepEqual(results.map(summary), [[BY_DNS, 'ip-10-0-0-2.ec2.internal', false], [NO_NODE, undefined, true]]);
});

test('an EC2 failure, when EC2 is needed, is thrown (the message is retried)', async () => {
  const { resolve, directory } = resolver({ checkTagBeforeDraining: true });
  directory.failWith = new Error('RequestLimitExceeded');
  await assert.rejects(resolve.resolve([IN_INDEX]), { message: 'RequestLimitExceeded' });
  const noTag = resolver({ useProviderId: false });
  noTag.directory.failWith = new Error('RequestLimitExceeded');
  assert.equal((await noTag.resolve.resolve([IN_INDEX]))[0]?.node, INDEXED_NODE, 'not needed, not asked');
});

test('results keep the order of the IDs asked for', async () => {
  const { resolve } = resolver({});
  const results = await resolve.resolve([UNKNOWN, IN_INDEX, BY_DNS]);
  assert.deepEqual(results.map((r) => r.instanceId), [UNKNOWN, IN_INDEX, BY_DNS]);
});
