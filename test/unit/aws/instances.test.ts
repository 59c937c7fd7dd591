// Ec2InstanceDirectory against an in-memory EC2: lookups gathered into one call, split at 200 IDs,
// paged, cached (absences briefly), and errors shared by everyone waiting.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DescribeInstancesCommand, type DescribeInstancesCommandInput, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { Ec2InstanceDirectory, type Ec2DirectoryOptions } from '../../../lib/aws/instances.ts';

const id = (n: number): string => `i-${n.toString(16).padStart(17, '0')}`;

function instance(n: number, tags: Record<string, string> = {}): Instance {
  return {
    InstanceId: id(n),
    PrivateDnsName: `ip-10-0-0-${n}.ec2.internal`,
    State: { Name: 'running' },
    Placement: { AvailabilityZone: 'us-east-1a' },
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

/** EC2 that knows `instances`, answers `pageSize` instances per page, and fails while `failWith` is set. */
class FakeEc2 {
  readonly inputs: DescribeInstancesCommandInput[] = [];
  readonly known = new Map<string, Instance>();
  pageSize = 1000;
  failWith: Error | undefined;

  constructor(instances: Instance[]) {
    for (const i of instances) this.known.set(i.InstanceId ?? '', i);
  }

  /** The fake as the directory types its client (only DescribeInstances is implemented). */
  client(): Pick<EC2Client, 'send'> {
    return this;
  }

  send(command: object): Promise<object> {
    if (!(command instanceof DescribeInstancesCommand)) throw new Error(`unexpected ${command.constructor.name}`);
    this.inputs.push(command.input);
    if (this.failWith) return Promise.reject(this.failWith);
    const ids = command.input.Filters?.find((f) => f.Name === 'instance-id')?.Values ?? [];
    const matches = ids.flatMap((i) => this.known.get(i) ?? []);
    const start = Number(command.input.NextToken ?? 0);
    const page = matches.slice(start, start + this.pageSize);
    const next = start + this.pageSize < matches.length ? String(start + this.pageSize) : undefined;
    // Two reservations per page, as EC2 groups instances by launch request.
    const half = Math.ceil(page.length / 2);
    return Promise.resolve({ Reservations: [{ Instances: page.slice(0, half) }, { Instances: page.slice(half) }], NextToken: next });
  }

  idsAsked(): string[][] {
    return this.inputs.map((input) => input.Filters?.[0]?.Values ?? []);
  }
}

function directory(ec2: FakeEc2, options: Partial<Ec2DirectoryOptions> = {}) {
  const requests: string[] = [];
  let clock = 1_000_000;
  const dir = new Ec2InstanceDirectory({
    ec2: ec2.client(), batchWindowMs: 2, ttlMs: 60_000, now: () => clock,
    onRequest: (outcome) => requests.push(outcome), ...options,
  });
  return { dir, requests, advance: (ms: number) => (clock += ms) };
}

test('facts of an instance: DNS name, state, zone, tags', async () => {
  const ec2 = new FakeEc2([instance(1, { 'aws-node-termination-handler/managed': '', team: 'a' })]);
  const { dir } = directory(ec2);
  const found = await dir.describe([id(1)]);
  assert.deepEqual(found.get(id(1)), {
    instanceId: id(1), privateDnsName: 'ip-10-0-0-1.ec2.internal', state: 'running', availabilityZone: 'us-east-1a',
    tags: { 'aws-node-termination-handler/managed': '', team: 'a' },
  });
});

test('lookups made within the batch window share one DescribeInstances, by instance-id filter', async () => {
  const ec2 = new FakeEc2([instance(1), instance(2), instance(3)]);
  const { dir, requests } = directory(ec2);
  const [a, b, c] = await Promise.all([dir.describe([id(1)]), dir.describe([id(2), id(1)]), dir.describe([id(3), id(99)])]);
  assert.equal(ec2.inputs.length, 1);
  assert.equal(ec2.inputs[0]?.InstanceIds, undefined, 'InstanceIds would fail the whole call on one unknown ID');
  assert.deepEqual(ec2.idsAsked()[0]?.sort(), [id(1), id(2), id(3), id(99)].sort());
  assert.deepEqual([...a.keys()], [id(1)]);
  assert.deepEqual([...b.keys()], [id(2), id(1)]);
  assert.deepEqual([...c.keys()], [id(3)], 'an unknown ID is absent');
  assert.deepEqual(requests, ['ok']);
});

test('more than 200 IDs are split into calls of at most 200', async () => {
  const all = Array.from({ length: 450 }, (_, n) => instance(n));
  const ec2 = new FakeEc2(all);
  const { dir } = directory(ec2);
  const found = await dir.describe(all.map((i) => i.InstanceId ?? ''));
  assert.equal(found.size, 450);
  assert.deepEqual(ec2.idsAsked().map((ids) => ids.length), [200, 200, 50]);
  assert.equal(new Set(ec2.idsAsked().flat()).size, 450);
});

test('pages are followed through NextToken', async () => {
  const ec2 = new FakeEc2(Array.from({ length: 7 }, (_, n) => instance(n)));
  ec2.pageSize = 3;
  const { dir, requests } = directory(ec2);
  const found = await dir.describe(Array.from({ length: 7 }, (_, n) => id(n)));
  assert.equal(found.size, 7);
  assert.deepEqual(ec2.inputs.map((i) => i.NextToken), [undefined, '3', '6']);
  assert.ok(ec2.inputs.every((i) => i.Filters?.[0]?.Values?.length === 7), 'each page asks for the same IDs');
  assert.deepEqual(requests, ['ok', 'ok', 'ok']);
});

test('answers are reused until the TTL runs out', async () => {
  const ec2 = new FakeEc2([instance(1)]);
  const { dir, advance } = directory(ec2, { ttlMs: 60_000 });
  await dir.describe([id(1)]);
  advance(59_999);
  assert.equal((await dir.describe([id(1)])).size, 1);
  assert.equal(ec2.inputs.length, 1);
  ec2.known.set(id(1), { ...instance(1), State: { Name: 'stopping' } });
  advance(1);
  assert.equal((await dir.describe([id(1)])).get(id(1))?.state, 'stopping');
  assert.equal(ec2.inputs.length, 2);
});

test('only the IDs not in the cache are asked for', async () => {
  const ec2 = new FakeEc2([instance(1), instance(2)]);
  const { dir } = directory(ec2);
  await dir.describe([id(1)]);
  const found = await dir.describe([id(1), id(2)]);
  assert.equal(found.size, 2);
  assert.deepEqual(ec2.idsAsked(), [[id(1)], [id(2)]]);
});

test('an unknown ID is remembered for 5 s only (it may be launching)', async () => {
  const ec2 = new FakeEc2([]);
  const { dir, advance } = directory(ec2);
  assert.equal((await dir.describe([id(7)])).size, 0);
  advance(4_999);
  assert.equal((await dir.describe([id(7)])).size, 0);
  assert.equal(ec2.inputs.length, 1);
  ec2.known.set(id(7), instance(7));
  advance(1);
  assert.equal((await dir.describe([id(7)])).size, 1);
  assert.equal(ec2.inputs.length, 2);
});

test('with a TTL under 5 s, absences last no longer than the TTL', async () => {
  const ec2 = new FakeEc2([]);
  const { dir, advance } = directory(ec2, { ttlMs: 1000 });
  await dir.describe([id(7)]);
  advance(1000);
  await dir.describe([id(7)]);
  assert.equal(ec2.inputs.length, 2);
});

test('an EC2 error reaches every waiter of the batch, is counted, and is not cached', async () => {
  const ec2 = new FakeEc2([instance(1), instance(2)]);
  const { dir, requests } = directory(ec2);
  ec2.failWith = Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded' });
  const results = await Promise.allSettled([dir.describe([id(1)]), dir.describe([id(2)])]);
  assert.equal(ec2.inputs.length, 1);
  for (const r of results) assert.ok(r.status === 'rejected' && r.reason instanceof Error && r.reason.name === 'RequestLimitExceeded');
  assert.deepEqual(requests, ['error']);
  ec2.failWith = undefined;
  assert.equal((await dir.describe([id(1), id(2)])).size, 2);
  assert.deepEqual(requests, ['error', 'ok']);
});

test('an error on a later page fails the lookup', async () => {
  const ec2 = new FakeEc2([instance(1), instance(2)]);
  ec2.pageSize = 1;
  const { dir, requests } = directory(ec2);
  const original = ec2.send.bind(ec2);
  ec2.send = (command) => {
    if (ec2.inputs.length === 1) ec2.failWith = new Error('boom');
    return original(command);
  };
  await assert.rejects(dir.describe([id(1), id(2)]), { message: 'boom' });
  assert.deepEqual(requests, ['ok', 'error']);
});

test('no IDs, no call; a lookup after the window starts a new batch', async () => {
  const ec2 = new FakeEc2([instance(1), instance(2)]);
  const { dir } = directory(ec2);
  assert.equal((await dir.describe([])).size, 0);
  assert.equal(ec2.inputs.length, 0);
  await dir.describe([id(1)]);
  await dir.describe([id(2)]);
  assert.equal(ec2.inputs.length, 2);
});

test('the first miss also fetches the cluster\'s other instances, so a storm costs one call', async () => {
  const all = Array.from({ length: 5 }, (_, n) => instance(n));
  const ec2 = new FakeEc2(all);
  const { dir } = directory(ec2, { alsoFetch: () => all.map((i) => i.InstanceId ?? '') });
  await dir.describe([id(0)]);
  assert.deepEqual(ec2.idsAsked().map((ids) => ids.length), [5]);
  for (let n = 1; n < 5; n++) assert.equal((await dir.describe([id(n)])).size, 1);
  assert.equal(ec2.inputs.length, 1, 'the later events were cache hits');
});

test('alsoFetch is capped, and skips what is cached', async () => {
  const all = Array.from({ length: 10 }, (_, n) => instance(n));
  const ec2 = new FakeEc2(all);
  const { dir } = directory(ec2, { alsoFetch: () => all.map((i) => i.InstanceId ?? ''), alsoFetchLimit: 3 });
  await dir.describe([id(0)]);
  assert.deepEqual(ec2.idsAsked()[0], [id(0), id(1), id(2), id(3)]);
  await dir.describe([id(9)]);
  assert.deepEqual(ec2.idsAsked()[1], [id(9), id(4), id(5), id(6)], 'IDs 0-3 are cached and not asked again');
});

test('a lookup of an ID already being fetched waits for that call instead of making another', async () => {
  const ec2 = new FakeEc2([instance(1), instance(2)]);
  let release: () => void = () => undefined;
  const original = ec2.send.bind(ec2);
  ec2.send = (command) => new Promise((resolve) => (release = () => resolve(original(command))));
  const { dir } = directory(ec2, { alsoFetch: () => [id(2)] });
  const first = dir.describe([id(1)]);
  await new Promise((resolve) => setTimeout(resolve, 10)); // the batch window has closed; the call is out
  const second = dir.describe([id(2)]);
  release();
  assert.equal((await first).size, 1);
  assert.equal((await second).size, 1);
  assert.equal(ec2.inputs.length, 1);
});
