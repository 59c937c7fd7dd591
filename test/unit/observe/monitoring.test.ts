// deploy/monitoring is built on the metric names and labels of lib/observe/metrics.ts: a rename
// there must not leave a dashboard panel or an alert silently empty.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Metrics } from '../../../lib/observe/metrics.ts';

const dir = new URL('../../../deploy/monitoring/', import.meta.url);
const files = ['grafana-dashboard.json', 'prometheusrule.yaml'].map((f) => ({ name: f, text: readFileSync(new URL(f, dir), 'utf8') }));
/** Labels every scraped series has besides its own: the target's, and a histogram's `le`. */
const TARGET_LABELS = new Set(['job', 'pod', 'namespace', 'instance', 'service', 'le']);

test('every metric the dashboard and the alerts use exists, with the labels they select on', async () => {
  const metrics = new Metrics();
  const known = new Map<string, Set<string>>();
  for (const family of await metrics.registry.getMetricsAsJSON()) {
    const metric = metrics.registry.getSingleMetric(family.name) as unknown as { labelNames?: string[] };
    const labels = new Set(metric.labelNames ?? []);
    known.set(family.name, labels);
    if (String(family.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) known.set(`${family.name}${suffix}`, labels);
  }
  let used = 0;
  for (const { name, text } of files) {
    for (const match of text.matchAll(/(node_termination_handler_[a-z0-9_]+)(\{([^}]*)\})?/g)) {
      const [, metric = '', , selector] = match;
      const labels = known.get(metric);
      assert.ok(labels, `${name}: ${metric} is not a metric`);
      used++;
      for (const [, label = ''] of (selector ?? '').matchAll(/([a-z_]+)\s*(=~|!~|!=|=)/g)) {
        assert.ok(labels.has(label) || TARGET_LABELS.has(label), `${name}: ${metric} has no label ${label}`);
      }
    }
  }
  assert.ok(used > 20, `${used} uses`);
});

test('the dashboard is valid JSON with unique panel ids', () => {
  const dashboard = JSON.parse(files[0]?.text ?? '') as { uid: string; panels: { id: number }[] };
  assert.equal(dashboard.uid, 'node-termination-handler');
  const ids = dashboard.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length);
});

test('the alerts the issue asks for are there', () => {
  const rules = files[1]?.text ?? '';
  for (const alert of ['DrainsFailing', 'QueueLagHigh', 'DeadLetterQueueNotEmpty', 'LifecycleCompletionsFailing']) {
    assert.match(rules, new RegExp(`alert: NodeTerminationHandler${alert}\\n`));
  }
  assert.match(rules, /aws_sqs_approximate_number_of_messages_visible_average\{queue_name=~/);
});
