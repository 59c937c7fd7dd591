// What cordon, taint and uncordon change on a Node, given the Node as read. Pure: the adapter
// (lib/kube/node-patch.ts) sends the result as a guarded merge patch and calls this again when the
// Node changed under it. Ownership is recorded in annotations (lib/drain/annotations.ts) so an
// uncordon removes only what we added.
import type { V1Node, V1Taint } from '@kubernetes/client-node';
import type { EventKind } from '../events/types.ts';
import {
  EXCLUDE_FROM_LOAD_BALANCERS_LABEL,
  formatTaintIds,
  isOurTaint,
  NODE_ANNOTATIONS,
  parseTaintIds,
  type TaintId,
} from './annotations.ts';
import { rfc3339, type NodeChange } from '../kube/node-patch.ts';
import type { NodeTaintRequest } from './types.ts';

export interface NodeIntent {
  eventId: string;
  kind: EventKind;
  at: Date;
  /** Make the node unschedulable. */
  cordon: boolean;
  taints: readonly NodeTaintRequest[];
  excludeFromLoadBalancers: boolean;
  /** Recorded when the action is a drain, so another replica can see it and its deadline. */
  drainDeadline?: Date;
}

export interface NodeEffects {
  /** We made the node unschedulable (it was schedulable). */
  cordoned: boolean;
  addedTaints: TaintId[];
  labelled: boolean;
}

export interface PlannedChange {
  change: NodeChange | undefined;
  effects: NodeEffects;
}

const sameTaint = (a: TaintId, b: TaintId): boolean => a.key === b.key && a.effect === b.effect;

export function planIntent(node: V1Node, intent: NodeIntent): PlannedChange {
  const annotations: Record<string, string | null> = {};
  const labels: Record<string, string | null> = {};
  const change: NodeChange = {};
  const effects: NodeEffects = { cordoned: false, addedTaints: [], labelled: false };
  const at = rfc3339(intent.at);

  if (intent.cordon && node.spec?.unschedulable !== true) {
    change.unschedulable = true;
    effects.cordoned = true;
    annotations[NODE_ANNOTATIONS.cordonedBy] = intent.eventId;
    annotations[NODE_ANNOTATIONS.cordonedKind] = intent.kind;
    annotations[NODE_ANNOTATIONS.cordonedAt] = at;
  }

  const existing = node.spec?.taints ?? [];
  // A taint is identified by key and effect, as `kubectl taint` does; one already there stays
  // as it is (its value names the event that put it there first).
  const missing = intent.taints.filter((wanted) => !existing.some((taint) => sameTaint(taint, wanted)));
  if (missing.length > 0) {
    const added: V1Taint[] = missing.map((taint) => ({
      key: taint.key,
      value: taint.value,
      effect: taint.effect,
      // NoExecute taints carry the time they were added; tolerationSeconds count from it.
      ...(taint.effect === 'NoExecute' ? { timeAdded: intent.at } : {}),
    }));
    change.taints = [...existing, ...added];
    effects.addedTaints = missing.map(({ key, effect }) => ({ key, effect }));
    const recorded = parseTaintIds(node.metadata?.annotations?.[NODE_ANNOTATIONS.taints]);
    const merged = [...recorded, ...effects.addedTaints.filter((t) => !recorded.some((r) => sameTaint(r, t)))];
    annotations[NODE_ANNOTATIONS.taints] = formatTaintIds(merged);
    annotations[NODE_ANNOTATIONS.taintedBy] = intent.eventId;
    annotations[NODE_ANNOTATIONS.taintedAt] = at;
  }

  if (intent.excludeFromLoadBalancers && node.metadata?.labels?.[EXCLUDE_FROM_LOAD_BALANCERS_LABEL] === undefined) {
    labels[EXCLUDE_FROM_LOAD_BALANCERS_LABEL] = 'true';
    annotations[NODE_ANNOTATIONS.excludedFromLoadBalancersBy] = intent.eventId;
    effects.labelled = true;
  }

  if (intent.drainDeadline) {
    const current = node.metadata?.annotations ?? {};
    const deadline = rfc3339(intent.drainDeadline);
    // Only when it is news: a drain resumed for the same event keeps its first start time.
    if (current[NODE_ANNOTATIONS.drainEvent] !== intent.eventId || current[NODE_ANNOTATIONS.drainDeadline] !== deadline) {
      annotations[NODE_ANNOTATIONS.drainEvent] = intent.eventId;
      annotations[NODE_ANNOTATIONS.drainStartedAt] = at;
      annotations[NODE_ANNOTATIONS.drainDeadline] = deadline;
    }
  }

  if (Object.keys(annotations).length > 0) change.annotations = annotations;
  if (Object.keys(labels).length > 0) change.labels = labels;
  const empty = change.unschedulable === undefined && change.taints === undefined && !change.annotations && !change.labels;
  return { change: empty ? undefined : change, effects };
}

export interface UndoEffects {
  uncordoned: boolean;
  removedTaints: TaintId[];
  unlabelled: boolean;
}

/** Undo our cordon, our taints and our label; leave anything an operator or another tool set. */
export function planUndo(node: V1Node): { change: NodeChange | undefined; effects: UndoEffects } {
  const annotations = node.metadata?.annotations ?? {};
  const change: NodeChange = {};
  const effects: UndoEffects = { uncordoned: false, removedTaints: [], unlabelled: false };
  const drop: Record<string, null> = {};
  for (const key of Object.values(NODE_ANNOTATIONS)) if (annotations[key] !== undefined) drop[key] = null;

  if (annotations[NODE_ANNOTATIONS.cordonedBy] !== undefined && node.spec?.unschedulable === true) {
    change.unschedulable = false;
    effects.uncordoned = true;
  }
  const taints = node.spec?.taints ?? [];
  const kept = taints.filter((taint) => !isOurTaint(node, taint));
  if (kept.length !== taints.length) {
    change.taints = kept;
    effects.removedTaints = taints.filter((taint) => isOurTaint(node, taint)).map(({ key, effect }) => ({ key, effect }));
  }
  if (annotations[NODE_ANNOTATIONS.excludedFromLoadBalancersBy] !== undefined
    && node.metadata?.labels?.[EXCLUDE_FROM_LOAD_BALANCERS_LABEL] !== undefined) {
    change.labels = { [EXCLUDE_FROM_LOAD_BALANCERS_LABEL]: null };
    effects.unlabelled = true;
  }
  if (Object.keys(drop).length > 0) change.annotations = drop;
  const empty = change.unschedulable === undefined && change.taints === undefined && !change.annotations && !change.labels;
  return { change: empty ? undefined : change, effects };
}
