// One pod's eviction: the Eviction subresource in the group/version the server offers (plain
// DELETE when it offers none), always with the pod's UID as precondition so a pod recreated under
// the same name is never hit. 429 (a PodDisruptionBudget says not now) is retried with jittered
// back-off until the deadline; 404/409 mean the pod we meant is already gone.
import type { CoreV1Api, V1DeleteOptions, V1Pod } from '@kubernetes/client-node';
import { apiMessage, isTransient, statusOf } from '../kube/api-error.ts';
import type { EvictionSupport } from '../kube/discovery.ts';
import { podKey } from '../kube/node-pods.ts';
import type { Logger } from '../observe/logger.ts';
import type { Clock } from './clock.ts';
import { MultiplePodDisruptionBudgetsError, PodEvictionError, type ErrorContext } from './errors.ts';
import { evictionGraceSeconds, retryDelayMs } from './timing.ts';

export interface EvictionDeps {
  core: Pick<CoreV1Api, 'createNamespacedPodEviction' | 'deleteNamespacedPod'>;
  evictionSupport: () => Promise<EvictionSupport>;
  clock: Clock;
  logger: Logger;
  /** The podTerminationGracePeriod setting (-1: the pod's own). */
  podTerminationGracePeriod: number;
}

export interface EvictionCall {
  pod: V1Pod;
  /** Epoch ms; grace periods are cut to the time left. */
  deadline: number;
  /** Aborts at the deadline or when the drain is interrupted. */
  signal: AbortSignal;
  /** `delete` for completed pods (no budget applies to them). */
  mode: 'evict' | 'delete';
  context: ErrorContext;
}

/** accepted: the pod is now terminating; gone: it had already left. */
export type EvictionOutcome = 'accepted' | 'gone';

const MULTIPLE_PDB_MESSAGE = /more than one PodDisruptionBudget/i;

export function isMultiplePdbRefusal(error: unknown): boolean {
  return statusOf(error) === 500 && MULTIPLE_PDB_MESSAGE.test(apiMessage(error));
}

/** 409 on a UID precondition: the pod we meant no longer exists (same name, new pod). */
function isPreconditionConflict(error: unknown): boolean {
  return statusOf(error) === 409 && /precondition|uid/i.test(apiMessage(error));
}

export async function evictPod(deps: EvictionDeps, call: EvictionCall): Promise<EvictionOutcome> {
  const key = podKey(call.pod);
  const log = deps.logger.child({ pod: key });
  for (let attempt = 0; ; attempt++) {
    call.signal.throwIfAborted();
    const grace = evictionGraceSeconds(call.pod, deps.podTerminationGracePeriod, call.deadline, deps.clock.now());
    try {
      await send(deps, call.pod, call.mode, grace);
      log.info({ gracePeriodSeconds: grace, mode: call.mode }, call.mode === 'delete' ? 'deleted completed pod' : 'evicted pod');
      return 'accepted';
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 || isPreconditionConflict(error)) return 'gone';
      if (isMultiplePdbRefusal(error)) {
        throw new MultiplePodDisruptionBudgetsError(key, status, apiMessage(error), { ...call.context, cause: error });
      }
      if (!isTransient(error) && status !== 409) {
        throw new PodEvictionError(key, status, apiMessage(error), { ...call.context, cause: error });
      }
      const delay = retryDelayMs(attempt);
      if (status === 429) log.debug({ retryInMs: delay, attempt }, `eviction refused for now: ${apiMessage(error)}`);
      else log.warn({ retryInMs: delay, attempt, status, detail: apiMessage(error) }, 'eviction failed; retrying');
      await deps.clock.sleep(delay, call.signal);
    }
  }
}

async function send(deps: EvictionDeps, pod: V1Pod, mode: 'evict' | 'delete', gracePeriodSeconds: number): Promise<void> {
  const name = pod.metadata?.name ?? '';
  const namespace = pod.metadata?.namespace ?? '';
  const deleteOptions: V1DeleteOptions = { gracePeriodSeconds, preconditions: { uid: pod.metadata?.uid ?? '' } };
  const support = mode === 'evict' ? await deps.evictionSupport() : { mode: 'delete' as const };
  if (support.mode === 'delete') {
    await deps.core.deleteNamespacedPod({ name, namespace, body: deleteOptions });
    return;
  }
  await deps.core.createNamespacedPodEviction({
    name,
    namespace,
    // The body's apiVersion is what discovery offered (policy/v1, or policy/v1beta1 on old servers).
    body: { apiVersion: support.groupVersion, kind: 'Eviction', metadata: { name, namespace }, deleteOptions },
  });
}

/** At the deadline with forceDeleteAtDeadline: delete now (grace 0), bypassing budgets. */
export async function forceDeletePod(deps: Pick<EvictionDeps, 'core' | 'logger'>, pod: V1Pod, context: ErrorContext): Promise<EvictionOutcome> {
  const key = podKey(pod);
  try {
    await deps.core.deleteNamespacedPod({
      name: pod.metadata?.name ?? '',
      namespace: pod.metadata?.namespace ?? '',
      body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid ?? '' } },
    });
    deps.logger.warn({ pod: key }, 'force-deleted pod at the drain deadline');
    return 'accepted';
  } catch (error) {
    if (statusOf(error) === 404 || isPreconditionConflict(error)) return 'gone';
    throw new PodEvictionError(key, statusOf(error), `force delete failed: ${apiMessage(error)}`, { ...context, cause: error });
  }
}
