// Changing a Node by PATCH only, never by writing the whole object back.
//
// Why a merge patch carrying metadata.resourceVersion: `spec.taints` is a list without a merge key
// (strategic merge replaces it whole, as a JSON merge patch does), so adding or removing one taint
// means sending the complete new list, computed from the list we read. The resourceVersion in the
// patch makes the apiserver refuse it (409) if anyone changed the Node since that read, so we never
// drop a taint someone added meanwhile; on 409 we read again and recompute. A JSON patch with a
// `test` op would give the same guarantee, but removing by index needs the test anyway and its
// failure status is less specific than a 409 Conflict. The same read also tells us whether a cordon
// is already there (then it is not ours to record), which a blind patch could not. The first
// attempt may start from a copy we already hold instead of a GET (see ChangeNodeOptions.start).
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type V1Node, type V1Taint } from '@kubernetes/client-node';
import { statusOf } from './api-error.ts';

/** Only the fields to change; `null` removes a label or annotation. */
export interface NodeChange {
  unschedulable?: boolean;
  /** The complete new list. */
  taints?: V1Taint[];
  labels?: Record<string, string | null>;
  annotations?: Record<string, string | null>;
}

export type ComputeNodeChange = (node: V1Node) => NodeChange | undefined;

export class NodeNotFoundError extends Error {
  override readonly name = 'NodeNotFoundError';
  readonly nodeName: string;
  constructor(nodeName: string) {
    super(`node ${nodeName} not found`);
    this.nodeName = nodeName;
  }
}

export class NodeConflictError extends Error {
  override readonly name = 'NodeConflictError';
  readonly nodeName: string;
  constructor(nodeName: string, attempts: number) {
    super(`node ${nodeName} kept changing under us: ${attempts} patches refused with 409 Conflict`);
    this.nodeName = nodeName;
  }
}

const MAX_ATTEMPTS = 8;

export interface NodeChangeResult {
  /** The node after the change (or as read, when nothing needed changing). */
  node: V1Node;
  /** What was (or, in a dry run, would have been) sent; undefined when nothing needed changing. */
  change: NodeChange | undefined;
}

export interface ChangeNodeOptions {
  dryRun?: boolean;
  /**
   * A copy of the Node believed current (the answer to our last PATCH, or the informer's), to
   * start from instead of a GET: in a storm every request waits its turn at the rate limiter.
   * Its resourceVersion guards the PATCH as a read's would, so a stale copy costs one 409 and a
   * GET, never a lost change. Ignored without a resourceVersion (the patch would be unguarded).
   */
  start?: V1Node;
}

/**
 * Reads the node (or takes `options.start`), asks `compute` what to change, and sends it as a
 * merge patch guarded by the resourceVersion read; on 409 reads again and repeats. With `dryRun`
 * nothing is sent.
 */
export async function changeNode(
  core: Pick<CoreV1Api, 'readNode' | 'patchNode'>,
  nodeName: string,
  compute: ComputeNodeChange,
  options: ChangeNodeOptions = {},
): Promise<NodeChangeResult> {
  let start = usableStart(options.start, nodeName);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const node = start ?? await core.readNode({ name: nodeName }).catch((error: unknown) => {
      throw statusOf(error) === 404 ? new NodeNotFoundError(nodeName) : error;
    });
    // Only the first attempt: after a 409 the copy is known to be stale.
    start = undefined;
    const change = compute(node);
    if (!change || isEmpty(change) || options.dryRun) return { node, change: change && !isEmpty(change) ? change : undefined };
    try {
      const patched = await core.patchNode(
        { name: nodeName, body: mergePatchBody(node.metadata?.resourceVersion, change) },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      return { node: patched, change };
    } catch (error) {
      if (statusOf(error) === 404) throw new NodeNotFoundError(nodeName);
      if (statusOf(error) !== 409) throw error;
    }
  }
  throw new NodeConflictError(nodeName, MAX_ATTEMPTS);
}

function usableStart(node: V1Node | undefined, nodeName: string): V1Node | undefined {
  return node?.metadata?.resourceVersion && node.metadata.name === nodeName ? node : undefined;
}

function isEmpty(change: NodeChange): boolean {
  return change.unschedulable === undefined && change.taints === undefined
    && Object.keys(change.labels ?? {}).length === 0 && Object.keys(change.annotations ?? {}).length === 0;
}

/** The JSON merge patch (RFC 7386) for a change; exported for unit tests. */
export function mergePatchBody(resourceVersion: string | undefined, change: NodeChange): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  if (resourceVersion) metadata.resourceVersion = resourceVersion;
  if (change.labels && Object.keys(change.labels).length > 0) metadata.labels = change.labels;
  if (change.annotations && Object.keys(change.annotations).length > 0) metadata.annotations = change.annotations;
  const spec: Record<string, unknown> = {};
  // null rather than false: the field is omitted when false, as `kubectl uncordon` leaves it.
  if (change.unschedulable !== undefined) spec.unschedulable = change.unschedulable ? true : null;
  if (change.taints !== undefined) spec.taints = change.taints.length > 0 ? change.taints.map(plainTaint) : null;
  return Object.keys(spec).length > 0 ? { metadata, spec } : { metadata };
}

/** Taints as the API expects them in JSON (timeAdded as RFC 3339 without fractions). */
function plainTaint(taint: V1Taint): Record<string, string> {
  const plain: Record<string, string> = { key: taint.key, effect: taint.effect };
  if (taint.value !== undefined) plain.value = taint.value;
  const added: unknown = taint.timeAdded;
  if (added instanceof Date) plain.timeAdded = rfc3339(added);
  else if (typeof added === 'string') plain.timeAdded = added;
  return plain;
}

export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
