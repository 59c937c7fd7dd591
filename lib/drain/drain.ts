// One node's drain: cordon (+ taint, label), then evict its pods phase by phase (ordinary,
// critical, DaemonSet), each phase in parallel, learning that pods are gone from one watch on the
// node's pods; stop at the deadline and name what is left.
import type { CoreV1Api, V1Node, V1Pod } from '@kubernetes/client-node';
import { apiMessage } from '../kube/api-error.ts';
import type { EventRecorder } from '../kube/event-recorder.ts';
import { OUT_OF_SERVICE_TAINT } from './annotations.ts';
import { NodePodWatch, podKey } from '../kube/node-pods.ts';
import type { StartWatch } from '../kube/watch.ts';
import type { Logger } from '../observe/logger.ts';
import { deadlineSignal } from './clock.ts';
import {
  DrainBlockedError,
  DrainDeadlineExceededError,
  DrainInterruptedError,
  MultiplePodDisruptionBudgetsError,
  NodeActionError,
  describePods,
  type StuckPod,
} from './errors.ts';
import { evictPod, forceDeletePod, type EvictionDeps } from './evict.ts';
import { NODE_EVENT_REASONS, POD_EVENT_REASONS } from './event-reasons.ts';
import { actionLogFields, eventAnnotations, type NodeActions } from './node-actions.ts';
import { BLOCK_REASON_TEXT, planPodRemoval, type PodRemovalPlan } from './pod-filter.ts';
import type { DrainSettings } from './settings.ts';
import type { DrainRequest, DrainResult } from './types.ts';

export interface DrainDeps extends EvictionDeps {
  core: EvictionDeps['core'] & Pick<CoreV1Api, 'listPodForAllNamespaces'>;
  watch: StartWatch;
  actions: NodeActions;
  recorder: EventRecorder;
  settings: DrainSettings;
}

type Outcome = Omit<DrainResult, 'durationMs'>;

export async function drainNode(deps: DrainDeps, request: DrainRequest, signal: AbortSignal): Promise<DrainResult> {
  const started = deps.clock.now();
  const log = deps.logger.child(actionLogFields(request));
  log.info({ deadline: request.deadline.toISOString(), reason: request.reason, dryRun: deps.settings.dryRun }, 'drain started');
  let outcome: Outcome;
  try {
    outcome = deps.settings.dryRun ? await dryRunDrain(deps, request, log) : await drain(deps, request, signal, log);
  } catch (error) {
    const wrapped = error instanceof NodeActionError ? error
      : new NodeActionError(`drain of node ${request.nodeName} failed (event ${request.eventId}): ${apiMessage(error)}`,
        { nodeName: request.nodeName, eventId: request.eventId, cause: error });
    log.error({ err: wrapped }, 'drain failed');
    await deps.actions.event(request, undefined, 'Warning', NODE_EVENT_REASONS.DrainFailed, wrapped.message);
    outcome = { outcome: 'failed', evicted: [], remaining: [], error: wrapped };
  }
  const result: DrainResult = { ...outcome, durationMs: deps.clock.now() - started };
  log.info({ outcome: result.outcome, evicted: result.evicted.length, remaining: result.remaining, durationMs: result.durationMs }, 'drain finished');
  return result;
}

