// The OpenMetrics 1.0 text format, rendered from the registry's JSON. prom-client can write
// OpenMetrics only from a registry switched to it, and that switch renames counters in place
// (drops `_total`), which would then break the Prometheus format served from the same metrics;
// rendering here leaves the metrics untouched. Spec: https://prometheus.io/docs/specs/om/open_metrics_spec/
import type { Registry } from 'prom-client';

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

type Family = Awaited<ReturnType<Registry['getMetricsAsJSON']>>[number];
type Sample = Family['values'][number] & { metricName?: string };

export async function renderOpenMetrics(registry: Registry): Promise<string> {
  const families = await registry.getMetricsAsJSON();
  return `${families.map(renderFamily).join('')}# EOF\n`;
}

function renderFamily(family: Family): string {
  const kind = String(family.type);
  let type = kind;
  let name = family.name;
  // Counters are named without `_total` in the metadata; their samples carry it.
  if (kind === 'counter') name = name.replace(/_total$/, '');
  // A gauge named *_info that is a constant 1 with labels is what OpenMetrics calls an info metric.
  if (kind === 'gauge' && name.endsWith('_info') && family.values.every((v) => v.value === 1)) {
    type = 'info';
    name = name.replace(/_info$/, '');
  }
  const lines = [`# TYPE ${name} ${type}`];
  const unit = /_(seconds|bytes)$/.exec(name)?.[1];
  if (unit) lines.push(`# UNIT ${name} ${unit}`);
  lines.push(`# HELP ${name} ${escape(family.help)}`);
  for (const sample of family.values as Sample[]) {
    let sampleName = sample.metricName ?? family.name;
    if (type === 'counter') sampleName = `${name}_total`;
    if (type === 'info') sampleName = `${name}_info`;
    lines.push(`${sampleName}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
  }
  return `${lines.join('\n')}\n`;
}

function formatLabels(labels: Record<string, string | number | undefined>): string {
  const parts = Object.entries(labels)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${key}="${escape(typeof value === 'number' ? formatValue(value) : value)}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function escape(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
}
