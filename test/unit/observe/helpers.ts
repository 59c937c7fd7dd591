// Reading prom-client metrics in unit tests.
import type { Counter, Gauge, Histogram } from 'prom-client';

/** The sum of the samples matching `labels` (a histogram's count; buckets and sums skipped). */
export async function metricValue(metric: Counter | Gauge | Histogram, labels: Record<string, string> = {}): Promise<number> {
  const data = await metric.get();
  let total = 0;
  for (const v of data.values) {
    const name = (v as { metricName?: string }).metricName;
    if (name !== undefined && (name.endsWith('_bucket') || name.endsWith('_sum'))) continue;
    if (Object.entries(labels).every(([k, want]) => String(v.labels[k as never]) === want)) total += v.value;
  }
  return total;
}
