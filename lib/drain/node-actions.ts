// Changes to the Node itself (cordon, taints, label, uncordon) with their log lines and Events.
// Each step is idempotent: what is already there is left alone and not announced again.
import type { CoreV1Api, V1Node } from '@kubernetes/client-node';
import { apiMessage } from '../kube/api-error.ts';
import type { EventRecorder, EventType } from '../kube/event-recorder.ts';
import { formatTaintIds } from './annotations.ts';
import { changeNode, type NodeChange } from '../kube/node-patch.ts';
import type { Logger } from '../observe/logger.ts';
import type { Clock } from './clock.ts';
import { NodeUpdateError, type NodeStep } from './errors.ts';
import { NodeCopies, type KnownNode } from './node-copies.ts';
import { EVENT_ANNOTATIONS, NODE_EVENT_REASONS } from './event-reasons.ts';
import { planIntent, planUndo, type NodeEffects, type NodeIntent } from './node-changes.ts';
import type { DrainSettings } from './settings.ts';
import type { ActionContext, NodeTaintRequest } from './types.ts';

export interface NodeActionsDeps {
  core: Pick<CoreV1Api, 'readNode' | 'patchNode'>;
  settings: Pick<DrainSettings, 'dryRun' | 'excludeFromLoadBalancers'>;
  recorder: EventRecorder;
  logger: Logger;
  clock: Clock;
  /** The informer's copy of a Node, to start a change from instead of a GET (see node-copies.ts). */
  knownNode?: KnownNode;
}

export interface ApplyOptions {
  cordon: boolean;
  taints: readonly NodeTaintRequest[];
  excludeFromLoadBalancers?: boolean;
  drainDeadline?: Date;
}

export function actionLogFields(request: ActionContext): Record<string, string> {
  return { eventId: request.eventId, kind: request.kind, instanceId: request.instanceId, nodeName: request.nodeName };
}

export class NodeActions {
  private readonly deps: NodeActionsDeps;
  /** Exposed for tests. */
  readonly copies: NodeCopies;

  constructor(deps: NodeActionsDeps) {
    this.deps = deps;
    this.copies = new NodeCopies(deps.knownNode, () => deps.clock.now());
  }

  /** Cordon and/or taint (and label); returns the Node after the change. */
  async apply(request: ActionContext, options: ApplyOptions, step: NodeStep): Promise<V1Node> {
    const log = this.deps.logger.child(actionLogFields(request));
    const intent: NodeIntent = {
      eventId: request.eventId,
      kind: request.kind,
      at: new Date(this.deps.clock.now()),
      cordon: options.cordon,
      taints: options.taints,
      excludeFromLoadBalancers: options.excludeFromLoadBalancers ?? false,
      ...(options.drainDeadline ? { drainDeadline: options.drainDeadline } : {}),
    };
    let effects: NodeEffects = { cordoned: false, addedTaints: [], labelled: false };
    const { node, change } = await this.change(request, step, (current) => {
      const planned = planIntent(current, intent);
      effects = planned.effects;
      return planned.change;
    });
    if (this.deps.settings.dryRun) {
      log.info({ dryRun: true, change }, change ? `dry run: would ${step} node` : `dry run: node needs no ${step}`);
      return node;
    }
    if (!change) log.debug(`node needs no ${step}: already done`);
    if (effects.cordoned) {
      log.info('cordoned node');
      await this.event(request, node, 'Normal', NODE_EVENT_REASONS.Cordoned, `Cordoned for ${request.reason} (event ${request.eventId})`);
    }
    if (effects.addedTaints.length > 0) {
      const taints = formatTaintIds(effects.addedTaints);
      log.info({ taints }, 'tainted node');
      const reason = step === 'out-of-service-taint' ? NODE_EVENT_REASONS.OutOfServiceTainted : NODE_EVENT_REASONS.Tainted;
      await this.event(request, node, 'Normal', reason, `Tainted ${taints} for ${request.reason} (event ${request.eventId})`);
    }
    if (effects.labelled) {
      log.info('labelled node to be excluded from external load balancers');
      await this.event(request, node, 'Normal', NODE_EVENT_REASONS.ExcludedFromLoadBalancers,
        `Excluded from external load balancers for ${request.reason} (event ${request.eventId})`);
    }
    return node;
  }

  /** Undo our cordon, taints and label only. */
  async undo(request: ActionContext): Promise<void> {
    const log = this.deps.logger.child(actionLogFields(request));
    let summary = '';
    const { node, change } = await this.change(request, 'uncordon', (current) => {
      const planned = planUndo(current);
      const parts = [
        planned.effects.uncordoned ? 'removed our cordon' : '',
        planned.effects.removedTaints.length > 0 ? `removed our taints ${formatTaintIds(planned.effects.removedTaints)}` : '',
        planned.effects.unlabelled ? 'removed the exclude-from-external-load-balancers label' : '',
      ].filter(Boolean);
      summary = parts.join('; ');
      return planned.change;
    });
    if (this.deps.settings.dryRun) {
      log.info({ dryRun: true, change }, change ? 'dry run: would uncordon node' : 'dry run: nothing of ours to undo');
      return;
    }
    if (!summary) {
      log.info('uncordon: nothing of ours on the node');
      return;
    }
    log.info(`uncordon: ${summary}`);
    await this.event(request, node, 'Normal', NODE_EVENT_REASONS.Uncordoned, `${summary} (event ${request.eventId}: ${request.reason})`);
  }

  /** A Node Event about this action (never throws). */
  async event(request: ActionContext, node: V1Node | undefined, type: EventType, reason: string, message: string): Promise<void> {
    if (this.deps.settings.dryRun) return;
    await this.deps.recorder.record(
      { kind: 'Node', name: request.nodeName, ...(node?.metadata?.uid ? { uid: node.metadata.uid } : {}) },
      type, reason, message, eventAnnotations(request));
  }

  private async change(request: ActionContext, step: NodeStep, compute: (node: V1Node) => NodeChange | undefined) {
    const dryRun = this.deps.settings.dryRun;
    try {
      const result = await changeNode(this.deps.core, request.nodeName, compute, { dryRun, start: this.copies.startFor(request.nodeName) });
      if (result.change && !dryRun) this.copies.remember(result.node);
      return result;
    } catch (error) {
      this.copies.forget(request.nodeName);
      throw new NodeUpdateError(step, { nodeName: request.nodeName, eventId: request.eventId, detail: apiMessage(error), cause: error });
    }
  }
}

export function eventAnnotations(request: ActionContext): Record<string, string> {
  return {
    [EVENT_ANNOTATIONS.eventId]: request.eventId,
    [EVENT_ANNOTATIONS.eventKind]: request.kind,
    [EVENT_ANNOTATIONS.instanceId]: request.instanceId,
  };
}
