// One SQS message, start to finish: parse → resolve → plan → act (through the per-node work
// queue) → complete the lifecycle hook → tell the consumer to delete. The message is deleted only
// after everything it asked for is done; whatever may succeed later is retried instead.
import { LifecycleActionGoneError, type LifecycleActions, type LifecycleResult } from '../aws/lifecycle.ts';
import type { NodeOperator } from '../drain/types.ts';
import { parseMessage } from '../events/parse.ts';
import type { InterruptionEvent, LifecycleActionRef } from '../events/types.ts';
import type { Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import { planAction, type Plan, type PlanSettings } from '../plan.ts';
import type { MessageOutcome, QueueMessage } from '../queue/types.ts';
import type { WorkQueue } from '../workqueue.ts';
import { startHeartbeats } from './heartbeat.ts';
import type { NodeWork, NodeWorkResult } from './node-work.ts';
import { toNodeView } from './node-view.ts';
import type { InstanceResolver, ResolvedInstance } from './resolve.ts';

export interface HandlerDeps {
  resolver: InstanceResolver;
  work: WorkQueue<NodeWork, NodeWorkResult>;
  operator: NodeOperator;
  lifecycle: LifecycleActions;
  plan: PlanSettings;
  heartbeatIntervalSeconds: number;
  heartbeatUntilSeconds: number;
  /** Wait this long after the drain before completing the hook; -1 = no wait. */
  completeLifecycleDelaySeconds: number;
  dryRun: boolean;
  logger: Logger;
  metrics: Metrics;
  now?: () => Date;
}

const DELETE: MessageOutcome = { disposition: 'delete' };
const retry = (seconds: number): MessageOutcome => ({ disposition: 'retry', retryAfterSeconds: Math.max(0, Math.ceil(seconds)) });
/** How soon a launch whose Node is not Ready yet is looked at again. */
const LAUNCH_RECHECK_SECONDS = 10;

export function createMessageHandler(deps: HandlerDeps): (message: QueueMessage, signal: AbortSignal) => Promise<MessageOutcome> {
  const now = deps.now ?? (() => new Date());
  return async (message) => {
    const log = deps.logger.child({ messageId: message.messageId });
    if (message.sentAt) deps.metrics.queueLag.observe(Math.max(0, (message.receivedAt.getTime() - message.sentAt.getTime()) / 1000));
    const parsed = parseMessage(message.body);
    if (parsed.outcome === 'invalid') {
      deps.metrics.messagesReceived.inc({ kind: 'invalid' });
      deps.metrics.messagesFinished.inc({ result: 'invalid', reason: 'invalid' });
      log.warn({ path: parsed.error.path, receiveCount: message.receiveCount }, `invalid message left for the dead-letter queue: ${parsed.error.message}`);
      // Back soon, so that after maxReceiveCount deliveries the redrive policy moves it away.
      return retry(Math.min(30, message.receiveCount));
    }
    if (parsed.outcome === 'ignored') {
      deps.metrics.messagesReceived.inc({ kind: 'ignored' });
      deps.metrics.messagesFinished.inc({ result: 'ignored', reason: parsed.reason });
      log.info({ eventId: parsed.id, reason: parsed.reason }, `ignored message deleted: ${parsed.detail}`);
      return deps.dryRun ? { disposition: 'leave' } : DELETE;
    }
    const event = parsed.event;
    deps.metrics.messagesReceived.inc({ kind: event.kind });
    const eventLog = log.child({ eventId: event.id, kind: event.kind });
    let resolved: ResolvedInstance[];
    try {
      resolved = await deps.resolver.resolve(event.instanceIds);
    } catch (error) {
      deps.metrics.errors.inc({ stage: 'resolve' });
      eventLog.warn({ err: error }, 'resolving the instances failed; the message will be retried');
      return retry(Math.min(60, 5 * message.receiveCount));
    }
    const outcomes = await Promise.all(resolved.map((r) => handleInstance(deps, event, r, eventLog.child({ instanceId: r.instanceId }), now)));
    const outcome = combine(outcomes);
    const result = outcome.disposition === 'delete' ? 'deleted' : outcome.disposition === 'retry' ? 'retried' : 'left';
    deps.metrics.messagesFinished.inc({ result, reason: event.kind });
    if (deps.dryRun && outcome.disposition === 'delete') return { disposition: 'leave' };
    return outcome;
  };
}

/** Delete only when every instance is done; otherwise come back at the soonest retry asked for. */
function combine(outcomes: MessageOutcome[]): MessageOutcome {
  let soonest: number | undefined;
  for (const o of outcomes) if (o.disposition === 'retry') soonest = Math.min(soonest ?? Infinity, o.retryAfterSeconds);
  return soonest === undefined ? DELETE : retry(soonest);
}

async function handleInstance(deps: HandlerDeps, event: InterruptionEvent, resolved: ResolvedInstance, baseLog: Logger, now: () => Date): Promise<MessageOutcome> {
  if (!resolved.managed) {
    deps.metrics.messagesFinished.inc({ result: 'ignored', reason: 'unmanaged' });
    baseLog.info(resolved.ec2 ? 'instance lacks the managed tag; nothing done' : 'EC2 does not know the instance; nothing done');
    return DELETE;
  }
  const plan = planAction({ event, node: resolved.node ? toNodeView(resolved.node) : undefined, now: now(), settings: deps.plan });
  const log = baseLog.child({ nodeName: plan.nodeName ?? resolved.node?.metadata?.name });
  log.info({ action: plan.action, deadline: plan.deadline.toISOString() }, plan.reason);
  switch (plan.action) {
    case 'none':
      if (!resolved.node) deps.metrics.messagesFinished.inc({ result: 'ignored', reason: 'node-not-found' });
      if (plan.lifecycle && !(await complete(deps, plan.lifecycle.hook, resolved.instanceId, plan.lifecycle.result, log))) return retry(10);
      return plan.disposition === 'delete' ? DELETE : retry(Math.min(60, 10));
    case 'wait-launch':
      return retry(Math.min(LAUNCH_RECHECK_SECONDS, Math.max(1, (plan.deadline.getTime() - now().getTime()) / 1000)));
    case 'complete-launch':
      if (!plan.lifecycle) return DELETE;
      return (await complete(deps, plan.lifecycle.hook, resolved.instanceId, plan.lifecycle.result, log)) ? DELETE : retry(10);
    default:
      return await actOnNode(deps, event, resolved, plan, log, now);
  }
}

async function actOnNode(deps: HandlerDeps, event: InterruptionEvent, resolved: ResolvedInstance, plan: Plan, log: Logger, now: () => Date): Promise<MessageOutcome> {
  const nodeName = plan.nodeName ?? '';
  if (plan.notBefore && plan.notBefore > now()) {
    const wait = (plan.notBefore.getTime() - now().getTime()) / 1000;
    log.info({ notBefore: plan.notBefore.toISOString() }, `drain starts in ${Math.round(wait)} s; the message waits on the queue`);
    return retry(Math.min(wait, 43_200));
  }
  const action = plan.action as NodeWork['action'];
  const hook = plan.lifecycle?.hook;
  const stopHeartbeats = hook && deps.heartbeatIntervalSeconds > 0 && !deps.dryRun
    ? startHeartbeats({
      lifecycle: deps.lifecycle, hook, instanceId: resolved.instanceId, logger: log,
      intervalSeconds: deps.heartbeatIntervalSeconds, untilSeconds: deps.heartbeatUntilSeconds,
      onBeat: (outcome) => deps.metrics.heartbeats.inc({ outcome }),
    })
    : undefined;
  try {
    const context = { nodeName, eventId: event.id, kind: event.kind, instanceId: resolved.instanceId, reason: plan.reason };
    // Cordon at once, before the drain waits for a worker: in a storm no new pod should land on
    // a doomed node while other nodes drain. Idempotent, so a repeat costs one cheap PATCH.
    if ((action === 'drain' || action === 'cordon') && resolved.node?.spec?.unschedulable !== true) {
      await deps.operator.cordon({ ...context, taint: plan.taint });
      deps.metrics.eventToCordon.observe({ kind: event.kind }, Math.max(0, (now().getTime() - event.time.getTime()) / 1000));
    }
    deps.metrics.drainsInFlight.inc();
    const result = await deps.work.submit(nodeName, {
      action, nodeName, instanceId: resolved.instanceId, event, taint: plan.taint, untaint: plan.untaint,
      deadline: plan.deadline, priority: plan.priority, reason: plan.reason,
    }).finally(() => deps.metrics.drainsInFlight.dec());
    const outcome = result.drain?.outcome ?? (result.ok ? 'done' : 'failed');
    deps.metrics.actions.inc({ action, result: outcome });
    if (result.drain) deps.metrics.drainDuration.observe({ outcome }, result.drain.durationMs / 1000);
    if (!result.ok && outcome !== 'deadline') {
      // An error (API down, conflict): try the whole message again; every step is idempotent.
      log.warn({ err: result.error }, `${action} failed; the message will be retried`);
      return retry(10);
    }
    if (outcome === 'deadline') log.warn({ remaining: result.drain?.remaining }, `drain reached its deadline with ${result.drain?.remaining.length ?? 0} pods left`);
    if (plan.lifecycle) {
      const lifecycleResult: LifecycleResult = result.ok ? plan.lifecycle.result : plan.lifecycle.resultOnFailure;
      if (deps.completeLifecycleDelaySeconds > 0) await sleep(deps.completeLifecycleDelaySeconds * 1000);
      if (!(await complete(deps, plan.lifecycle.hook, resolved.instanceId, lifecycleResult, log))) return retry(10);
    }
    return plan.disposition === 'delete' ? DELETE : retry(10);
  } catch (error) {
    deps.metrics.errors.inc({ stage: 'act' });
    log.warn({ err: error }, `${action} failed; the message will be retried`);
    return retry(10);
  } finally {
    stopHeartbeats?.();
  }
}

/** Completes a lifecycle action; false when it should be tried again with the message. */
async function complete(deps: HandlerDeps, hook: LifecycleActionRef, instanceId: string, result: LifecycleResult, log: Logger): Promise<boolean> {
  const hookLog = log.child({ autoScalingGroupName: hook.autoScalingGroupName, lifecycleHookName: hook.lifecycleHookName, result });
  if (deps.dryRun) {
    hookLog.info('dry run: would complete the lifecycle action');
    return true;
  }
  try {
    await deps.lifecycle.complete(hook, instanceId, result);
    deps.metrics.lifecycleCompletions.inc({ result, outcome: 'ok' });
    hookLog.info('lifecycle action completed');
    return true;
  } catch (error) {
    if (error instanceof LifecycleActionGoneError) {
      // Completed already (a redelivered message) or expired: nothing is waiting on us.
      deps.metrics.lifecycleCompletions.inc({ result, outcome: 'gone' });
      hookLog.warn({ err: error }, 'lifecycle action no longer active');
      return true;
    }
    deps.metrics.lifecycleCompletions.inc({ result, outcome: 'error' });
    hookLog.warn({ err: error }, 'completing the lifecycle action failed; will retry');
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
