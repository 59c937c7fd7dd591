// The two numbers an eviction needs from time: the grace period it gives the pod, and how long it
// waits before asking again after a 429. Pure.
import type { V1Pod } from '@kubernetes/client-node';

/** What Kubernetes gives a pod that does not say (PodSpec default). */
export const DEFAULT_POD_GRACE_SECONDS = 30;

/**
 * min(the pod's grace — the podTerminationGracePeriod setting when >= 0, else the pod's own
 * terminationGracePeriodSeconds — and the whole seconds left until the deadline). At least 1 s
 * unless the pod itself asks for 0: a grace of 0 is a force delete, which the deadline logic
 * decides separately (forceDeleteAtDeadline).
 */
export function evictionGraceSeconds(pod: V1Pod, settingSeconds: number, deadlineMs: number, nowMs: number): number {
  const own = settingSeconds >= 0 ? settingSeconds : (pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_POD_GRACE_SECONDS);
  const left = Math.max(1, Math.floor((deadlineMs - nowMs) / 1000));
  return Math.min(own, left);
}

export const RETRY_BASE_MS = 1_000;
export const RETRY_CAP_MS = 10_000;

/**
 * Exponential back-off from ~1 s to a cap of ~10 s, with jitter (the upper half of the interval)
 * so that many pods refused by the same PodDisruptionBudget do not all ask again at once.
 * `attempt` counts from 0; `random` is in [0, 1).
 */
export function retryDelayMs(attempt: number, random: number = Math.random()): number {
  const ceiling = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
