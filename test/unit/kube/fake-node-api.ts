// An in-memory apiserver for Nodes, as far as changeNode needs one: GET, and merge PATCH refused
// with 409 when its resourceVersion is not the current one. Counts what it was asked.
import { ApiException, type V1Node, type V1Taint } from '@kubernetes/client-node';

interface PatchBody {
  metadata?: { resourceVersion?: string; labels?: Record<string, string | null>; annotations?: Record<string, string | null> };
  spec?: { unschedulable?: boolean | null; taints?: V1Taint[] | null };
}

const status = (code: number, message: string) => new ApiException(code, message, JSON.stringify({ kind: 'Status', code, message }), {});

export class FakeNodeApi {
  private readonly nodes = new Map<string, V1Node>();
  private version = 100;
  readonly calls: { verb: 'GET' | 'PATCH'; name: string; resourceVersion?: string; code: number }[] = [];

  constructor(...nodes: V1Node[]) {
    for (const node of nodes) this.put(node);
  }

  get gets(): number {
    return this.calls.filter((c) => c.verb === 'GET').length;
  }

  get patches(): number {
    return this.calls.filter((c) => c.verb === 'PATCH').length;
  }

  /** The Node as stored, with a new resourceVersion (as any write by someone else gives it). */
  put(node: V1Node): V1Node {
    const stored = structuredClone(node);
    stored.metadata = { ...stored.metadata, resourceVersion: String(++this.version) };
    this.nodes.set(stored.metadata.name ?? '', stored);
    return structuredClone(stored);
  }

  /** Someone else changes the node (e.g. the node lifecycle controller). */
  touch(name: string, change: (node: V1Node) => void = () => undefined): V1Node {
    const node = structuredClone(this.current(name));
    change(node);
    return this.put(node);
  }

  current(name: string): V1Node {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node ${name}`);
    return structuredClone(node);
  }

  readonly readNode = (param: { name: string }): Promise<V1Node> => {
    const node = this.nodes.get(param.name);
    this.calls.push({ verb: 'GET', name: param.name, code: node ? 200 : 404 });
    return node ? Promise.resolve(structuredClone(node)) : Promise.reject(status(404, `nodes "${param.name}" not found`));
  };

  readonly patchNode = (param: { name: string; body: object }): Promise<V1Node> => {
    const body = param.body as PatchBody;
    const node = this.nodes.get(param.name);
    const resourceVersion = body.metadata?.resourceVersion;
    const code = !node ? 404 : resourceVersion !== undefined && resourceVersion !== node.metadata?.resourceVersion ? 409 : 200;
    this.calls.push({ verb: 'PATCH', name: param.name, ...(resourceVersion ? { resourceVersion } : {}), code });
    if (!node) return Promise.reject(status(404, `nodes "${param.name}" not found`));
    if (code === 409) return Promise.reject(status(409, 'the object has been modified; please apply your changes to the latest version and try again'));
    const next = structuredClone(node);
    next.metadata = { ...next.metadata };
    next.spec = { ...next.spec };
    next.metadata.labels = merged(next.metadata.labels, body.metadata?.labels);
    next.metadata.annotations = merged(next.metadata.annotations, body.metadata?.annotations);
    if (body.spec?.unschedulable !== undefined) {
      if (body.spec.unschedulable) next.spec.unschedulable = true;
      else delete next.spec.unschedulable;
    }
    if (body.spec?.taints !== undefined) {
      if (body.spec.taints) next.spec.taints = body.spec.taints;
      else delete next.spec.taints;
    }
    return Promise.resolve(this.put(next));
  };
}

function merged(current: Record<string, string> | undefined, patch: Record<string, string | null> | undefined): Record<string, string> {
  const result = { ...current };
  for (const [key, value] of Object.entries(patch ?? {})) {
    if (value === null) delete result[key];
    else result[key] = value;
  }
  return result;
}
