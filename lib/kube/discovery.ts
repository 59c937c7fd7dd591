// Which way the server lets us evict pods, from its discovery document (GET /api/v1): the
// `pods/eviction` subresource names the group/version of the Eviction body it accepts. Servers
// before 1.22 offer only policy/v1beta1; a server without the subresource gets a plain DELETE
// with the same UID precondition (no PodDisruptionBudget check, as kubectl drain does then).
import type { CoreV1Api, V1APIResourceList } from '@kubernetes/client-node';

export type EvictionSupport =
  | { mode: 'eviction'; groupVersion: string }
  | { mode: 'delete' };

export const EVICTION_SUBRESOURCE = 'pods/eviction';

export function evictionSupportFrom(resources: Pick<V1APIResourceList, 'resources'>): EvictionSupport {
  const eviction = resources.resources.find((resource) => resource.name === EVICTION_SUBRESOURCE);
  if (!eviction) return { mode: 'delete' };
  const group = eviction.group ?? 'policy';
  const version = eviction.version ?? 'v1';
  return { mode: 'eviction', groupVersion: `${group}/${version}` };
}

/** Asks the server once and remembers the answer (it cannot change without a restart of it). */
export function evictionSupportCache(core: Pick<CoreV1Api, 'getAPIResources'>): () => Promise<EvictionSupport> {
  let pending: Promise<EvictionSupport> | undefined;
  return () => {
    pending ??= core.getAPIResources().then(evictionSupportFrom, (error: unknown) => {
      pending = undefined; // try again next time rather than remember a failure
      throw error;
    });
    return pending;
  };
}
