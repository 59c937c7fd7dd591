// The vocabulary of the decision table: what it reads (settings, the node as seen) and what it
// decides (a Plan). Kept apart from the table so adapters can import the shapes without the logic.

import type { InterruptionEvent, LifecycleActionRef } from '../events/types.ts';

export type PlanActionType = 'drain' | 'cordon' | 'taint' | 'uncordon' | 'complete-launch' | 'wait-launch' | 'none';

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

/** What a rebalance recommendation leads to (NTH drains; many users prefer less). */
export type RebalanceAction = 'drain' | 'cordon' | 'taint' | 'none';

export type LifecycleResult = 'CONTINUE' | 'ABANDON';

/**
 * What happens to the queue message once the plan has been carried out successfully: `delete`, or
 * `retry` (leave it so it is received again later). A failed action always leaves it for retry.
 */
export type MessageDisposition = 'delete' | 'retry';

/**
 * Exactly the settings the table reads. The config module produces an object that satisfies this
 * structurally, so the names must stay in step with it.
 */
export interface PlanSettings {
  /** Cordon instead of draining (NTH CORDON_ONLY). */
  cordonOnly: boolean;
  /** Also put the kind's taint on the node for every cordon/drain (NTH TAINT_NODE). */
  taintNode: boolean;
  taintEffect: TaintEffect;
  rebalanceAction: RebalanceAction;
  /** On a `running` state change, undo a cordon we made earlier. */
  uncordonOnRunning: boolean;
  /** Instance states whose state-change notification drains the node. */
  stateChangeDrainStates: readonly string[];
  /** Start a scheduled-change drain this long before `startTime`; -1 = at once. */
  scheduledChangeLeadTimeSeconds: number;
  nodeTerminationGracePeriodSeconds: number;
  /** How long after an ASG launch event we wait for the Node to be Ready before ABANDON. */
  launchTimeoutSeconds: number;
  lifecycleResultOnFailure: LifecycleResult;
  lifecycleResultOnNodeNotFound: LifecycleResult;
  deleteMessageIfNodeNotFound: boolean;
}

/** The Node as the resolver found it; `undefined` in PlanInput when no Node matches the instance. */
export interface NodeView {
  name: string;
  ready: boolean;
  unschedulable: boolean;
  /** Our annotation says we cordoned it, so undoing the cordon does not overrule someone else's. */
  cordonedByUs: boolean;
  /** Keys of taints on the node that we put there. */
  ourTaints: readonly string[];
}

export interface PlanInput {
  event: InterruptionEvent;
  node: NodeView | undefined;
  now: Date;
  settings: PlanSettings;
}

export interface NodeTaint {
  key: string;
  /** The event ID, so `kubectl describe node` leads straight to the logs of the event. */
  value: string;
  effect: TaintEffect;
}

/** The ASG lifecycle action to complete once the planned action is over. */
export interface LifecycleCompletion {
  hook: LifecycleActionRef;
  /** Sent when the planned action succeeded; for `none` it is sent at once. */
  result: LifecycleResult;
  /** Sent when the action failed for good (e.g. the drain missed its deadline). */
  resultOnFailure: LifecycleResult;
}

/**
 * The decision for one event on one node. Fields present per action:
 * - drain | cordon | taint: nodeName, deadline, maybe taint, notBefore, lifecycle (ASG terminate)
 * - uncordon: nodeName, untaint (our taint keys to remove)
 * - complete-launch: lifecycle (result CONTINUE, or ABANDON after the launch timeout)
 * - wait-launch: deadline = when we give up and ABANDON; disposition retry
 * - none: disposition, maybe lifecycle (ASG terminate whose node was not found)
 */
export interface Plan {
  action: PlanActionType;
  nodeName?: string;
  taint?: NodeTaint;
  untaint?: string[];
  /** When the action must be over; see timing.ts for how it is chosen. */
  deadline: Date;
  /** Do not start before this (scheduled change with a lead time); absent = at once. */
  notBefore?: Date;
  /** Lower starts sooner; ties are broken by deadline. */
  priority: number;
  lifecycle?: LifecycleCompletion;
  disposition: MessageDisposition;
  /** One short human sentence for logs and Kubernetes Events. */
  reason: string;
}
