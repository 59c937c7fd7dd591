// The Kubernetes clients of the process: a KubeConfig (a file, else KUBECONFIG, else in-cluster)
// and API clients whose every HTTP request first takes a token from the one shared rate limiter.
// The limiter sits in the clients' HTTP library rather than in a middleware: a per-call options
// object may replace the middleware list (client-node's default merge strategy is "replace"), but
// it never replaces the HTTP library, so no call can slip past the limit.
import { statSync } from 'node:fs';
import { delimiter } from 'node:path';
import {
  CoordinationV1Api,
  CoreV1Api,
  createConfiguration,
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  ServerConfiguration,
  setHeaderMiddleware,
  VersionApi,
  wrapHttpLibrary,
  type Configuration,
  type HttpLibrary,
  type RequestContext,
  type SecurityAuthentication,
} from '@kubernetes/client-node';
import { createRateLimiter, type RateLimiter, type RequestPriority } from './rate-limit.ts';
import { InFlightLimit } from './in-flight.ts';
import { reloadTokenFiles, tokenFilesIn } from './token-file.ts';
import { rateLimitedWatch, type StartWatch } from './watch.ts';

export const USER_AGENT = 'node-termination-handler';

export interface KubeConfigSource {
  /** The `kubeconfig` setting: a file, or a list of files joined like KUBECONFIG; empty: see below. */
  path: string;
  /** Defaults to process.env; read for KUBECONFIG when `path` is empty. */
  env?: NodeJS.ProcessEnv;
}

/**
 * From `path`, else the KUBECONFIG files, else the pod's service account (in-cluster). A token
 * file (in-cluster, or a user's `tokenFile`) is read again whenever it changes.
 */
export function loadKubeConfig(source: KubeConfigSource): KubeConfig {
  const env = source.env ?? process.env;
  const files = (source.path || env.KUBECONFIG || '').split(delimiter).filter((file) => file.length > 0);
  const config = new KubeConfig();
  if (files.length === 0) {
    // client-node would build "https://undefined:undefined" outside a pod; say what is missing.
    if (!env.KUBERNETES_SERVICE_HOST) {
      throw new Error('no kubeconfig: set --kubeconfig (NTH_KUBECONFIG) or KUBECONFIG, or run in a pod with a service account');
    }
    config.loadFromCluster();
    reloadTokenFiles(config);
    return config;
  }
  const [first, ...rest] = files as [string, ...string[]];
  config.loadFromFile(first);
  const tokenFiles = tokenFilesIn(first);
  // Like kubectl: later files add clusters and users; the first file's current context wins.
  for (const file of rest) {
    const more = new KubeConfig();
    more.loadFromFile(file);
    config.mergeConfig(more, true);
    for (const [user, path] of tokenFilesIn(file)) if (!tokenFiles.has(user)) tokenFiles.set(user, path);
  }
  // Token files are read again when they change (rotation, revocation); see token-file.ts.
  reloadTokenFiles(config, tokenFiles);
  return config;
}

export type ApiConstructor<T> = new (configuration: Configuration) => T;

export interface KubeClients {
  kubeConfig: KubeConfig;
  limiter: RateLimiter;
  core: CoreV1Api;
  coordination: CoordinationV1Api;
  version: VersionApi;
  /** Any other generated API client, behind the same limiter. */
  makeApiClient<T>(api: ApiConstructor<T>): T;
  /** Watches (each connection takes a token). */
  watch: StartWatch;
}

/** Told of each request's status code, or 'network' when no answer came (metrics use it). */
export type RequestObserver = (request: { method: string; url: string }, status: number | 'network') => void;

/**
 * Which lane of the limiter a request waits in: reads and writes of a single Node (the cordon,
 * taints) first, creating Events (best effort) last, everything else (evictions, pods, Leases)
 * in between. Told from the request itself, so no caller has to remember to say it.
 */
export function requestPriority(method: string, url: string): RequestPriority {
  const path = url.replace(/^[a-z]+:\/\/[^/]+/i, '').split('?')[0] ?? '';
  if (/^\/api\/v1\/nodes\/[^/]+$/.test(path)) return 'high';
  if (method.toUpperCase() === 'POST' && /\/events$/.test(path)) return 'low';
  return 'normal';
}

/** An HTTP library that waits for a token before each request (and reports its answer). */
export function rateLimitedHttpLibrary(
  limiter: RateLimiter,
  inner: HttpLibrary = new IsomorphicFetchHttpLibrary(),
  observe?: RequestObserver,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  inFlight?: InFlightLimit,
): HttpLibrary {
  return wrapHttpLibrary({
    async send(request) {
      const seen = { method: request.getHttpMethod(), url: request.getUrl() };
      const priority = requestPriority(seen.method, seen.url);
      for (let attempt = 1; ; attempt++) {
        await limiter.take(priority);
        // Held until the answer's headers: the server's work is done by then (in-flight.ts).
        const release = await inFlight?.acquire(priority);
        let response;
        try {
          response = await inner.send(request).toPromise();
        } catch (error) {
          observe?.(seen, 'network');
          throw error;
        } finally {
          release?.();
        }
        observe?.(seen, response.httpStatusCode);
        // Best-effort Events are not sent again: under throttling they would only add to it.
        const wait = priority === 'low' ? undefined : retryAfterMs(response.httpStatusCode, response.headers['retry-after']);
        if (wait === undefined || attempt >= MAX_THROTTLED_ATTEMPTS) return response;
        await sleep(wait);
      }
    },
  });
}

