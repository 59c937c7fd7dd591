// The Node as the decision table sees it: a few facts read from the informer's copy.
import type { V1Node } from '@kubernetes/client-node';
import { nodeOwnership } from '../drain/annotations.ts';
import { isNodeReady } from '../kube/node-index.ts';
import type { NodeView } from '../plan.ts';

export function toNodeView(node: V1Node): NodeView {
  // What is ours is the drain engine's call (its annotations), so an uncordon undoes no more.
  const { cordonedByUs, ourTaints } = nodeOwnership(node);
  return {
    name: node.metadata?.name ?? '',
    ready: isNodeReady(node),
    unschedulable: node.spec?.unschedulable === true,
    cordonedByUs,
    ourTaints,
  };
}
