// Watches through client-node's Watch, taking a rate-limit token for every (re)connection: the
// generated API clients are limited in their HTTP layer, but Watch opens its own connection.
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { RateLimiter } from './rate-limit.ts';

export type WatchQuery = Record<string, string | number | boolean | undefined>;

export interface WatchHandle {
  stop(): void;
}

/**
 * Starts a watch on `path`; `onEvent` gets each event's type (ADDED, MODIFIED, DELETED, BOOKMARK,
 * ERROR) and raw JSON object; `onDone` is called once when the connection ends, for any reason.
 */
export type StartWatch = (
  path: string,
  query: WatchQuery,
  onEvent: (type: string, object: unknown) => void,
  onDone: (error: unknown) => void,
) => Promise<WatchHandle>;

export function rateLimitedWatch(kubeConfig: KubeConfig, limiter: RateLimiter): StartWatch {
  const watch = new Watch(kubeConfig);
  return async (path, query, onEvent, onDone) => {
    await limiter.take();
    const controller = await watch.watch(path, query, (type: string, object: unknown) => onEvent(type, object), onDone);
    return { stop: () => controller.abort() };
  };
}
