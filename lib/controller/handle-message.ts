// One SQS message, start to finish: parse → resolve → plan → act (through the per-node work
// queue) → complete the lifecycle hook → tell the consumer to delete. The message is deleted only
// after everything it asked for is done; whatever may succeed later is retried instead.
import { LifecycleActionGoneError, type LifecycleActions, type LifecycleResult } from '../aws/lifecycle.ts';
import type { NodeOperator } from '../drain/types.ts';
import { parseMessage } from '../events/parse.ts';
import type { InterruptionEvent, LifecycleActionRef } from '../events/types.ts';
import { failpoint } from '../failpoints.ts';
import { withLogContext } from '../observe/log-context.ts';
import type { Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import { planAction, type Plan, type PlanSettings } from '../plan.ts';
import type { MessageOutcome, QueueMessage } from '../queue/types.ts';
import type { WorkQueue } from '../workqueue.ts';
import { startHeartbeats } from './heartbeat.ts';
import { completedToken } from './lifecycle-record.ts';
import { combine, deferred, done, failed, forDryRun, ignored, invalid, type Handled } from './message-result.ts';
import type { ControllerNodeEvents, NodeEventTarget } from './node-events.ts';
import type { NodeWork, NodeWorkResult } from './node-work.ts';
import { toNodeView } from './node-view.ts';
import type { InstanceResolver, ResolvedInstance } from './resolve.ts';

export interface HandlerDeps {
  resolver: InstanceResolver;
  work: WorkQueue<NodeWork, NodeWorkResult>;
  operator: NodeOperator;
  lifecycle: LifecycleActions;
  /** Node Events of our own (Interruption, LifecycleActionCompleted); the engine records the rest. */
  events: ControllerNodeEvents;
  plan: PlanSettings;
  heartbeatIntervalSeconds: number;
  heartbeatUntilSeconds: number;
  /** Wait this long after the drain before completing the hook; -1 = no wait. */
  completeLifecycleDelaySeconds: number;
  dryRun: boolean;
  /** Notes on the Node that its lifecycle action (this token) was completed (crash safety). */
  recordCompletion: (nodeName: string, token: string) => Promise<void>;
  /** How soon a message whose node another replica holds is looked at again. */
  claimRetrySeconds: number;
  logger: Logger;
  metrics: Metrics;
  now?: () => Date;
}

/** How soon a launch whose Node is not Ready yet is looked at again. */
const LAUNCH_RECHECK_SECONDS = 10;

export function createMessageHandler(deps: HandlerDeps): (message: QueueMessage, signal: AbortSignal) => Promise<MessageOutcome> {
  const now = deps.now ?? (() => new Date());
  return (message) => withLogContext({ messageId: message.messageId }, async () => {
    const handled = await handleMessage(deps, message, now);
    const final = deps.dryRun ? forDryRun(handled) : handled;
    deps.metrics.messageFinished(final.result, final.reason);
    return final.outcome;
  });
}

async function handleMessage(deps: HandlerDeps, message: QueueMessage, now: () => Date): Promise<Handled> {
  const log = deps.logger.child({ messageId: message.messageId });
  if (message.sentAt) deps.metrics.queueLag.observe(Math.max(0, (message.receivedAt.getTime() - message.sentAt.getTime()) / 1000));
  const parsed = parseMessage(message.body);
  if (parsed.outcome === 'invalid') {
    deps.metrics.messagesReceived.inc({ kind: 'invalid' });
    log.warn({ path: parsed.error.path, receiveCount: message.receiveCount }, `invalid message left for the dead-letter queue: ${parsed.error.message}`);
    // Back soon, so that after maxReceiveCount deliveries the redrive policy moves it away.
    return invalid(Math.min(30, message.receiveCount));
  }
  if (parsed.outcome === 'ignored') {
    deps.metrics.messagesReceived.inc({ kind: 'ignored' });
    log.info({ eventId: parsed.id, reason: parsed.reason }, `ignored message deleted: ${parsed.detail}`);
    return ignored(parsed.reason);
  }
  const event = parsed.event;
  deps.metrics.messagesReceived.inc({ kind: event.kind });
  return await withLogContext({ eventId: event.id, kind: event.kind }, async () => {
    const eventLog = log.child({ eventId: event.id, kind: event.kind });
    let resolved: ResolvedInstance[];
    try {
      resolved = await deps.resolver.resolve(event.instanceIds);
    } catch (error) {
      deps.metrics.error('resolve');
      eventLog.warn({ err: error }, 'resolving the instances failed; the message will be retried');
      return failed(Math.min(60, 5 * message.receiveCount), 'resolve-error');
    }
    const parts = await Promise.all(resolved.map((r) => {
      const nodeName = r.node?.metadata?.name;
      return withLogContext({ instanceId: r.instanceId, ...(nodeName ? { nodeName } : {}) },
        () => handleInstance(deps, message, event, r, eventLog.child({ instanceId: r.instanceId }), now));
    }));
    return combine(parts);
  });
}

async function handleInstance(deps: HandlerDeps, message: QueueMessage, event: InterruptionEvent, resolved: ResolvedInstance, baseLog: Logger, now: () => Date): Promise<Handled> {
  if (!resolved.managed) {
    baseLog.info(resolved.ec2 ? 'instance lacks the managed tag; nothing done' : 'EC2 does not know the instance; nothing done');
    return ignored('unmanaged');
  }
  const plan = planAction({ event, node: resolved.node ? toNodeView(resolved.node) : undefined, now: now(), settings: deps.plan });
  const nodeName = plan.nodeName ?? resolved.node?.metadata?.name;
  const log = baseLog.child({ nodeName });
  log.info({ action: plan.action, deadline: plan.deadline.toISOString() }, plan.reason);
  const target: NodeEventTarget | undefined = nodeName ? { node: resolved.node, nodeName, instanceId: resolved.instanceId, event } : undefined;
  switch (plan.action) {
    case 'none': {
      if (plan.lifecycle && !(await complete(deps, plan.lifecycle.hook, resolved.instanceId, plan.lifecycle.result, log, target))) return failed(10, 'lifecycle-error');
      const reason = resolved.node ? 'no-action' : 'node-not-found';
      return plan.disposition === 'delete' ? ignored(reason) : deferred(10, reason);
    }
    case 'wait-launch':
      return deferred(Math.min(LAUNCH_RECHECK_SECONDS, Math.max(1, (plan.deadline.getTime() - now().getTime()) / 1000)), 'launch-not-ready');
    case 'complete-launch':
      if (!plan.lifecycle) return done('launch');
      return (await complete(deps, plan.lifecycle.hook, resolved.instanceId, plan.lifecycle.result, log, target)) ? done('launch') : failed(10, 'lifecycle-error');
    default:
      return await actOnNode(deps, message, event, resolved, plan, log, now);
  }
}

async function actOnNode(deps: HandlerDeps, message: QueueMessage, event: InterruptionEvent, resolved: ResolvedInstance, plan: Plan, log: Logger, now: () => Date): Promise<Handled> {
  const nodeName = plan.nodeName ?? '';
  if (plan.notBefore && plan.notBefore > now()) {
    const wait = (plan.notBefore.getTime() - now().getTime()) / 1000;
    log.info({ notBefore: plan.notBefore.toISOString() }, `drain starts in ${Math.round(wait)} s; the message waits on the queue`);
    return deferred(Math.min(wait, 43_200), 'not-before');
  }
  const action = plan.action as NodeWork['action'];
  const target: NodeEventTarget = { node: resolved.node, nodeName, instanceId: resolved.instanceId, event };
  // The Event goes out alongside the cordon, not before it: in a storm each extra request ahead of
  // the cordon would wait its turn at the rate limiter. Taken first, it still lands first. On a
  // redelivery it was recorded already.
  const interruptionRecorded = action !== 'uncordon' && message.receiveCount === 1
    ? deps.events.interruption(target, action, plan.reason, plan.deadline)
    : Promise.resolve();
  const hook = plan.lifecycle?.hook;
  const stopHeartbeats = hook && deps.heartbeatIntervalSeconds > 0 && !deps.dryRun
    ? startHeartbeats({
      lifecycle: deps.lifecycle, hook, instanceId: resolved.instanceId, logger: log,
      intervalSeconds: deps.heartbeatIntervalSeconds, untilSeconds: deps.heartbeatUntilSeconds,
      onBeat: (outcome) => {
        deps.metrics.heartbeats.inc({ outcome });
        if (outcome === 'error') deps.metrics.error('heartbeat');
      },
    })
    : undefined;
  try {
    const context = { nodeName, eventId: event.id, kind: event.kind, instanceId: resolved.instanceId, reason: plan.reason };
    // Cordon at once, before the drain waits for a worker: in a storm no new pod should land on
    // a doomed node while other nodes drain. Idempotent, so a repeat costs one cheap PATCH. Ahead
    // of a drain it also records the drain's deadline, which the drain's own first step would
    // otherwise PATCH separately moments later.
    if ((action === 'drain' || action === 'cordon') && resolved.node?.spec?.unschedulable !== true) {
      await deps.operator.cordon({ ...context, taint: plan.taint }, action === 'drain' ? { drainDeadline: plan.deadline } : {});
      deps.metrics.eventToCordon.observe({ kind: event.kind }, Math.max(0, (now().getTime() - event.time.getTime()) / 1000));
      failpoint('after-cordon');
    }
    const result = await deps.work.submit(nodeName, {
      action, nodeName, instanceId: resolved.instanceId, event, messageId: message.messageId, taint: plan.taint, untaint: plan.untaint,
      deadline: plan.deadline, priority: plan.priority, reason: plan.reason,
    });
    if (result.heldBy !== undefined) {
      // Another replica works on the node; come back when its claim may have ended.
      log.info({ heldBy: result.heldBy }, `node is being worked on by ${result.heldBy}; the message will be retried`);
      return deferred(deps.claimRetrySeconds, 'claimed-elsewhere');
    }
    const outcome = result.drain?.outcome ?? (result.ok ? 'done' : 'failed');
    if (!result.ok && outcome !== 'deadline') {
      // An error (API down, conflict): try the whole message again; every step is idempotent.
      log.warn({ err: result.error }, `${action} failed; the message will be retried`);
      return failed(10, 'action-error');
    }
    if (outcome === 'deadline') log.warn({ remaining: result.drain?.remaining }, `drain reached its deadline with ${result.drain?.remaining.length ?? 0} pods left`);
    if (plan.lifecycle) {
      // No heartbeat may race the completion: AWS would refuse it and we would log a false alarm.
      stopHeartbeats?.();
      const lifecycleResult: LifecycleResult = result.ok ? plan.lifecycle.result : plan.lifecycle.resultOnFailure;
      if (deps.completeLifecycleDelaySeconds > 0) await sleep(deps.completeLifecycleDelaySeconds * 1000);
      if (!(await complete(deps, plan.lifecycle.hook, resolved.instanceId, lifecycleResult, log, target))) return failed(10, 'lifecycle-error');
    }
    const reason = outcome === 'deadline' ? 'drain-deadline' : action;
    return plan.disposition === 'delete' ? done(reason) : deferred(10, reason);
  } catch (error) {
    deps.metrics.error('act');
    log.warn({ err: error }, `${action} failed; the message will be retried`);
    return failed(10, 'action-error');
  } finally {
    stopHeartbeats?.();
    await interruptionRecorded;
  }
}

/** Completes a lifecycle action; false when it should be tried again with the message. */
async function complete(deps: HandlerDeps, hook: LifecycleActionRef, instanceId: string, result: LifecycleResult, log: Logger, target: NodeEventTarget | undefined): Promise<boolean> {
  const hookLog = log.child({ autoScalingGroupName: hook.autoScalingGroupName, lifecycleHookName: hook.lifecycleHookName, result });
  if (deps.dryRun) {
    hookLog.info('dry run: would complete the lifecycle action');
    return true;
  }
  // A redelivery after a crash between completing and deleting: the Node says it was done.
  if (target && completedToken(target.node) === hook.lifecycleActionToken) {
    hookLog.info('lifecycle action already completed (recorded on the node); not completing it again');
    return true;
  }
  try {
    await deps.lifecycle.complete(hook, instanceId, result);
    deps.metrics.lifecycleCompletions.inc({ result, outcome: 'ok' });
    hookLog.info('lifecycle action completed');
    if (target) {
      await deps.recordCompletion(target.nodeName, hook.lifecycleActionToken)
        .catch((error: unknown) => hookLog.warn({ err: error }, 'could not record the completion on the node'));
      await deps.events.lifecycleCompleted(target, result, hook);
    }
    failpoint('after-lifecycle-complete');
    return true;
  } catch (error) {
    if (error instanceof LifecycleActionGoneError) {
      // Completed already (a redelivered message) or expired: nothing is waiting on us.
      deps.metrics.lifecycleCompletions.inc({ result, outcome: 'gone' });
      hookLog.warn({ err: error }, 'lifecycle action no longer active');
      return true;
    }
    deps.metrics.lifecycleCompletions.inc({ result, outcome: 'error' });
    deps.metrics.error('lifecycle');
    hookLog.warn({ err: error }, 'completing the lifecycle action failed; will retry');
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
