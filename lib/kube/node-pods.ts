// The pods bound to one node, kept current by one LIST + WATCH (fieldSelector spec.nodeName), so a
// drain learns that its pods are gone from the apiserver's events instead of polling each pod.
// The watch resumes from the last resourceVersion when its connection ends (client-node closes an
// idle watch after 30 s) and lists again when the server says that version is too old (410).
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { Logger } from '../observe/logger.ts';
import type { StartWatch, WatchHandle } from './watch.ts';

const RECONNECT_DELAY_MS = 1_000;

export function podKey(pod: V1Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

export class NodePodWatch {
  readonly nodeName: string;
  private readonly core: Pick<CoreV1Api, 'listPodForAllNamespaces'>;
  private readonly startWatch: StartWatch;
  private readonly logger: Logger;
  /** By UID: a pod recreated under the same name is another pod. */
  private readonly pods = new Map<string, V1Pod>();
  private readonly listeners = new Set<() => void>();
  private resourceVersion = '';
  private handle: WatchHandle | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;

  private constructor(core: Pick<CoreV1Api, 'listPodForAllNamespaces'>, startWatch: StartWatch, nodeName: string, logger: Logger) {
    this.core = core;
    this.startWatch = startWatch;
    this.nodeName = nodeName;
    this.logger = logger;
  }

  /** Lists the node's pods and starts watching; resolves once the first list is in. */
  static async start(core: Pick<CoreV1Api, 'listPodForAllNamespaces'>, startWatch: StartWatch, nodeName: string, logger: Logger): Promise<NodePodWatch> {
    const watch = new NodePodWatch(core, startWatch, nodeName, logger);
    await watch.list();
    await watch.connect();
    return watch;
  }

  /** The pods on the node now. */
  current(): V1Pod[] {
    return [...this.pods.values()];
  }

  has(uid: string): boolean {
    return this.pods.has(uid);
  }

  get(uid: string): V1Pod | undefined {
    return this.pods.get(uid);
  }

  /** Resolves when `condition` holds (checked now and after every change); rejects on abort. */
  until(condition: () => boolean, signal: AbortSignal): Promise<void> {
    if (condition()) return Promise.resolve();
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!condition()) return;
        cleanup();
        resolve();
      };
      const abort = (): void => {
        cleanup();
        reject(signal.reason as Error);
      };
      const cleanup = (): void => {
        this.listeners.delete(check);
        signal.removeEventListener('abort', abort);
      };
      this.listeners.add(check);
      signal.addEventListener('abort', abort, { once: true });
    });
  }

  /** Resolves when the pod with this UID is no longer on the node. */
  gone(uid: string, signal: AbortSignal): Promise<void> {
    return this.until(() => !this.pods.has(uid), signal);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.handle?.stop();
    this.listeners.clear();
  }

  private async list(): Promise<void> {
    const list = await this.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${this.nodeName}` });
    this.pods.clear();
    for (const pod of list.items) {
      const uid = pod.metadata?.uid;
      if (uid) this.pods.set(uid, pod);
    }
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    this.notify();
  }

  private async connect(): Promise<void> {
    let expired = false;
    this.handle = await this.startWatch(
      '/api/v1/pods',
      { fieldSelector: `spec.nodeName=${this.nodeName}`, resourceVersion: this.resourceVersion, allowWatchBookmarks: true },
      (type, object) => {
        if (type === 'ERROR') {
          expired = true; // typically 410 Gone: our resourceVersion is too old; list again
          return;
        }
        this.apply(type, object);
      },
      (error) => {
        if (this.stopped) return;
        // A watch ends now and then (idle timeout, connection reset): routine. A refusal (401/403,
        // e.g. RBAC without `watch pods`) is not: the drain then learns of departures only by
        // listing again every RECONNECT_DELAY_MS, so say so where operators look.
        if (error && isRefusal(error)) this.logger.warn({ nodeName: this.nodeName, err: error }, 'pod watch refused; listing the pods again every second instead');
        else if (error) this.logger.debug({ nodeName: this.nodeName, err: error }, 'pod watch ended; reconnecting');
        this.retryTimer = setTimeout(() => void this.reconnect(expired || !!error && !isTimeout(error)), error ? RECONNECT_DELAY_MS : 0);
      },
    );
    if (this.stopped) this.handle.stop();
  }

  private async reconnect(relist: boolean): Promise<void> {
    if (this.stopped) return;
    try {
      if (relist || !this.resourceVersion) await this.list();
      await this.connect();
    } catch (error) {
      this.logger.warn({ nodeName: this.nodeName, err: error }, 'pod watch could not reconnect; retrying');
      this.retryTimer = setTimeout(() => void this.reconnect(true), RECONNECT_DELAY_MS);
    }
  }

  private apply(type: string, object: unknown): void {
    // Watch events carry the raw JSON of the pod; the fields read from it (metadata, spec, status
    // phase) have the same names and shapes as in V1Pod, and dates are only tested for presence.
    const pod = object as V1Pod;
    const version = pod.metadata?.resourceVersion;
    if (version) this.resourceVersion = version;
    if (type === 'BOOKMARK') return;
    const uid = pod.metadata?.uid;
    if (!uid) return;
    if (type === 'DELETED') this.pods.delete(uid);
    else if (type === 'ADDED' || type === 'MODIFIED') this.pods.set(uid, pod);
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** client-node's Watch rejects a non-200 answer with an Error carrying `statusCode`. */
function isRefusal(error: unknown): boolean {
  const status = typeof error === 'object' && error !== null && 'statusCode' in error ? error.statusCode : undefined;
  return status === 401 || status === 403;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}
