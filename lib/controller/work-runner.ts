// Runs one piece of node work for the work queue, and is the one place that knows the work really
// ran (rather than a message attaching to running work or reusing a fresh result): so it counts
// actions_total, drain_duration_seconds and drains_in_flight, and sends the one webhook
// notification per node action, however many messages asked for it.
import type { NodeOperator } from '../drain/types.ts';
import type { NodeLookup } from '../kube/node-index.ts';
import { withLogContext } from '../observe/log-context.ts';
import type { Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import type { Notifier } from '../observe/webhook/notifier.ts';
import type { NotificationFields } from '../observe/webhook/template.ts';
import { ClaimHeldError, type Claim } from './claims.ts';
import { RecentNodeWork, runNodeWork, type NodeWork, type NodeWorkResult } from './node-work.ts';

export interface WorkRunnerDeps {
  operator: NodeOperator;
  nodes: NodeLookup;
  metrics: Metrics;
  notifier: Notifier;
  logger: Logger;
  dryRun: boolean;
  /** Claims the node for this replica (lib/controller/claims.ts); throws ClaimHeldError. Unset: no claims. */
  claim?: (nodeName: string) => Promise<Claim>;
  recent?: RecentNodeWork;
  now?: () => number;
}

export type WorkRunner = (key: string, item: NodeWork, signal: AbortSignal) => Promise<NodeWorkResult>;

export function createWorkRunner(deps: WorkRunnerDeps): WorkRunner {
  const recent = deps.recent ?? new RecentNodeWork();
  const now = deps.now ?? Date.now;
  return (key, item, signal) => withLogContext({
    eventId: item.event.id, kind: item.event.kind, instanceId: item.instanceId, nodeName: item.nodeName, messageId: item.messageId,
  }, async () => {
    const log = deps.logger.child({ eventId: item.event.id, kind: item.event.kind, instanceId: item.instanceId, nodeName: key });
    const reused = recent.reusable(key, item, deps.nodes.byName(key)?.spec?.unschedulable === true);
    if (reused) {
      log.debug(`${item.action} already done moments ago; reusing its result`);
      return reused;
    }
    // Dry run writes nothing, Leases included.
    let claim: Claim | undefined;
    if (deps.claim && !deps.dryRun) {
      try {
        claim = await deps.claim(key);
      } catch (error) {
        if (error instanceof ClaimHeldError) return { action: item.action, ok: false, heldBy: error.holder };
        return { action: item.action, ok: false, error: error instanceof Error ? error : new Error(String(error)) };
      }
    }
    const startedAt = now();
    if (item.action === 'drain') deps.metrics.drainsInFlight.inc();
    let result: NodeWorkResult;
    try {
      result = await runNodeWork(deps.operator, item, signal);
    } finally {
      if (item.action === 'drain') deps.metrics.drainsInFlight.dec();
      await claim?.release();
    }
    const endedAt = now();
    recent.remember(key, item, result);
    // Stopping: the message goes back to the queue and another replica finishes the work; this
    // run neither failed nor finished, so it is neither counted nor announced.
    if (signal.aborted) return result;
    const outcome = result.drain?.outcome ?? (result.ok ? 'done' : 'failed');
    deps.metrics.actionDone(item.action, outcome);
    if (result.drain) deps.metrics.drainDuration.observe({ outcome }, result.drain.durationMs / 1000);
    if (outcome === 'failed') deps.metrics.error('act');
    const fields = notificationFields(item, result, startedAt, endedAt);
    if (deps.dryRun) log.info({ webhook: fields }, 'dry run: no webhook notification sent');
    else deps.notifier.notify(fields);
    return result;
  });
}

export function notificationFields(item: NodeWork, result: NodeWorkResult, startedAt: number, endedAt: number): NotificationFields {
  const outcome = result.drain?.outcome ?? (result.ok ? 'done' : 'failed');
  const error = result.error ?? result.drain?.error;
  return {
    eventId: item.event.id,
    kind: item.event.kind,
    instanceId: item.instanceId,
    nodeName: item.nodeName,
    action: item.action,
    result: outcome,
    startTime: new Date(startedAt).toISOString(),
    endTime: new Date(endedAt).toISOString(),
    durationSeconds: Math.round(endedAt - startedAt) / 1000,
    podsEvicted: result.drain?.evicted.length ?? 0,
    podsRemaining: result.drain?.remaining.length ?? 0,
    reason: error && outcome !== 'drained' && outcome !== 'done' ? `${item.reason}; ${error.message}` : item.reason,
  };
}
