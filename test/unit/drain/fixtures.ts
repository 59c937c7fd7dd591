// Small builders for pods and nodes as the API returns them, and a clock that never sleeps.
import type { V1Node, V1Pod, V1PodSpec, V1Taint } from '@kubernetes/client-node';
import type { Clock } from '../../../lib/drain/clock.ts';

export interface PodShape {
  name?: string;
  namespace?: string;
  owner?: string;
  annotations?: Record<string, string>;
  phase?: string;
  spec?: Partial<V1PodSpec>;
}

export function pod(shape: PodShape = {}): V1Pod {
  const name = shape.name ?? 'app';
  return {
    metadata: {
      name,
      namespace: shape.namespace ?? 'ns',
      uid: `uid-${name}`,
      annotations: shape.annotations ?? {},
      ownerReferences: shape.owner ? [{ apiVersion: 'apps/v1', kind: shape.owner, name: 'owner', uid: 'owner-uid', controller: true }] : [],
    },
    spec: { containers: [{ name: 'app' }], ...shape.spec },
    status: { phase: shape.phase ?? 'Running' },
  };
}

export function node(shape: { unschedulable?: boolean; taints?: V1Taint[]; annotations?: Record<string, string>; labels?: Record<string, string> } = {}): V1Node {
  return {
    metadata: { name: 'node-a', uid: 'node-uid', resourceVersion: '7', annotations: shape.annotations ?? {}, labels: shape.labels ?? {} },
    spec: { ...(shape.unschedulable ? { unschedulable: true } : {}), ...(shape.taints ? { taints: shape.taints } : {}) },
  };
}

/** Time moves only when someone sleeps; sleeping returns at once (or rejects if aborted). */
export function fakeClock(start = Date.UTC(2025, 0, 1)): Clock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: (ms, signal) => {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}
