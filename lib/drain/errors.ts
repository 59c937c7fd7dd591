// Typed errors of node actions. Each carries the node and the event it was acting on, so the
// controller's log line and a grep of the event ID tell the whole story.

export interface ErrorContext {
  nodeName: string;
  eventId: string;
  cause?: unknown;
}

export class NodeActionError extends Error {
  override readonly name: string = 'NodeActionError';
  readonly nodeName: string;
  readonly eventId: string;

  constructor(message: string, context: ErrorContext) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.nodeName = context.nodeName;
    this.eventId = context.eventId;
  }
}

export type NodeStep = 'cordon' | 'taint' | 'label' | 'uncordon' | 'out-of-service-taint';

/** A change to the Node itself (cordon, taint, label, uncordon) failed. */
export class NodeUpdateError extends NodeActionError {
  override readonly name = 'NodeUpdateError';
  readonly step: NodeStep;

  constructor(step: NodeStep, context: ErrorContext & { detail: string }) {
    super(`${step} of node ${context.nodeName} failed (event ${context.eventId}): ${context.detail}`, context);
    this.step = step;
  }
}

/** An eviction the apiserver refused for good (not 429, not gone). */
export class PodEvictionError extends NodeActionError {
  override readonly name: string = 'PodEvictionError';
  readonly pod: string;
  readonly status: number | undefined;

  constructor(pod: string, status: number | undefined, detail: string, context: ErrorContext) {
    super(`eviction of pod ${pod} on node ${context.nodeName} failed${status ? ` (HTTP ${status})` : ''}: ${detail}`, context);
    this.pod = pod;
    this.status = status;
  }
}

/**
 * The eviction API refuses (500) pods covered by more than one PodDisruptionBudget; retrying cannot
 * help until someone fixes the budgets, so the pod is reported instead of retried.
 */
export class MultiplePodDisruptionBudgetsError extends PodEvictionError {
  override readonly name = 'MultiplePodDisruptionBudgetsError';
}

export interface StuckPod {
  /** namespace/name */
  pod: string;
  reason: string;
}

/** Pods that the settings forbid evicting, or whose eviction failed for good. */
export class DrainBlockedError extends NodeActionError {
  override readonly name = 'DrainBlockedError';
  readonly pods: StuckPod[];

  constructor(pods: StuckPod[], context: ErrorContext) {
    super(`drain of node ${context.nodeName} (event ${context.eventId}) is blocked by ${describePods(pods)}`, context);
    this.pods = pods;
  }
}

export class DrainDeadlineExceededError extends NodeActionError {
  override readonly name = 'DrainDeadlineExceededError';
  readonly remaining: string[];

  constructor(remaining: string[], context: ErrorContext & { deadline: Date }) {
    super(`drain of node ${context.nodeName} (event ${context.eventId}) reached its deadline ${context.deadline.toISOString()} with ${remaining.length} pods left: ${remaining.join(', ')}`, context);
    this.remaining = remaining;
  }
}

/** The caller's signal aborted the drain (shutdown); the work resumes when the message returns. */
export class DrainInterruptedError extends NodeActionError {
  override readonly name = 'DrainInterruptedError';
}

export function describePods(pods: readonly StuckPod[]): string {
  return pods.map((p) => `${p.pod} (${p.reason})`).join(', ');
}
