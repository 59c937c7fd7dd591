// Every Node of the cluster, kept current by a watch (informer) and indexed by the EC2 instance ID
// in spec.providerID and by name, so resolving an event's instance costs no API call.
import { type CoreV1Api, type KubeConfig, makeInformer, type V1Node } from '@kubernetes/client-node';
import type { Logger } from '../observe/logger.ts';

/** `aws:///us-east-1a/i-0123456789abcdef0` → `i-0123456789abcdef0`. */
export function instanceIdFromProviderId(providerID: string | undefined): string | undefined {
  if (!providerID?.startsWith('aws://')) return undefined;
  const last = providerID.split('/').pop();
  return last && /^i-[0-9a-f]{8,17}$/.test(last) ? last : undefined;
}

const INITIAL_RESTART_DELAY_MS = 1000;
const MAX_RESTART_DELAY_MS = 10_000;

export interface NodeLookup {
  byInstanceId(instanceId: string): V1Node | undefined;
  byName(name: string): V1Node | undefined;
}

export class NodeIndex implements NodeLookup {
  private readonly byInstance = new Map<string, V1Node>();
  private readonly byNodeName = new Map<string, V1Node>();
  private readonly informer;
  private readonly logger: Logger;
  private stopped = false;
  private restartDelayMs = INITIAL_RESTART_DELAY_MS;
  private syncedResolve: (() => void) | undefined;
  /** Set by the first LIST that succeeds. */
  private listed = false;
  /** Resolves once the first list has been loaded. */
  readonly synced: Promise<void>;
  /** When the watch last delivered (list or event), for readiness. */
  lastContactAt: number | undefined;

  constructor(config: KubeConfig, core: CoreV1Api, logger: Logger) {
    this.logger = logger;
    this.synced = new Promise((resolve) => (this.syncedResolve = resolve));
    this.informer = makeInformer<V1Node>(config, '/api/v1/nodes', async () => {
      const list = await core.listNode();
      this.listed = true;
      this.heard();
      return list;
    });
    this.informer.on('add', (node) => {
      this.heard();
      this.put(node);
    });
    this.informer.on('update', (node) => {
      this.heard();
      this.put(node);
    });
    this.informer.on('delete', (node) => {
      this.heard();
      this.remove(node);
    });
    // 'connect' fires before the list and the watch are even tried (also while the apiserver is
    // down), so it is no sign of contact: only a list that went through or a watch event is.
    this.informer.on('connect', () => {
      for (const node of this.informer.list()) this.put(node);
    });
    this.informer.on('error', (error: unknown) => {
      if (this.stopped) return;
      // The informer stops on an error (API down, token revoked); start it again with backoff.
      // Capped at 10 s, not client-go's 30 s: while the index is stale, an event about a node that
      // joined meanwhile would be dropped as "node not found".
      this.logger.warn({ err: error, retryInMs: this.restartDelayMs }, 'node watch failed; restarting');
      const delay = this.restartDelayMs;
      this.restartDelayMs = Math.min(MAX_RESTART_DELAY_MS, this.restartDelayMs * 2);
      setTimeout(() => {
        if (!this.stopped) this.informer.start().then(() => this.markSyncedIfListed(), () => undefined);
      }, delay).unref();
    });
  }

  async start(): Promise<void> {
    await this.informer.start();
    this.markSyncedIfListed();
  }

  /**
   * client-node emits 'connect' before it lists (and start() resolves even when the list was
   * refused, e.g. without RBAC `list nodes`), so neither means the Nodes are loaded: only a list
   * that went through does. Otherwise the controller would consume the queue with an empty index
   * and drop every event as "node not found".
   */
  private markSyncedIfListed(): void {
    if (!this.listed) return;
    for (const node of this.informer.list()) this.put(node);
    this.syncedResolve?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer.stop();
  }

  byInstanceId(instanceId: string): V1Node | undefined {
    return this.byInstance.get(instanceId);
  }

  byName(name: string): V1Node | undefined {
    return this.byNodeName.get(name);
  }

  get size(): number {
    return this.byNodeName.size;
  }

  /** The EC2 instance of every Node (worth describing together: a storm names many of them). */
  instanceIds(): IterableIterator<string> {
    return this.byInstance.keys();
  }

  /** The apiserver answered (a list, or a watch event): readiness and the restart backoff learn it. */
  private heard(): void {
    this.lastContactAt = Date.now();
    this.restartDelayMs = INITIAL_RESTART_DELAY_MS;
  }

  private put(node: V1Node): void {
    const name = node.metadata?.name;
    if (!name) return;
    const previous = this.byNodeName.get(name);
    const previousId = instanceIdFromProviderId(previous?.spec?.providerID);
    if (previousId) this.byInstance.delete(previousId);
    this.byNodeName.set(name, node);
    const id = instanceIdFromProviderId(node.spec?.providerID);
    if (id) this.byInstance.set(id, node);
  }

  private remove(node: V1Node): void {
    const name = node.metadata?.name;
    if (name) this.byNodeName.delete(name);
    const id = instanceIdFromProviderId(node.spec?.providerID);
    if (id && this.byInstance.get(id)?.metadata?.name === name) this.byInstance.delete(id);
  }
}

export function isNodeReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
