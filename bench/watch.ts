// What the cluster shows, timed as the bench sees it: when each Node turns unschedulable and when
// each pod is deleted. Plain HTTPS watches rather than client-node informers: the pod watch asks
// for metadata only (PartialObjectMetadata), so ten thousand pod events cost the bench little CPU.
import { readFileSync } from 'node:fs';
import https from 'node:https';

export interface Upstream {
  server: string;
  caFile: string;
  token: string;
}

interface WatchEvent {
  type: string;
  object: { metadata?: { uid?: string; name?: string; resourceVersion?: string }; spec?: { unschedulable?: boolean } };
}

/** A watch that resumes from its last resourceVersion when the server ends it. */
class Watch {
  private request: ReturnType<typeof https.get> | undefined;
  private stopped = false;
  private resourceVersion: string;
  private readonly upstream: Upstream;
  private readonly path: string;
  private readonly accept: string;
  private readonly onEvent: (event: WatchEvent, at: number) => void;

  constructor(upstream: Upstream, path: string, resourceVersion: string, accept: string, onEvent: (event: WatchEvent, at: number) => void) {
    this.upstream = upstream;
    this.path = path;
    this.resourceVersion = resourceVersion;
    this.accept = accept;
    this.onEvent = onEvent;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.request?.destroy();
  }

  private connect(): void {
    if (this.stopped) return;
    const url = new URL(this.path, this.upstream.server);
    url.searchParams.set('watch', 'true');
    url.searchParams.set('allowWatchBookmarks', 'true');
    url.searchParams.set('timeoutSeconds', '3600');
    if (this.resourceVersion) url.searchParams.set('resourceVersion', this.resourceVersion);
    this.request = https.get(url, {
      ca: readFileSync(this.upstream.caFile),
      headers: { authorization: `Bearer ${this.upstream.token}`, accept: this.accept },
    }, (res) => {
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const at = Date.now();
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (!line.trim()) continue;
          const event = JSON.parse(line) as WatchEvent;
          if (event.type === 'ERROR') {
            this.resourceVersion = ''; // too old: start over (the first events then repeat the state)
            continue;
          }
          const version = event.object.metadata?.resourceVersion;
          if (version) this.resourceVersion = version;
          if (event.type !== 'BOOKMARK') this.onEvent(event, at);
        }
      });
      res.on('end', () => setTimeout(() => this.connect(), 200));
    });
    this.request.on('error', () => {
      if (!this.stopped) setTimeout(() => this.connect(), 500);
    });
  }
}

/** When each Node of the run was first seen unschedulable. */
export class CordonWatch {
  readonly cordonedAt = new Map<string, number>();
  private readonly watch: Watch;

  constructor(upstream: Upstream, labelSelector: string) {
    this.watch = new Watch(upstream, `/api/v1/nodes?labelSelector=${encodeURIComponent(labelSelector)}`, '', 'application/json', (event, at) => {
      const name = event.object.metadata?.name;
      if (name && event.object.spec?.unschedulable === true && !this.cordonedAt.has(name)) this.cordonedAt.set(name, at);
    });
  }

  stop(): void {
    this.watch.stop();
  }
}

/** When each pod (by UID) of a namespace was deleted, from a list's resourceVersion on. */
export class PodDeletionWatch {
  readonly deletedAt = new Map<string, number>();
  private readonly watch: Watch;

  constructor(upstream: Upstream, namespace: string, resourceVersion: string) {
    const metadataOnly = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';
    this.watch = new Watch(upstream, `/api/v1/namespaces/${namespace}/pods`, resourceVersion, metadataOnly, (event, at) => {
      const uid = event.object.metadata?.uid;
      if (uid && event.type === 'DELETED' && !this.deletedAt.has(uid)) this.deletedAt.set(uid, at);
    });
  }

  stop(): void {
    this.watch.stop();
  }
}
