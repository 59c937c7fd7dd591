// The contract between the controller and the drain engine: what the controller asks of a node
// and what it gets back. The engine (lib/drain/) implements NodeOperator against the Kubernetes
// API; the controller never touches pods itself.
import type { EventKind } from '../events/types.ts';

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface NodeTaintRequest {
  key: string;
  /** The event id, so an operator sees which event put it there. */
  value: string;
  effect: TaintEffect;
}

/** Who asks, for annotations, Kubernetes Events and log lines. */
export interface ActionContext {
  nodeName: string;
  eventId: string;
  kind: EventKind;
  instanceId: string;
  /** Human text: why we act, e.g. "spot interruption warning". */
  reason: string;
}

export interface CordonRequest extends ActionContext {
  taint?: NodeTaintRequest;
}

export interface CordonOptions {
  /**
   * A drain of the node with this deadline follows (under the same event): the cordon records it
   * too (drain-event, drain-deadline), so the drain's own first step finds nothing left to change
   * and sends nothing.
   */
  drainDeadline?: Date;
}

export interface DrainRequest extends CordonRequest {
  /** Evictions stop at this time; pods' grace periods are cut to the time left. */
  deadline: Date;
}

export interface DrainResult {
  outcome: 'drained' | 'deadline' | 'failed';
  /** Pods (namespace/name) evicted or deleted by this drain. */
  evicted: string[];
  /** Pods still on the node when the drain ended (empty when drained). */
  remaining: string[];
  /** Set when outcome is 'failed' (and, naming the pods left, when it is 'deadline'). */
  error?: Error;
  durationMs: number;
  /** Pods the settings forbid evicting, or whose eviction failed for good, with the reason. */
  blocked?: { pod: string; reason: string }[];
  /** Pods deleted with grace 0 at the deadline (forceDeleteAtDeadline); also in `remaining`. */
  forceDeleted?: string[];
  /** Dry run only: the pods that would have been evicted or deleted. */
  wouldEvict?: string[];
}

export interface NodeOperator {
  /** Cordon (and taint, when asked); idempotent; records that we did it on the Node. */
  cordon(request: CordonRequest, options?: CordonOptions): Promise<void>;
  /** Taint only (the node stays schedulable for pods that tolerate it); idempotent. */
  taint(request: CordonRequest): Promise<void>;
  /** Cordon, taint, evict every pod that must go, wait until they are gone or the deadline. */
  drain(request: DrainRequest, signal: AbortSignal): Promise<DrainResult>;
  /** Undo our own cordon and taints only (never one an operator or another tool set). */
  uncordon(request: ActionContext): Promise<void>;
}
