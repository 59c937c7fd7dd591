// One piece of work on one node, as the per-node work queue holds it: several messages for the
// same node merge into one (the strongest action and the earliest deadline win), and a running
// drain covers later cordon/taint/drain requests, so a node is drained once however many events
// name it. Lifecycle hooks and message deletion stay with each message (see handle-message.ts).
import type { DrainResult, NodeOperator, NodeTaintRequest } from '../drain/types.ts';
import type { InterruptionEvent } from '../events/types.ts';
import type { WorkRank } from '../workqueue.ts';

export type NodeActionType = 'drain' | 'cordon' | 'taint' | 'uncordon';

export interface NodeWork {
  action: NodeActionType;
  nodeName: string;
  instanceId: string;
  /** The event whose action is being carried out (the first of the strongest). */
  event: InterruptionEvent;
  /** The SQS message that asked first, for log lines. */
  messageId?: string;
  taint?: NodeTaintRequest;
  untaint?: string[];
  deadline: Date;
  priority: number;
  reason: string;
}

export interface NodeWorkResult {
  action: NodeActionType;
  ok: boolean;
  /** Set when another replica holds the node's claim: nothing was done, try again later. */
  heldBy?: string;
  drain?: DrainResult;
  error?: Error;
}

const STRENGTH: Readonly<Record<NodeActionType, number>> = { uncordon: 0, taint: 1, cordon: 2, drain: 3 };

export function mergeNodeWork(pending: NodeWork, incoming: NodeWork): NodeWork {
  const stronger = STRENGTH[incoming.action] > STRENGTH[pending.action] ? incoming : pending;
  const deadline = incoming.deadline < pending.deadline ? incoming.deadline : pending.deadline;
  return {
    ...stronger,
    taint: stronger.taint ?? pending.taint ?? incoming.taint,
    deadline,
    priority: Math.min(pending.priority, incoming.priority),
  };
}

/** A running action covers a later request it already does (drain ⊇ cordon ⊇ taint). */
export function runningCovers(running: NodeWork, incoming: NodeWork): boolean {
  if (running.action === 'uncordon' || incoming.action === 'uncordon') return running.action === incoming.action;
  return STRENGTH[running.action] >= STRENGTH[incoming.action];
}

export function rankNodeWork(work: NodeWork): WorkRank {
  return { priority: work.priority, deadline: work.deadline };
}

/** Carries one piece of work out through the drain engine. Never throws: failures are results. */
export async function runNodeWork(operator: NodeOperator, work: NodeWork, signal: AbortSignal): Promise<NodeWorkResult> {
  const context = {
    nodeName: work.nodeName,
    eventId: work.event.id,
    kind: work.event.kind,
    instanceId: work.instanceId,
    reason: work.reason,
  };
  try {
    switch (work.action) {
      case 'drain': {
        const drain = await operator.drain({ ...context, taint: work.taint, deadline: work.deadline }, signal);
        return { action: work.action, ok: drain.outcome === 'drained', drain, error: drain.error };
      }
      case 'cordon':
        await operator.cordon({ ...context, taint: work.taint });
        return { action: work.action, ok: true };
      case 'taint':
        await operator.taint({ ...context, taint: work.taint });
        return { action: work.action, ok: true };
      case 'uncordon':
        await operator.uncordon(context);
        return { action: work.action, ok: true };
    }
  } catch (error) {
    return { action: work.action, ok: false, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

/**
 * Work that finished moments ago still answers for its node: a spot warning, a state change and
 * an ASG terminate for one instance arrive within a second, and when the first drain is already
 * over by the time the third message is read, draining again would only list the same empty node.
 * A remembered result is reused only while the node is still cordoned (nobody undid our work).
 */
export class RecentNodeWork {
  private readonly results = new Map<string, { work: NodeWork; result: NodeWorkResult; at: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(ttlMs = 120_000, now: () => number = Date.now) {
    this.ttlMs = ttlMs;
    this.now = now;
  }

  /** A successful result of earlier work on `key` that covers `work`, if any is fresh. */
  reusable(key: string, work: NodeWork, stillCordoned: boolean): NodeWorkResult | undefined {
    const entry = this.results.get(key);
    if (!entry || this.now() - entry.at > this.ttlMs) return undefined;
    if (work.action !== 'uncordon' && !stillCordoned) return undefined;
    return runningCovers(entry.work, work) ? entry.result : undefined;
  }

  remember(key: string, work: NodeWork, result: NodeWorkResult): void {
    const now = this.now();
    for (const [k, v] of this.results) if (now - v.at > this.ttlMs) this.results.delete(k);
    if (result.ok) this.results.set(key, { work, result, at: now });
    else this.results.delete(key);
  }
}