/** client-go's limit for answers that say "retry after" (it retries up to 10 times). */
const MAX_THROTTLED_ATTEMPTS = 5;

/**
 * How long to wait before sending again, when the apiserver asked for it: a 429 or 5xx with a
 * Retry-After header is the apiserver's priority and fairness (or a server going away) saying
 * "not now", and client-go repeats such requests by itself. Without it, a storm's throttled
 * list or Lease renewal failed the drain. A PodDisruptionBudget's 429 has no Retry-After: the
 * drain's own back-off handles it. Capped at 10 s, with up to a second of jitter.
 */
export function retryAfterMs(status: number, header: string | undefined, random: () => number = Math.random): number | undefined {
  if (status !== 429 && status < 500) return undefined;
  const seconds = Number(header);
  if (header === undefined || header.trim() === '' || !Number.isFinite(seconds) || seconds < 0) return undefined;
  return Math.min(10, seconds) * 1000 + Math.round(random() * 1000);
}

export interface KubeClientOptions {
  observe?: RequestObserver;
  /** At most this many requests waiting for their answer at once (NTH_KUBE_API_MAX_IN_FLIGHT). */
  maxInFlight?: number;
}

export function createKubeClients(kubeConfig: KubeConfig, limiter: RateLimiter, options: KubeClientOptions = {}): KubeClients {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const inFlight = options.maxInFlight === undefined ? undefined : new InFlightLimit(options.maxInFlight);
  const httpApi = rateLimitedHttpLibrary(limiter, new IsomorphicFetchHttpLibrary(), options.observe, undefined, inFlight);
  const auth = sharedConnectionAuth(kubeConfig);
  const makeApiClient = <T>(api: ApiConstructor<T>): T => new api(createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: auth },
    httpApi,
    middleware: [setHeaderMiddleware('User-Agent', USER_AGENT)],
  }));
  return {
    kubeConfig,
    limiter,
    core: makeApiClient(CoreV1Api),
    coordination: makeApiClient(CoordinationV1Api),
    version: makeApiClient(VersionApi),
    makeApiClient,
    watch: rateLimitedWatch(kubeConfig, limiter),
  };
}

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/**
 * The kubeconfig's authentication, with one connection pool for every API request. client-node
 * (2.0) builds a new undici Agent per request when the kubeconfig has TLS settings (always, in a
 * pod: the CA), so each call opened its own connection (a TLS handshake for us and the apiserver)
 * and left an idle socket behind: in a 500-node storm, thousands. The Agent it builds is taken
 * once and reused; a fresh one is adopted every `refreshMs`, and at once when a TLS file (CA
 * bundle, client certificate or key) changes, so rotated certificates still apply.
 */
export function sharedConnectionAuth(kubeConfig: KubeConfig, refreshMs = 5 * 60_000, now: () => number = Date.now): SecurityAuthentication {
  let shared: Dispatcher | undefined;
  let adoptedAt = 0;
  let adoptedFiles = '';
  return {
    getName: () => 'kubeconfig authentication, shared connections',
    async applySecurityAuthentication(context: RequestContext): Promise<void> {
      // Stamped before the files are read: a change in between only costs one more adoption.
      const files = tlsFilesStamp(kubeConfig);
      await kubeConfig.applySecurityAuthentication(context); // headers (a token read anew) and TLS
      const fresh = context.getDispatcher();
      if (!fresh) return; // plain HTTP without TLS settings: fetch's global pool already
      // A replaced CA bundle (or client certificate) applies at once: after a CA rotation the old
      // pool would fail every new connection's verification until the refresh.
      if (!shared || now() - adoptedAt > refreshMs || files !== adoptedFiles) {
        // The previous pool is not closed: requests already given it may still be waiting for a
        // rate-limit token (minutes, in a storm), and a closed pool fails them ("The client is
        // closed"). Unused, its sockets end with their keep-alive and the pool is collected.
        shared = fresh;
        adoptedAt = now();
        adoptedFiles = files;
        return;
      }
      context.setDispatcher(shared); // the fresh Agent never connected: nothing to release
    },
  };
}

/**
 * A stamp of the files the kubeconfig's TLS material is read from (the CA bundle, a client
 * certificate and key): inode, size and mtime, so it changes when a file is replaced or rewritten.
 * stat follows symlinks, as the kubelet's projected volumes need (it swaps a `..data` link).
 */
export function tlsFilesStamp(kubeConfig: KubeConfig): string {
  const cluster = kubeConfig.getCurrentCluster();
  const user = kubeConfig.getCurrentUser();
  return [cluster?.caFile, user?.certFile, user?.keyFile].map((file) => {
    if (!file) return '';
    try {
      const stat = statSync(file);
      return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      return 'unreadable'; // client-node reports the error when it reads the file
    }
  }).join('|');
}

/** The usual wiring from settings: load the config, one limiter, the clients. */
export function kubeClientsFromSettings(
  settings: { kubeconfig: string; kubeApiQps: number; kubeApiBurst: number; kubeApiMaxInFlight?: number },
  options: KubeClientOptions = {},
): KubeClients {
  const maxInFlight = options.maxInFlight ?? settings.kubeApiMaxInFlight;
  return createKubeClients(loadKubeConfig({ path: settings.kubeconfig }), createRateLimiter(settings), { ...options, ...(maxInFlight === undefined ? {} : { maxInFlight }) });
}