async function drain(deps: DrainDeps, request: DrainRequest, signal: AbortSignal, log: Logger): Promise<Outcome> {
  const context = { nodeName: request.nodeName, eventId: request.eventId };
  const node = await deps.actions.apply(request, {
    cordon: true,
    taints: request.taint ? [request.taint] : [],
    excludeFromLoadBalancers: deps.settings.excludeFromLoadBalancers,
    drainDeadline: request.deadline,
  }, 'cordon');
  await deps.actions.event(request, node, 'Normal', NODE_EVENT_REASONS.DrainStarted,
    `Draining for ${request.reason} (event ${request.eventId}); deadline ${request.deadline.toISOString()}`);

  const watch = await NodePodWatch.start(deps.core, deps.watch, request.nodeName, log);
  const deadline = deadlineSignal(deps.clock, request.deadline.getTime(), signal);
  try {
    const plan = planPodRemoval(watch.current(), deps.settings);
    logPlan(plan, log);
    const stuck: StuckPod[] = plan.blocked.map(({ pod, reason }) => ({ pod: podKey(pod), reason: BLOCK_REASON_TEXT[reason] }));
    const evicted: string[] = [];
    const failures: Error[] = [];

    const remove = async (pod: V1Pod, mode: 'evict' | 'delete'): Promise<void> => {
      const key = podKey(pod);
      try {
        const result = await evictPod(deps, { pod, deadline: request.deadline.getTime(), signal: deadline.signal, mode, context });
        if (result === 'accepted') {
          evicted.push(key);
          if (mode === 'evict') await podEvent(deps, request, pod, 'Normal', POD_EVENT_REASONS.PodEviction,
            `Evicted by node-termination-handler: node ${request.nodeName} is drained for ${request.reason} (event ${request.eventId})`);
        }
        await watch.gone(pod.metadata?.uid ?? '', deadline.signal);
      } catch (error) {
        if (deadline.signal.aborted) return; // the deadline or an interruption: counted below
        const failure = error instanceof Error ? error : new Error(String(error));
        failures.push(failure);
        stuck.push({ pod: key, reason: failure instanceof MultiplePodDisruptionBudgetsError ? 'covered by more than one PodDisruptionBudget' : failure.message });
        log.warn({ err: failure, pod: key }, 'pod cannot be evicted');
        await podEvent(deps, request, pod, 'Warning', POD_EVENT_REASONS.PodEvictionFailed, failure.message);
      }
    };

    // A phase ends when each of its pods is gone or has failed for good (reported, not waited
    // for: waiting could not help, and the critical and DaemonSet pods still deserve their turn).
    let deletions = plan.deletions;
    for (const { phase, pods } of plan.phases) {
      if (deadline.signal.aborted) break;
      log.info({ phase, pods: pods.map(podKey) }, `evicting ${pods.length} ${phase} pods`);
      await Promise.all([...pods.map((pod) => remove(pod, 'evict')), ...deletions.map((pod) => remove(pod, 'delete'))]);
      deletions = [];
    }
    if (!deadline.signal.aborted) await Promise.all(deletions.map((pod) => remove(pod, 'delete')));

    const planned = [...plan.deletions, ...plan.phases.flatMap((p) => p.pods)];
    const present = (pods: V1Pod[]): V1Pod[] => pods.filter((pod) => watch.has(pod.metadata?.uid ?? ''));
    const blockedLeft = present(plan.blocked.map((b) => b.pod)).map(podKey);

    if (signal.aborted) {
      const remaining = [...present(planned).map(podKey), ...blockedLeft];
      const error = new DrainInterruptedError(`drain of node ${request.nodeName} (event ${request.eventId}) was interrupted`, context);
      log.warn({ remaining }, 'drain interrupted');
      return { outcome: 'failed', evicted, remaining, error, blocked: stuck };
    }
    if (deadline.expired()) {
      return await atDeadline(deps, request, node, present(planned), blockedLeft, { evicted, stuck, log });
    }
    if (stuck.length > 0) {
      const error = new DrainBlockedError(stuck, { ...context, ...(failures[0] ? { cause: failures[0] } : {}) });
      log.warn({ blocked: stuck }, error.message);
      await deps.actions.event(request, node, 'Warning', NODE_EVENT_REASONS.DrainBlocked,
        `Drain (event ${request.eventId}) cannot remove ${describePods(stuck)}`);
      return { outcome: 'failed', evicted, remaining: [...new Set([...present(planned).map(podKey), ...blockedLeft])], error, blocked: stuck };
    }
    if (deps.settings.enableOutOfServiceTaint) {
      try {
        await deps.actions.apply(request, { cordon: false, taints: [OUT_OF_SERVICE_TAINT] }, 'out-of-service-taint');
      } catch (error) {
        // A taint that was asked for and not set is a failure of the action, not a detail.
        const failure = error instanceof Error ? error : new Error(String(error));
        log.error({ err: failure }, 'drained, but the out-of-service taint could not be added');
        await deps.actions.event(request, node, 'Warning', NODE_EVENT_REASONS.DrainFailed, failure.message);
        return { outcome: 'failed', evicted, remaining: [], error: failure };
      }
    }
    await deps.actions.event(request, node, 'Normal', NODE_EVENT_REASONS.Drained,
      `Drained for ${request.reason} (event ${request.eventId}): ${evicted.length} pods evicted`);
    return { outcome: 'drained', evicted, remaining: [] };
  } finally {
    deadline.dispose();
    watch.stop();
  }
}

