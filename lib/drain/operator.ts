// The drain engine behind the NodeOperator contract: wires the Kubernetes pieces (rate-limited
// clients, discovery, Events) to the node actions and the drain procedure.
import type { CoreV1Api } from '@kubernetes/client-node';
import type { KubeClients } from '../kube/client.ts';
import { evictionSupportCache } from '../kube/discovery.ts';
import { createEventRecorder, type EventRecorder } from '../kube/event-recorder.ts';
import type { Logger } from '../observe/logger.ts';
import { systemClock, type Clock } from './clock.ts';
import { drainNode } from './drain.ts';
import { NodeActions } from './node-actions.ts';
import type { KnownNode } from './node-copies.ts';
import type { DrainSettings } from './settings.ts';
import type { NodeOperator } from './types.ts';

export type DrainCoreApi = Pick<CoreV1Api,
  'readNode' | 'patchNode' | 'listPodForAllNamespaces' | 'createNamespacedPodEviction' | 'deleteNamespacedPod'
  | 'getAPIResources' | 'createNamespacedEvent'>;

export interface NodeOperatorOptions {
  /** Rate-limited clients from lib/kube/client.ts (only the core API and watches are used). */
  kube: { core: DrainCoreApi; watch: KubeClients['watch'] };
  settings: DrainSettings;
  logger: Logger;
  clock?: Clock;
  /**
   * The Node informer's copy of a Node by name (the controller's NodeIndex), so a change can start
   * from it instead of a GET. Called only when a change starts, so it may be bound late.
   */
  knownNode?: KnownNode;
  /** Shared with the controller's own Events: one backlog, one bound, flushed on stop. Else one from the settings. */
  recorder?: EventRecorder;
}

export function createNodeOperator(options: NodeOperatorOptions): NodeOperator {
  const { kube, settings } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger.child({ component: 'drain' });
  const recorder = options.recorder ?? createEventRecorder(kube.core, {
    enabled: settings.emitKubernetesEvents && !settings.dryRun,
    extraAnnotations: settings.kubernetesEventsExtraAnnotations,
    instance: settings.podName,
    logger,
  });
  const actions = new NodeActions({ core: kube.core, settings, recorder, logger, clock, knownNode: options.knownNode });
  const evictionSupport = evictionSupportCache(kube.core);

  return {
    async cordon(request, cordonOptions) {
      await actions.apply(request, {
        cordon: true,
        taints: request.taint ? [request.taint] : [],
        excludeFromLoadBalancers: settings.excludeFromLoadBalancers,
        drainDeadline: cordonOptions?.drainDeadline,
      }, 'cordon');
    },
    async taint(request) {
      if (!request.taint) {
        logger.debug({ eventId: request.eventId, nodeName: request.nodeName }, 'taint asked without a taint; nothing to do');
        return;
      }
      await actions.apply(request, { cordon: false, taints: [request.taint] }, 'taint');
    },
    drain(request, signal) {
      return drainNode({
        core: kube.core,
        watch: kube.watch,
        evictionSupport,
        actions,
        recorder,
        settings,
        logger,
        clock,
        podTerminationGracePeriod: settings.podTerminationGracePeriod,
      }, request, signal);
    },
    async uncordon(request) {
      await actions.undo(request);
    },
  };
}
