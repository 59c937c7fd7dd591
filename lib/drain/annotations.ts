// What we record on a Node about what we did to it, so that an uncordon (by this replica, another
// one, or after a restart) undoes exactly our own changes and never an operator's. All our keys
// share one prefix; `kubectl get node X -o yaml | grep node-termination-handler.aws/` shows them.
import type { V1Node } from '@kubernetes/client-node';
import { OUR_TAINT_KEYS } from '../plan/taints.ts';

export const ANNOTATION_PREFIX = 'node-termination-handler.aws/';

export const NODE_ANNOTATIONS = {
  /** Event ID whose action cordoned the node; absent when the node was already cordoned. */
  cordonedBy: `${ANNOTATION_PREFIX}cordoned-by`,
  /** Event kind of that action (spot-interruption, …). */
  cordonedKind: `${ANNOTATION_PREFIX}cordoned-kind`,
  /** RFC 3339 time of that cordon. */
  cordonedAt: `${ANNOTATION_PREFIX}cordoned-at`,
  /** The taints we added, as `key:effect` joined by commas. */
  taints: `${ANNOTATION_PREFIX}taints`,
  /** Event ID and time of the last taint we added. */
  taintedBy: `${ANNOTATION_PREFIX}tainted-by`,
  taintedAt: `${ANNOTATION_PREFIX}tainted-at`,
  /** Event ID whose action added the exclude-from-external-load-balancers label. */
  excludedFromLoadBalancersBy: `${ANNOTATION_PREFIX}excluded-from-load-balancers-by`,
  /** The drain in progress or last run: event ID, start and deadline (RFC 3339). */
  drainEvent: `${ANNOTATION_PREFIX}drain-event`,
  drainStartedAt: `${ANNOTATION_PREFIX}drain-started-at`,
  drainDeadline: `${ANNOTATION_PREFIX}drain-deadline`,
} as const;

/** Names other modules already use (lib/controller/node-view.ts). */
export const CORDONED_BY_ANNOTATION = NODE_ANNOTATIONS.cordonedBy;
export const TAINTED_BY_US_ANNOTATION = NODE_ANNOTATIONS.taints;

export const EXCLUDE_FROM_LOAD_BALANCERS_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';

/** Added after a successful drain when enableOutOfServiceTaint is set (non-graceful shutdown). */
export const OUT_OF_SERVICE_TAINT = {
  key: 'node.kubernetes.io/out-of-service',
  value: 'nodeshutdown',
  effect: 'NoExecute',
} as const;

export interface TaintId {
  key: string;
  effect: string;
}

export function formatTaintIds(taints: readonly TaintId[]): string {
  return taints.map((taint) => `${taint.key}:${taint.effect}`).join(',');
}

export function parseTaintIds(value: string | undefined): TaintId[] {
  if (!value) return [];
  return value.split(',').flatMap((entry) => {
    const at = entry.lastIndexOf(':');
    if (at <= 0) return [];
    return [{ key: entry.slice(0, at), effect: entry.slice(at + 1) }];
  });
}

/** The taints of the node we put there: those recorded in our annotation, plus any with a key only
 * termination handlers use (NTH-compatible keys, so leftovers of NTH count as ours too). */
export function isOurTaint(node: V1Node, taint: TaintId): boolean {
  if (OUR_TAINT_KEYS.includes(taint.key)) return true;
  const recorded = parseTaintIds(node.metadata?.annotations?.[NODE_ANNOTATIONS.taints]);
  return recorded.some((ours) => ours.key === taint.key && ours.effect === taint.effect);
}

export interface NodeOwnership {
  /** Unschedulable, and the cordon was ours. */
  cordonedByUs: boolean;
  /** Keys of the taints on the node that are ours. */
  ourTaints: string[];
}

export function nodeOwnership(node: V1Node): NodeOwnership {
  const cordonedByUs = node.spec?.unschedulable === true && !!node.metadata?.annotations?.[NODE_ANNOTATIONS.cordonedBy];
  const ourTaints = (node.spec?.taints ?? []).filter((taint) => isOurTaint(node, taint)).map((taint) => taint.key);
  return { cordonedByUs, ourTaints: [...new Set(ourTaints)] };
}