async function atDeadline(
  deps: DrainDeps,
  request: DrainRequest,
  node: V1Node,
  left: V1Pod[],
  blockedLeft: string[],
  state: { evicted: string[]; stuck: StuckPod[]; log: Logger },
): Promise<Outcome> {
  const context = { nodeName: request.nodeName, eventId: request.eventId };
  const remaining = [...left.map(podKey), ...blockedLeft];
  const forceDeleted: string[] = [];
  if (deps.settings.forceDeleteAtDeadline) {
    await Promise.all(left.map(async (pod) => {
      try {
        if (await forceDeletePod(deps, pod, context) === 'accepted') forceDeleted.push(podKey(pod));
      } catch (error) {
        state.log.error({ err: error, pod: podKey(pod) }, 'force delete at the deadline failed');
      }
    }));
  }
  const error = new DrainDeadlineExceededError(remaining, { ...context, deadline: request.deadline });
  state.log.warn({ remaining, forceDeleted }, `drain deadline exceeded; pods still on node ${request.nodeName}: ${remaining.join(', ')}`);
  await deps.actions.event(request, node, 'Warning', NODE_EVENT_REASONS.DrainDeadlineExceeded,
    `Deadline ${request.deadline.toISOString()} reached (event ${request.eventId}); pods still on the node: ${remaining.join(', ')}`
    + (forceDeleted.length > 0 ? `; force-deleted: ${forceDeleted.join(', ')}` : ''));
  return { outcome: 'deadline', evicted: state.evicted, remaining, error, blocked: state.stuck, forceDeleted };
}

async function dryRunDrain(deps: DrainDeps, request: DrainRequest, log: Logger): Promise<Outcome> {
  await deps.actions.apply(request, {
    cordon: true,
    taints: request.taint ? [request.taint] : [],
    excludeFromLoadBalancers: deps.settings.excludeFromLoadBalancers,
    drainDeadline: request.deadline,
  }, 'cordon');
  const pods = await deps.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${request.nodeName}` });
  const plan = planPodRemoval(pods.items, deps.settings);
  const wouldEvict = [...plan.deletions, ...plan.phases.flatMap((p) => p.pods)].map(podKey);
  log.info({ dryRun: true, wouldEvict, phases: plan.phases.map((p) => ({ phase: p.phase, pods: p.pods.map(podKey) })) },
    `dry run: would evict or delete ${wouldEvict.length} pods`);
  logPlan(plan, log);
  const blocked = plan.blocked.map(({ pod, reason }) => ({ pod: podKey(pod), reason: BLOCK_REASON_TEXT[reason] }));
  return { outcome: 'drained', evicted: [], remaining: [], wouldEvict, blocked };
}

function logPlan(plan: PodRemovalPlan, log: Logger): void {
  if (plan.skipped.length > 0) log.debug({ skipped: plan.skipped.map(({ pod, reason }) => `${podKey(pod)} (${reason})`) }, 'pods left in place');
  if (plan.blocked.length > 0) {
    log.warn({ blocked: plan.blocked.map(({ pod, reason }) => `${podKey(pod)} (${BLOCK_REASON_TEXT[reason]})`) }, 'pods the settings forbid evicting');
  }
}

function podEvent(deps: DrainDeps, request: DrainRequest, pod: V1Pod, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
  return deps.recorder.record(
    { kind: 'Pod', name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}) },
    type, reason, message, eventAnnotations(request));
}
