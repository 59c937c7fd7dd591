// Where a change to a Node starts, so that changeNode (lib/kube/node-patch.ts) can skip its GET:
// the Node as our own latest PATCH returned it, else the informer's copy, else nothing (then it
// reads). A spot warning changes a node twice (the cordon, then the drain's first step) moments
// apart; the informer has often not seen the first PATCH when the second change starts, and its
// older copy would cost a 409 and a GET. A copy that turns out stale costs just that, never a
// lost change: its resourceVersion guards the PATCH. Our own copies are kept only alongside an
// informer: its newer copy is what retires them, so a change someone else made is seen within the
// watch's lag, as it is by the handler, rather than missed for as long as ours lives.
import type { V1Node } from '@kubernetes/client-node';

/** The informer's copy of a Node by name (lib/kube/node-index.ts NodeIndex.byName). */
export type KnownNode = (name: string) => V1Node | undefined;

/** Long enough to cover one node's cordon and drain, short enough that nothing piles up. */
const MAX_AGE_MS = 120_000;

export class NodeCopies {
  /** Insertion order is age order: remember() re-inserts. */
  private readonly patched = new Map<string, { node: V1Node; at: number }>();
  private readonly informer: KnownNode | undefined;
  private readonly now: () => number;

  constructor(informer: KnownNode | undefined, now: () => number) {
    this.informer = informer;
    this.now = now;
  }

  /** The copy to start a change of `name` from; undefined: read it. */
  startFor(name: string): V1Node | undefined {
    const informed = this.informer?.(name);
    const own = this.patched.get(name);
    if (own && this.now() - own.at <= MAX_AGE_MS && !(informed && notOlder(informed, own.node))) return own.node;
    if (own) this.patched.delete(name);
    return informed;
  }

  /** The Node as our PATCH returned it. */
  remember(node: V1Node): void {
    const name = node.metadata?.name;
    if (!this.informer || !name || !node.metadata?.resourceVersion) return;
    this.patched.delete(name);
    this.patched.set(name, { node, at: this.now() });
    const now = this.now();
    for (const [key, entry] of this.patched) {
      if (now - entry.at <= MAX_AGE_MS) break;
      this.patched.delete(key);
    }
  }

  /** After a failed change: what we hold may be what failed. */
  forget(name: string): void {
    this.patched.delete(name);
  }

  get size(): number {
    return this.patched.size;
  }
}

/**
 * Whether the informer's copy is at least as new as ours. resourceVersions are opaque by contract,
 * but every etcd-backed apiserver gives integers that grow with each write (the etcd revision);
 * when they are not integers, only equality says anything, and ours is kept until it ages out.
 */
function notOlder(informed: V1Node, own: V1Node): boolean {
  const a = informed.metadata?.resourceVersion ?? '';
  const b = own.metadata?.resourceVersion ?? '';
  if (a === b) return true;
  return /^\d+$/.test(a) && /^\d+$/.test(b) ? BigInt(a) > BigInt(b) : false;
}
