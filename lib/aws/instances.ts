// EC2 instance facts (private DNS name, state, tags) for the resolver and the managed-tag check.
// Lookups from concurrent messages are gathered for a few milliseconds and sent as one
// DescribeInstances per 200 IDs, and answers (found or not) are cached for a while. A storm
// spreads its events over seconds, though, so a batch window alone still costs a call every few
// events: the first miss also fetches the other instances worth knowing (`alsoFetch`: the
// cluster's nodes), and later lookups of an ID already being fetched wait for that call. An
// interruption storm of 500 events then costs a handful of EC2 calls, not hundreds.
import { DescribeInstancesCommand, type DescribeInstancesCommandOutput, type EC2Client } from '@aws-sdk/client-ec2';

export interface InstanceInfo {
  instanceId: string;
  privateDnsName?: string;
  state?: string;
  availabilityZone?: string;
  tags: Readonly<Record<string, string>>;
}

export interface InstanceDirectory {
  /** Facts for each ID that exists; IDs EC2 does not know are absent from the map. */
  describe(instanceIds: readonly string[]): Promise<Map<string, InstanceInfo>>;
}

type Ec2Sender = Pick<EC2Client, 'send'>;

export interface Ec2DirectoryOptions {
  ec2: Ec2Sender;
  /** How long an answer is reused. */
  ttlMs?: number;
  /** How long lookups are gathered before one call goes out. */
  batchWindowMs?: number;
  now?: () => number;
  /** Called once per DescribeInstances request, for metrics. */
  onRequest?: (outcome: 'ok' | 'error') => void;
  /** IDs to fetch along with any miss (not cached, not in flight), at most `alsoFetchLimit`. */
  alsoFetch?: () => Iterable<string>;
  /** Default 1000: five calls, so one event in a large cluster does not describe all of it. */
  alsoFetchLimit?: number;
}

/** The `instance-id` filter takes at most 200 values per call. */
const IDS_PER_CALL = 200;

interface CacheEntry {
  info: InstanceInfo | undefined;
  expiresAt: number;
}

interface PendingLookup {
  ids: Set<string>;
  done: Promise<void>;
}

export class Ec2InstanceDirectory implements InstanceDirectory {
  private readonly ec2: Ec2Sender;
  private readonly ttlMs: number;
  private readonly batchWindowMs: number;
  private readonly now: () => number;
  private readonly onRequest: (outcome: 'ok' | 'error') => void;
  private readonly cache = new Map<string, CacheEntry>();
  private pending: PendingLookup | undefined;
  /** ID → the call fetching it now. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly alsoFetch: () => Iterable<string>;
  private readonly alsoFetchLimit: number;

  constructor(options: Ec2DirectoryOptions) {
    this.ec2 = options.ec2;
    this.ttlMs = options.ttlMs ?? 60_000;
    this.batchWindowMs = options.batchWindowMs ?? 25;
    this.now = options.now ?? Date.now;
    this.onRequest = options.onRequest ?? (() => undefined);
    this.alsoFetch = options.alsoFetch ?? (() => []);
    this.alsoFetchLimit = options.alsoFetchLimit ?? 1000;
  }

  async describe(instanceIds: readonly string[]): Promise<Map<string, InstanceInfo>> {
    const missing = instanceIds.filter((id) => !this.fresh(id));
    if (missing.length > 0) {
      const waits = new Set<Promise<void>>();
      const ask: string[] = [];
      for (const id of missing) {
        const fetching = this.inFlight.get(id);
        if (fetching) waits.add(fetching);
        else ask.push(id);
      }
      if (ask.length > 0) waits.add(this.lookup(ask));
      await Promise.all(waits);
    }
    const found = new Map<string, InstanceInfo>();
    for (const id of instanceIds) {
      const info = this.cache.get(id)?.info;
      if (info) found.set(id, info);
    }
    return found;
  }

  private fresh(id: string): boolean {
    const entry = this.cache.get(id);
    return entry !== undefined && entry.expiresAt > this.now();
  }

  /** Joins the batch being gathered, or starts one. */
  private lookup(ids: readonly string[]): Promise<void> {
    if (!this.pending) {
      const batch: PendingLookup = { ids: new Set(), done: Promise.resolve() };
      batch.done = new Promise((resolve) => setTimeout(resolve, this.batchWindowMs)).then(() => {
        if (this.pending === batch) this.pending = undefined;
        const ids = [...batch.ids];
        for (const id of this.alsoFetch()) {
          if (ids.length >= batch.ids.size + this.alsoFetchLimit) break;
          if (!batch.ids.has(id) && !this.inFlight.has(id) && !this.fresh(id)) ids.push(id);
        }
        const call = this.fetch(ids);
        for (const id of ids) this.inFlight.set(id, call);
        const forget = (): void => {
          for (const id of ids) if (this.inFlight.get(id) === call) this.inFlight.delete(id);
        };
        call.then(forget, forget);
        return call;
      });
      this.pending = batch;
    }
    for (const id of ids) this.pending.ids.add(id);
    return this.pending.done;
  }

  private async fetch(ids: string[]): Promise<void> {
    this.prune();
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += IDS_PER_CALL) chunks.push(ids.slice(i, i + IDS_PER_CALL));
    // The chunks go at once: the message that missed waits for the slowest, not for their sum.
    await Promise.all(chunks.map((chunk) => this.fetchChunk(chunk)));
  }

  private async fetchChunk(chunk: string[]): Promise<void> {
    const seen = new Set<string>();
    let nextToken: string | undefined;
    do {
      let page: DescribeInstancesCommandOutput;
      try {
        // A filter, not InstanceIds: with InstanceIds one unknown ID fails the whole call.
        page = await this.ec2.send(new DescribeInstancesCommand({
          Filters: [{ Name: 'instance-id', Values: chunk }],
          NextToken: nextToken,
        }));
        this.onRequest('ok');
      } catch (error) {
        this.onRequest('error');
        throw error;
      }
      for (const instance of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        if (!instance.InstanceId) continue;
        seen.add(instance.InstanceId);
        this.cache.set(instance.InstanceId, { info: toInfo(instance.InstanceId, instance), expiresAt: this.now() + this.ttlMs });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    for (const id of chunk) {
      // Unknown now may exist soon (a launch); remember the absence only briefly.
      if (!seen.has(id)) this.cache.set(id, { info: undefined, expiresAt: this.now() + Math.min(this.ttlMs, 5_000) });
    }
  }

  /** Forgets answers long past their use, so the cache does not grow with every ID ever seen. */
  private prune(): void {
    const cutoff = this.now() - this.ttlMs;
    for (const [id, entry] of this.cache) if (entry.expiresAt < cutoff) this.cache.delete(id);
  }
}

type Ec2Instance = NonNullable<NonNullable<DescribeInstancesCommandOutput['Reservations']>[number]['Instances']>[number];

function toInfo(instanceId: string, instance: Ec2Instance): InstanceInfo {
  const tags: Record<string, string> = {};
  for (const tag of instance.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  return {
    instanceId,
    privateDnsName: instance.PrivateDnsName || undefined,
    state: instance.State?.Name,
    availabilityZone: instance.Placement?.AvailabilityZone,
    tags,
  };
}
