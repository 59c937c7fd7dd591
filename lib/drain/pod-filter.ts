// Which pods a drain removes, and in which order: kubectl drain's rules, with the NTH settings.
// Pure, so every rule is a unit test.
//
// One difference from kubectl: a pod the settings forbid evicting (emptyDir without
// deleteLocalData, no controller without forceUnmanagedPods) does not stop the other evictions.
// kubectl refuses the whole drain because a person ran it and can reconsider; here the instance is
// going away regardless, and moving every other workload off it in time is strictly better. The
// drain still fails and names those pods.
import type { V1Pod } from '@kubernetes/client-node';
import { podKey } from '../kube/node-pods.ts';
import type { DrainSettings } from './settings.ts';

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
export const CRITICAL_PRIORITY_CLASSES: readonly string[] = ['system-cluster-critical', 'system-node-critical'];

/** Eviction order: ordinary pods, then critical ones, then DaemonSet pods (when evicted at all). */
export type EvictionPhase = 'regular' | 'critical' | 'daemonset';
export const EVICTION_PHASES: readonly EvictionPhase[] = ['regular', 'critical', 'daemonset'];

export type SkipReason = 'mirror' | 'daemonset' | 'self';
export type BlockReason = 'local-storage' | 'unmanaged';

export type PodDisposition =
  | { action: 'skip'; reason: SkipReason }
  | { action: 'delete'; reason: 'completed' }
  | { action: 'evict'; phase: EvictionPhase }
  | { action: 'block'; reason: BlockReason };

export type PodFilterSettings = Pick<DrainSettings, 'deleteLocalData' | 'ignoreDaemonSets' | 'forceUnmanagedPods' | 'podName' | 'namespace'>;

export function classifyPod(pod: V1Pod, settings: PodFilterSettings): PodDisposition {
  const metadata = pod.metadata;
  if (metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return { action: 'skip', reason: 'mirror' };
  if (settings.podName && metadata?.name === settings.podName && metadata.namespace === settings.namespace) {
    return { action: 'skip', reason: 'self' };
  }
  // A finished pod holds no workload: deleting it is safe whatever owns it or what it mounts.
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return { action: 'delete', reason: 'completed' };
  const controller = metadata?.ownerReferences?.find((ref) => ref.controller === true);
  if (controller?.kind === 'DaemonSet') {
    if (settings.ignoreDaemonSets) return { action: 'skip', reason: 'daemonset' };
  }
  if (!settings.deleteLocalData && (pod.spec?.volumes ?? []).some((volume) => volume.emptyDir !== undefined && volume.emptyDir !== null)) {
    return { action: 'block', reason: 'local-storage' };
  }
  if (!controller && !settings.forceUnmanagedPods) return { action: 'block', reason: 'unmanaged' };
  if (controller?.kind === 'DaemonSet') return { action: 'evict', phase: 'daemonset' };
  const priorityClass = pod.spec?.priorityClassName ?? '';
  return { action: 'evict', phase: CRITICAL_PRIORITY_CLASSES.includes(priorityClass) ? 'critical' : 'regular' };
}

export interface PodRemovalPlan {
  /** Evictions by phase, in order; a phase starts when the pods of the previous one are gone. */
  phases: { phase: EvictionPhase; pods: V1Pod[] }[];
  /** Completed pods, deleted (no PodDisruptionBudget applies to them) with the first phase. */
  deletions: V1Pod[];
  skipped: { pod: V1Pod; reason: SkipReason }[];
  blocked: { pod: V1Pod; reason: BlockReason }[];
}

export function planPodRemoval(pods: readonly V1Pod[], settings: PodFilterSettings): PodRemovalPlan {
  const byPhase = new Map<EvictionPhase, V1Pod[]>(EVICTION_PHASES.map((phase) => [phase, []]));
  const plan: PodRemovalPlan = { phases: [], deletions: [], skipped: [], blocked: [] };
  for (const pod of [...pods].sort((a, b) => podKey(a).localeCompare(podKey(b)))) {
    const disposition = classifyPod(pod, settings);
    switch (disposition.action) {
      case 'skip':
        plan.skipped.push({ pod, reason: disposition.reason });
        break;
      case 'delete':
        plan.deletions.push(pod);
        break;
      case 'block':
        plan.blocked.push({ pod, reason: disposition.reason });
        break;
      case 'evict':
        byPhase.get(disposition.phase)?.push(pod);
        break;
    }
  }
  plan.phases = EVICTION_PHASES.map((phase) => ({ phase, pods: byPhase.get(phase) ?? [] })).filter((p) => p.pods.length > 0);
  return plan;
}

export const BLOCK_REASON_TEXT: Readonly<Record<BlockReason, string>> = {
  'local-storage': 'uses emptyDir volumes and deleteLocalData is off',
  unmanaged: 'has no controller and forceUnmanagedPods is off',
};
