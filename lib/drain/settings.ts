// The settings the drain engine reads: the same camelCase names as lib/config/schema.ts, so the
// loaded Config object satisfies this interface as it is.

export interface DrainSettings {
  /** Evict pods that use emptyDir volumes; otherwise they block the drain. */
  deleteLocalData: boolean;
  /** Leave DaemonSet pods in place; otherwise they are evicted last. */
  ignoreDaemonSets: boolean;
  /** Grace period given to evicted pods in seconds; -1 uses each pod's own. */
  podTerminationGracePeriod: number;
  /** Evict pods no controller owns; otherwise they block the drain. */
  forceUnmanagedPods: boolean;
  /** Delete (grace 0, bypassing PodDisruptionBudgets) the pods still there at the deadline. */
  forceDeleteAtDeadline: boolean;
  /** Add node.kubernetes.io/out-of-service=nodeshutdown:NoExecute after a successful drain. */
  enableOutOfServiceTaint: boolean;
  /** Label cordoned nodes node.kubernetes.io/exclude-from-external-load-balancers. */
  excludeFromLoadBalancers: boolean;
  /** Record Kubernetes Events on the Nodes and Pods acted on. */
  emitKubernetesEvents: boolean;
  /** Extra annotations on those Events. */
  kubernetesEventsExtraAnnotations: Readonly<Record<string, string>>;
  /** Log what would be done; change nothing. */
  dryRun: boolean;
  /** This controller's own pod, never evicted by it (empty when not running in a pod). */
  podName: string;
  namespace: string;
}

/** kubectl drain's behaviour with NTH's defaults, for tests and tools. */
export const DEFAULT_DRAIN_SETTINGS: DrainSettings = {
  deleteLocalData: true,
  ignoreDaemonSets: true,
  podTerminationGracePeriod: -1,
  forceUnmanagedPods: true,
  forceDeleteAtDeadline: false,
  enableOutOfServiceTaint: false,
  excludeFromLoadBalancers: false,
  emitKubernetesEvents: true,
  kubernetesEventsExtraAnnotations: {},
  dryRun: false,
  podName: '',
  namespace: '',
};
