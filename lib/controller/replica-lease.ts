// This replica's heartbeat: one Lease (`nth-replica-<identity>`) renewed every third of its
// duration for as long as the process runs. Node claims (claims.ts) are not renewed one by one;
// a claim is live while its holder's replica Lease is. In a 500-node storm per-claim renewals were
// a third of all our Kubernetes requests (a renewal every 5 s for every node being drained); one
// Lease per replica costs the same however many nodes it holds.
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import { statusOf } from '../kube/api-error.ts';
import type { Logger } from '../observe/logger.ts';
import { boundedLeaseName, expired, MicroTime, micro } from './lease-time.ts';

export type ReplicaLeaseApi = Pick<CoordinationV1Api, 'readNamespacedLease' | 'createNamespacedLease' | 'replaceNamespacedLease' | 'deleteNamespacedLease'>;

export interface ReplicaLeaseSettings {
  namespace: string;
  holderIdentity: string;
  leaseDurationSeconds: number;
}

export function replicaLeaseNameFor(holderIdentity: string): string {
  return boundedLeaseName('nth-replica-', holderIdentity);
}

/** Whether the replica named `holderIdentity` has renewed its Lease within that Lease's duration. */
export async function replicaAlive(api: Pick<CoordinationV1Api, 'readNamespacedLease'>, namespace: string, holderIdentity: string, now: Date): Promise<boolean> {
  try {
    const lease = await api.readNamespacedLease({ name: replicaLeaseNameFor(holderIdentity), namespace });
    return lease.spec?.holderIdentity === holderIdentity && !expired(lease, now);
  } catch (error) {
    if (statusOf(error) === 404) return false; // stopped cleanly, or never started
    throw error;
  }
}

export class ReplicaLease {
  private readonly api: ReplicaLeaseApi;
  private readonly settings: ReplicaLeaseSettings;
  private readonly logger: Logger;
  private readonly now: () => Date;
  private lease: V1Lease | undefined;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;

  constructor(api: ReplicaLeaseApi, settings: ReplicaLeaseSettings, logger: Logger, now: () => Date = () => new Date()) {
    this.api = api;
    this.settings = settings;
    this.logger = logger.child({ lease: replicaLeaseNameFor(settings.holderIdentity) });
    this.now = now;
  }

  get name(): string {
    return replicaLeaseNameFor(this.settings.holderIdentity);
  }

  /**
   * Writes the Lease now and keeps renewing it. Never throws: a replica that cannot write its Lease
   * still works (its claims look live for one duration after each acquire), and keeps trying.
   */
  async start(): Promise<void> {
    if (this.timer) return;
    this.timer = setInterval(() => void this.renew(), (this.settings.leaseDurationSeconds * 1000) / 3);
    await this.renew();
  }

  /** Stops renewing and deletes the Lease, so claims left behind can be taken over at once. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.renewing;
    const resourceVersion = this.lease?.metadata?.resourceVersion;
    if (!this.lease) return;
    this.lease = undefined;
    await this.api.deleteNamespacedLease({ name: this.name, namespace: this.settings.namespace, body: { preconditions: resourceVersion ? { resourceVersion } : undefined } })
      .catch((error: unknown) => {
        if (statusOf(error) !== 404) this.logger.warn({ err: error }, 'could not delete the replica Lease; it expires by itself');
      });
  }

  /** One renewal at a time: in a storm one can wait at the rate limiter longer than the period. */
  renew(): Promise<void> {
    this.renewing ??= this.write().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async write(): Promise<void> {
    const { namespace, holderIdentity, leaseDurationSeconds } = this.settings;
    const name = this.name;
    const stamp = new MicroTime(this.now().getTime());
    try {
      if (this.lease) {
        this.lease = await this.api.replaceNamespacedLease({ name, namespace, body: { ...this.lease, spec: { ...this.lease.spec, acquireTime: micro(this.lease.spec?.acquireTime), renewTime: stamp } } });
        return;
      }
      try {
        this.lease = await this.api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace, labels: { 'app.kubernetes.io/name': 'node-termination-handler', 'node-termination-handler.aws/lease': 'replica' } },
            spec: { holderIdentity, leaseDurationSeconds, acquireTime: stamp, renewTime: stamp },
          },
        });
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
        // Ours from before a restart (same pod name): adopt it.
        const current = await this.api.readNamespacedLease({ name, namespace });
        this.lease = await this.api.replaceNamespacedLease({ name, namespace, body: { ...current, spec: { ...current.spec, holderIdentity, leaseDurationSeconds, acquireTime: stamp, renewTime: stamp } } });
      }
    } catch (error) {
      // 404: deleted under us; 409: changed under us. Either way start over from a create/read.
      if (statusOf(error) === 404 || statusOf(error) === 409) this.lease = undefined;
      this.logger.warn({ err: error }, 'renewing the replica Lease failed; will retry');
    }
  }
}
