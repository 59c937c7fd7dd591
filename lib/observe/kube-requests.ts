// Kubernetes API requests as metrics, observed in the clients' HTTP library (every request of the
// process goes through it): api_requests_total by operation and status code, and evictions_total
// by the apiserver's answer — 429 is a PodDisruptionBudget saying "not now", so it shows how long
// budgets hold drains back without the drain engine having to report it.
import type { RequestObserver } from '../kube/client.ts';
import type { EvictionResult, Metrics } from './metrics.ts';

type ObservedRequest = Parameters<RequestObserver>[0];
/** A status code, or 'network' when no answer came (refused, reset, timed out, aborted). */
type RequestStatus = Parameters<RequestObserver>[1];

/**
 * `PATCH nodes`, `POST pods/eviction`, `WATCH nodes`, `GET version`: the verb and the resource
 * (with its subresource), never a name or namespace, so the label has a small fixed set of values.
 */
export function kubeOperation(request: ObservedRequest): string {
  let url: URL;
  try {
    url = new URL(request.url, 'http://kubernetes');
  } catch {
    return 'other';
  }
  const verb = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1' ? 'WATCH' : request.method.toUpperCase();
  const parts = url.pathname.split('/').filter((p) => p.length > 0);
  let rest: string[];
  if (parts[0] === 'api') rest = parts.slice(2);
  else if (parts[0] === 'apis') rest = parts.slice(3);
  else if (parts[0] === 'version' && parts.length === 1) return `${verb} version`;
  else return `${verb} other`;
  if (rest.length === 0) return `${verb} discovery`;
  // namespaces/<ns>/<resource>/...; but `namespaces` and `namespaces/<name>` are the resource itself.
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const [resource, , sub] = rest;
  return `${verb} ${resource ?? 'other'}${sub ? `/${sub}` : ''}`;
}

export function evictionResult(status: RequestStatus): EvictionResult {
  if (status === 'network') return 'failed';
  if (status >= 200 && status < 300) return 'evicted';
  if (status === 429) return 'blocked';
  if (status === 404) return 'gone';
  if (status === 409) return 'conflict';
  return 'failed';
}

export function kubeRequestMetrics(metrics: Metrics): RequestObserver {
  return (request, status) => {
    const operation = kubeOperation(request);
    metrics.apiRequest('kubernetes', operation, status);
    if (operation === 'POST pods/eviction') metrics.evictions.inc({ result: evictionResult(status) });
  };
}
