import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { formatValue, renderOpenMetrics } from '../../../lib/observe/openmetrics.ts';

test('OpenMetrics: counter families without _total, samples with it; info, units, escaping, # EOF', async () => {
  const registry = new Registry();
  const registers = [registry];
  new Counter({ name: 'x_events_total', help: 'Events "seen"\nwith a \\ backslash', labelNames: ['kind'], registers }).inc({ kind: 'a"b' }, 2);
  new Gauge({ name: 'x_build_info', help: 'Build', labelNames: ['version'], registers }).set({ version: '1.0' }, 1);
  new Gauge({ name: 'x_in_flight', help: 'Now', registers }).set(3);
  new Histogram({ name: 'x_wait_seconds', help: 'Waits', buckets: [1, 5], registers }).observe(2);
  const text = await renderOpenMetrics(registry);
  assert.equal(text, [
    '# TYPE x_events counter',
    '# HELP x_events Events \\"seen\\"\\nwith a \\\\ backslash',
    'x_events_total{kind="a\\"b"} 2',
    '# TYPE x_build info',
    '# HELP x_build Build',
    'x_build_info{version="1.0"} 1',
    '# TYPE x_in_flight gauge',
    '# HELP x_in_flight Now',
    'x_in_flight 3',
    '# TYPE x_wait_seconds histogram',
    '# UNIT x_wait_seconds seconds',
    '# HELP x_wait_seconds Waits',
    'x_wait_seconds_bucket{le="1"} 0',
    'x_wait_seconds_bucket{le="5"} 1',
    'x_wait_seconds_bucket{le="+Inf"} 1',
    'x_wait_seconds_sum 2',
    'x_wait_seconds_count 1',
    '# EOF',
    '',
  ].join('\n'));
  // The registry's own Prometheus output is untouched by the rendering above.
  assert.match(await registry.metrics(), /^x_events_total\{kind="a\\"b"\} 2$/m);
});

test('special values', () => {
  assert.deepEqual([Number.NaN, Infinity, -Infinity, 0.5, 3].map(formatValue), ['NaN', '+Inf', '-Inf', '0.5', '3']);
});
