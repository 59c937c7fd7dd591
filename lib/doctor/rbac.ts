// Every Kubernetes permission the controller uses, with why; doctor asks the API server about each
// (SelfSubjectAccessReview, or SubjectAccessReview for a named ServiceAccount). A unit test checks
// that deploy/base/rbac.yaml grants exactly these.

export interface RequiredAccess {
  /** API group; empty for the core group. */
  readonly group?: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly verb: string;
  /** Empty: cluster-wide (ClusterRole); `own`: the controller's namespace (Role). */
  readonly namespace: '' | 'own';
  readonly why: string;
}

export const REQUIRED_ACCESS: readonly RequiredAccess[] = [
  { resource: 'nodes', verb: 'list', namespace: '', why: 'the Node index lists every Node once' },
  { resource: 'nodes', verb: 'watch', namespace: '', why: 'the Node index follows changes' },
  { resource: 'nodes', verb: 'get', namespace: '', why: 'read a Node again when a patch meets a conflict' },
  { resource: 'nodes', verb: 'patch', namespace: '', why: 'cordon, taint, label and annotate' },
  { resource: 'pods', verb: 'list', namespace: '', why: "a drain lists the node's pods" },
  { resource: 'pods', verb: 'watch', namespace: '', why: 'a drain watches its pods leave' },
  { resource: 'pods', verb: 'delete', namespace: '', why: 'finished pods, and pods left at the deadline with NTH_FORCE_DELETE_AT_DEADLINE' },
  { resource: 'pods', subresource: 'eviction', verb: 'create', namespace: '', why: 'evictions, which honour PodDisruptionBudgets' },
  { resource: 'events', verb: 'create', namespace: '', why: 'Kubernetes Events on the Nodes and Pods acted on' },
  { group: 'coordination.k8s.io', resource: 'leases', verb: 'get', namespace: 'own', why: 'read a per-node claim and its holder\'s replica Lease (lib/controller/claims.ts)' },
  { group: 'coordination.k8s.io', resource: 'leases', verb: 'create', namespace: 'own', why: 'claim a node before acting on it, and write this replica\'s Lease' },
  { group: 'coordination.k8s.io', resource: 'leases', verb: 'update', namespace: 'own', why: 'renew this replica\'s Lease, or take over a claim a crashed replica left' },
  { group: 'coordination.k8s.io', resource: 'leases', verb: 'delete', namespace: 'own', why: 'release a claim when the work is done' },
];

export const accessName = (a: RequiredAccess): string =>
  `${a.verb} ${a.subresource === undefined ? a.resource : `${a.resource}/${a.subresource}`}`;

/** The ClusterRole rule that grants it, as a fix line shows it. */
export const accessRule = (a: RequiredAccess): string =>
  `{apiGroups: ["${a.group ?? ''}"], resources: ["${a.subresource === undefined ? a.resource : `${a.resource}/${a.subresource}`}"], verbs: ["${a.verb}"]}`;
