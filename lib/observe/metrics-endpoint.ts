// GET /metrics: the Prometheus text format, or OpenMetrics when the scraper prefers it (Prometheus
// asks with `Accept: application/openmetrics-text;version=1.0.0,...;q=0.75,text/plain;...;q=0.5`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { OPENMETRICS_CONTENT_TYPE, renderOpenMetrics } from './openmetrics.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricsFormat = 'prometheus' | 'openmetrics';

/** Picks the format from an Accept header: OpenMetrics only when asked for at least as strongly. */
export function negotiateMetricsFormat(accept: string | undefined): MetricsFormat {
  if (!accept) return 'prometheus';
  let openMetrics = 0;
  let text = 0;
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q)) continue;
    if (type === 'application/openmetrics-text') openMetrics = Math.max(openMetrics, q);
    else if (type === 'text/plain' || type === 'text/*' || type === '*/*') text = Math.max(text, q);
  }
  return openMetrics > 0 && openMetrics >= text ? 'openmetrics' : 'prometheus';
}

export async function renderMetrics(registry: Registry, format: MetricsFormat): Promise<{ contentType: string; body: string }> {
  if (format === 'openmetrics') return { contentType: OPENMETRICS_CONTENT_TYPE, body: await renderOpenMetrics(registry) };
  return { contentType: PROMETHEUS_CONTENT_TYPE, body: await registry.metrics() };
}

export function metricsHandler(registry: Registry): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const { contentType, body } = await renderMetrics(registry, negotiateMetricsFormat(req.headers.accept));
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
