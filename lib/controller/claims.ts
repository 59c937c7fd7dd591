// Which replica works on a node. SQS gives a message to one consumer at a time, but one node gets
// several messages (spot warning + state change + ASG terminate), possibly on different replicas.
// Each replica claims a node with a Lease (`nth-node-<node>`) before acting on it and deletes it
// when done. The claim is not renewed itself: it is live while its holder's replica Lease
// (replica-lease.ts) is renewed, so a storm of 500 drains costs one renewal per replica, not one
// per node. A replica that dies stops renewing; after its lease duration another replica may take
// its claims over and resume (every step of a drain is idempotent). Leases beat leader election
// here: all replicas work at once, on different nodes, and a crash stalls only the nodes the dead
// replica held.
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import { statusOf } from '../kube/api-error.ts';
import type { Logger } from '../observe/logger.ts';
import { boundedLeaseName, expired, MicroTime } from './lease-time.ts';
import { replicaAlive } from './replica-lease.ts';

export { MicroTime } from './lease-time.ts';

export interface ClaimSettings {
  namespace: string;
  holderIdentity: string;
  leaseDurationSeconds: number;
}

export interface Claim {
  /** Deletes the Lease, so another replica need not wait for this one to stop. */
  release(): Promise<void>;
}

export class ClaimHeldError extends Error {
  override readonly name = 'ClaimHeldError';
  readonly holder: string;
  readonly nodeName: string;
  constructor(nodeName: string, holder: string) {
    super(`node ${nodeName} is being worked on by ${holder}`);
    this.nodeName = nodeName;
    this.holder = holder;
  }
}

/** A Lease name for a node: readable when it fits, hashed when the node name is too long. */
export function leaseNameFor(nodeName: string): string {
  return boundedLeaseName('nth-node-', nodeName);
}

type LeaseApi = Pick<CoordinationV1Api, 'readNamespacedLease' | 'createNamespacedLease' | 'replaceNamespacedLease' | 'deleteNamespacedLease'>;

export class NodeClaims {
  private readonly api: LeaseApi;
  private readonly settings: ClaimSettings;
  private readonly logger: Logger;
  private readonly now: () => Date;

  constructor(api: LeaseApi, settings: ClaimSettings, logger: Logger, now: () => Date = () => new Date()) {
    this.api = api;
    this.settings = settings;
    this.logger = logger;
    this.now = now;
  }

  /**
   * Claims the node or throws ClaimHeldError naming the live holder. The common case (nobody holds
   * it) is one create; a Lease already there costs a read, and a foreign one a read of its
   * holder's replica Lease.
   */
  async acquire(nodeName: string): Promise<Claim> {
    const name = leaseNameFor(nodeName);
    const { namespace, holderIdentity, leaseDurationSeconds } = this.settings;
    const now = this.now();
    const stamp = new MicroTime(now.getTime());
    const spec = { holderIdentity, leaseDurationSeconds, renewTime: stamp, acquireTime: stamp, leaseTransitions: 0 };
    try {
      const created = await this.api.createNamespacedLease({
        namespace,
        body: { metadata: { name, namespace, labels: { 'app.kubernetes.io/name': 'node-termination-handler' }, annotations: { 'node-termination-handler.aws/node': nodeName } }, spec },
      });
      return this.claim(nodeName, created);
    } catch (error) {
      if (statusOf(error) !== 409) throw error; // 409 AlreadyExists: look at who holds it
    }
    let current: V1Lease;
    try {
      current = await this.api.readNamespacedLease({ name, namespace });
    } catch (error) {
      // Deleted between our create and read: its holder just released it; come back in a moment.
      if (statusOf(error) === 404) throw new ClaimHeldError(nodeName, 'another replica (just released)');
      throw error;
    }
    const holder = current.spec?.holderIdentity ?? '';
    if (holder && holder !== holderIdentity && await this.held(current, holder, now)) throw new ClaimHeldError(nodeName, holder);
    const transitions = (current.spec?.leaseTransitions ?? 0) + (holder === holderIdentity ? 0 : 1);
    try {
      // The resourceVersion we read makes this a compare-and-swap: two replicas cannot both win.
      current = await this.api.replaceNamespacedLease({ name, namespace, body: { ...current, spec: { ...spec, leaseTransitions: transitions } } });
    } catch (error) {
      if (statusOf(error) === 409) throw new ClaimHeldError(nodeName, 'another replica (conflict)');
      throw error;
    }
    if (holder && holder !== holderIdentity) this.logger.warn({ nodeName, previousHolder: holder }, 'took over the claim of a replica that stopped');
    return this.claim(nodeName, current);
  }

  /**
   * A foreign claim holds while it is younger than its duration (its holder may still be starting,
   * or renew the claim itself, as releases before replica Leases did) or its holder's replica
   * Lease is live.
   */
  private async held(lease: V1Lease, holder: string, now: Date): Promise<boolean> {
    if (!expired(lease, now)) return true;
    return await replicaAlive(this.api, this.settings.namespace, holder, now);
  }

  private claim(nodeName: string, lease: V1Lease): Claim {
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        await this.delete(nodeName, lease.metadata?.resourceVersion, 1);
      },
    };
  }

  /**
   * A claim we fail to delete would hold the node against other replicas for as long as this one
   * lives (it is not renewed, but our replica Lease is), so the delete is tried again a few times.
   */
  private async delete(nodeName: string, resourceVersion: string | undefined, attempt: number): Promise<void> {
    const { namespace, leaseDurationSeconds } = this.settings;
    try {
      await this.api.deleteNamespacedLease({ name: leaseNameFor(nodeName), namespace, body: { preconditions: resourceVersion ? { resourceVersion } : undefined } });
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 || status === 409) return; // gone, or taken over since: not ours to delete
      if (attempt === 1) this.logger.warn({ err: error, nodeName }, 'releasing the node claim failed; trying again in the background');
      if (attempt >= MAX_RELEASE_ATTEMPTS) {
        this.logger.warn({ nodeName }, `node claim still not released after ${attempt} attempts; it lapses when this replica stops`);
        return;
      }
      const retry = setTimeout(() => void this.delete(nodeName, resourceVersion, attempt + 1), (leaseDurationSeconds * 1000) / 3);
      retry.unref();
    }
  }
}

const MAX_RELEASE_ATTEMPTS = 10;
