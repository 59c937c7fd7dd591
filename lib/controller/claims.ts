// Which replica works on a node. SQS gives a message to one consumer at a time, but one node gets
// several messages (spot warning + state change + ASG terminate), possibly on different replicas.
// Each replica claims a node with a Lease before acting on it and renews the Lease while it works;
// a replica that dies stops renewing, so after leaseDurationSeconds another may take over and
// resume (every step of a drain is idempotent). Leases beat leader election here: all replicas
// work at once, on different nodes, and a crash stalls only the nodes the dead replica held.
import { createHash } from 'node:crypto';
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import { statusOf } from '../kube/api-error.ts';
import type { Logger } from '../observe/logger.ts';

export interface ClaimSettings {
  namespace: string;
  holderIdentity: string;
  leaseDurationSeconds: number;
}

export interface Claim {
  /** Stops renewing and deletes the Lease, so another replica need not wait for it to expire. */
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
  const name = `nth-node-${nodeName}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
  if (name.length <= 63) return name;
  return `nth-node-${createHash('sha256').update(nodeName).digest('hex').slice(0, 32)}`;
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

  /** Claims the node or throws ClaimHeldError naming the live holder. */
  async acquire(nodeName: string): Promise<Claim> {
    const name = leaseNameFor(nodeName);
    const { namespace, holderIdentity, leaseDurationSeconds } = this.settings;
    let current: V1Lease | undefined;
    try {
      current = await this.api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
    const now = this.now();
    const stamp = new MicroTime(now.getTime());
    const spec = { holderIdentity, leaseDurationSeconds, renewTime: stamp, acquireTime: stamp, leaseTransitions: 0 };
    try {
      if (!current) {
        current = await this.api.createNamespacedLease({ namespace, body: { metadata: { name, namespace, labels: { 'app.kubernetes.io/name': 'node-termination-handler' }, annotations: { 'node-termination-handler.aws/node': nodeName } }, spec } });
      } else {
        const holder = current.spec?.holderIdentity ?? '';
        if (holder && holder !== holderIdentity && !expired(current, now)) throw new ClaimHeldError(nodeName, holder);
        const transitions = (current.spec?.leaseTransitions ?? 0) + (holder === holderIdentity ? 0 : 1);
        // The resourceVersion we read makes this a compare-and-swap: two replicas cannot both win.
        current = await this.api.replaceNamespacedLease({ name, namespace, body: { ...current, spec: { ...spec, leaseTransitions: transitions } } });
        if (holder && holder !== holderIdentity) this.logger.warn({ nodeName, previousHolder: holder }, 'took over the claim of a replica that stopped renewing it');
      }
    } catch (error) {
      if (statusOf(error) === 409) throw new ClaimHeldError(nodeName, 'another replica (conflict)');
      throw error;
    }
    return this.keep(nodeName, current);
  }

  private keep(nodeName: string, acquired: V1Lease): Claim {
    const { namespace, leaseDurationSeconds } = this.settings;
    const name = leaseNameFor(nodeName);
    let lease = acquired;
    let released = false;
    let renewing = false;
    const renew = async (): Promise<void> => {
      // One renewal at a time: in a storm a renewal can wait at the rate limiter longer than the
      // period, and two carrying the same resourceVersion make one fail with 409 (then a read).
      if (renewing) return;
      renewing = true;
      try {
        lease = await this.api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: { ...lease.spec, acquireTime: micro(lease.spec?.acquireTime), renewTime: new MicroTime(this.now().getTime()) } } });
      } catch (error) {
        // Keep working: if the Lease is lost for good, the worst case is a second replica
        // repeating idempotent steps. The message stays ours until its visibility runs out.
        this.logger.warn({ err: error, nodeName }, 'renewing the node claim failed');
        if (statusOf(error) === 409) {
          lease = await this.api.readNamespacedLease({ name, namespace }).catch(() => lease);
        }
      } finally {
        renewing = false;
      }
    };
    const timer = setInterval(() => void renew(), (leaseDurationSeconds * 1000) / 3);
    return {
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        const resourceVersion = lease.metadata?.resourceVersion;
        await this.api.deleteNamespacedLease({ name, namespace, body: { preconditions: resourceVersion ? { resourceVersion } : undefined } })
          .catch((error: unknown) => {
            if (statusOf(error) !== 404) this.logger.warn({ err: error, nodeName }, 'releasing the node claim failed; it expires by itself');
          });
      },
    };
  }
}

/**
 * A Date that serializes with microseconds. Lease times are MicroTime, which the apiserver parses
 * with exactly six fractional digits; client-node writes Dates with toISOString (three digits), so
 * a plain Date is refused with 400 "cannot parse .871Z as .000000".
 */
export class MicroTime extends Date {
  override toISOString(): string {
    return super.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  }
}

/** client-node types MicroTime fields as Date but hands them over as strings; accept both. */
function micro(date: Date | string | undefined): MicroTime | undefined {
  return date ? new MicroTime(new Date(date).getTime()) : undefined;
}

function expired(lease: V1Lease, now: Date): boolean {
  const renewed = lease.spec?.renewTime ?? lease.spec?.acquireTime;
  const duration = lease.spec?.leaseDurationSeconds ?? 0;
  if (!renewed) return true;
  return new Date(renewed).getTime() + duration * 1000 < now.getTime();
}
