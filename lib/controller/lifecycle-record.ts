// Remembers on the Node which lifecycle action we completed, so that a message redelivered after a
// crash (completed, but not yet deleted) does not complete the same action a second time.
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type V1Node } from '@kubernetes/client-node';
import { ANNOTATION_PREFIX } from '../drain/annotations.ts';

export const LIFECYCLE_COMPLETED_ANNOTATION = `${ANNOTATION_PREFIX}lifecycle-completed`;

export function completedToken(node: V1Node | undefined): string | undefined {
  return node?.metadata?.annotations?.[LIFECYCLE_COMPLETED_ANNOTATION];
}

export async function recordLifecycleCompleted(core: Pick<CoreV1Api, 'patchNode'>, nodeName: string, token: string): Promise<void> {
  await core.patchNode(
    { name: nodeName, body: { metadata: { annotations: { [LIFECYCLE_COMPLETED_ANNOTATION]: token } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}
