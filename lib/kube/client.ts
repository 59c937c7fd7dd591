// The Kubernetes clients of the process: a KubeConfig (a file, else KUBECONFIG, else in-cluster)
// and API clients whose every HTTP request first takes a token from the one shared rate limiter.
// The limiter sits in the clients' HTTP library rather than in a middleware: a per-call options
// object may replace the middleware list (client-node's default merge strategy is "replace"), but
// it never replaces the HTTP library, so no call can slip past the limit.
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
} from '@kubernetes/client-node';
import { createRateLimiter, type RateLimiter } from './rate-limit.ts';
import { rateLimitedWatch, type StartWatch } from './watch.ts';

export const USER_AGENT = 'node-termination-handler';

export interface KubeConfigSource {
  /** The `kubeconfig` setting: a file, or a list of files joined like KUBECONFIG; empty: see below. */
  path: string;
  /** Defaults to process.env; read for KUBECONFIG when `path` is empty. */
  env?: NodeJS.ProcessEnv;
}

/** From `path`, else the KUBECONFIG files, else the pod's service account (in-cluster). */
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
    return config;
  }
  const [first, ...rest] = files as [string, ...string[]];
  config.loadFromFile(first);
  // Like kubectl: later files add clusters and users; the first file's current context wins.
  for (const file of rest) {
    const more = new KubeConfig();
    more.loadFromFile(file);
    config.mergeConfig(more, true);
  }
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

/** An HTTP library that waits for a token before each request (and reports its answer). */
export function rateLimitedHttpLibrary(limiter: RateLimiter, inner: HttpLibrary = new IsomorphicFetchHttpLibrary(), observe?: RequestObserver): HttpLibrary {
  return wrapHttpLibrary({
    async send(request) {
      await limiter.take();
      if (!observe) return inner.send(request).toPromise();
      const seen = { method: request.getHttpMethod(), url: request.getUrl() };
      try {
        const response = await inner.send(request).toPromise();
        observe(seen, response.httpStatusCode);
        return response;
      } catch (error) {
        observe(seen, 'network');
        throw error;
      }
    },
  });
}

export interface KubeClientOptions {
  observe?: RequestObserver;
}

export function createKubeClients(kubeConfig: KubeConfig, limiter: RateLimiter, options: KubeClientOptions = {}): KubeClients {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const httpApi = rateLimitedHttpLibrary(limiter, new IsomorphicFetchHttpLibrary(), options.observe);
  const makeApiClient = <T>(api: ApiConstructor<T>): T => new api(createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
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

/** The usual wiring from settings: load the config, one limiter, the clients. */
export function kubeClientsFromSettings(settings: { kubeconfig: string; kubeApiQps: number; kubeApiBurst: number }, options: KubeClientOptions = {}): KubeClients {
  return createKubeClients(loadKubeConfig({ path: settings.kubeconfig }), createRateLimiter(settings), options);
}
