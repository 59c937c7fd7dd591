// The Node as the decision table sees it: a few facts read from the informer's copy.
import type { V1Node } from '@kubernetes/client-node';
import { CORDONED_BY_ANNOTATION } from '../drain/annotations.ts';
import { isNodeReady } from '../kube/node-index.ts';
import { OUR_TAINT_KEYS, type NodeView } from '../plan.ts';

export function toNodeView(node: V1Node): NodeView {
  return {
    name: node.metadata?.name ?? '',
    ready: isNodeReady(node),
    unschedulable: node.spec?.unschedulable === true,
    cordonedByUs: node.metadata?.annotations?.[CORDONED_BY_ANNOTATION] !== undefined,
    ourTaints: (node.spec?.taints ?? []).map((t) => t.key).filter((key) => OUR_TAINT_KEYS.includes(key)),
  };
}
