import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  OPTIONS,
  REDACTED,
  describeConfig,
  formatConfigTable,
  formatOptionsHelp,
  loadConfigWithSources,
} from '../../../lib/config/index.ts';

const describeWith = (argv: string[], env: Record<string, string>) => describeConfig(loadConfigWithSources({ argv, env }));

function entry(entries: ReturnType<typeof describeConfig>, name: string) {
  const found = entries.find((e) => e.name === name);
  assert.ok(found, name);
  return found;
}

describe('describeConfig', () => {
  test('one entry per option, in schema order, with value and source', () => {
    const entries = describeWith(['--workers=3', '--no-dry-run'], { TAINT_EFFECT: 'NoExecute', KUBECONFIG: '/k' });
    assert.deepEqual(entries.map((e) => e.name), OPTIONS.map((o) => o.name));
    assert.deepEqual(entry(entries, 'workers'), { name: 'workers', flag: '--workers', env: 'WORKERS', value: '3', source: 'flag:--workers' });
    assert.equal(entry(entries, 'dryRun').source, 'flag:--no-dry-run');
    assert.equal(entry(entries, 'taintEffect').source, 'env:TAINT_EFFECT');
    assert.equal(entry(entries, 'logLevel').source, 'default');
    // The alias that supplied the value is named; the entry's env stays the canonical name.
    assert.equal(entry(entries, 'kubeconfig').source, 'env:KUBECONFIG');
    assert.equal(entry(entries, 'kubeconfig').env, 'NTH_KUBECONFIG');
    assert.equal(entry(entries, 'kubeconfig').value, '"/k"');
    assert.equal(entry(entries, 'stateChangeDrainStates').value, 'stopping,stopped,shutting-down,terminated');
    assert.equal(entry(entries, 'jsonLogging').value, 'unset');
  });

  test('secrets are redacted; header names stay visible', () => {
    const entries = describeWith([], {
      WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/tok3n',
      WEBHOOK_HEADERS: '{"Authorization":"Bearer s3cret","X-Team":"ops"}',
    });
    assert.equal(entry(entries, 'webhookUrl').value, REDACTED);
    assert.equal(entry(entries, 'webhookHeaders').value, '{"Authorization":"<redacted>","X-Team":"<redacted>"}');
    const text = formatConfigTable(entries);
    assert.ok(!text.includes('tok3n') && !text.includes('s3cret'), text);
  });

  test('unset secrets show as empty, so "not configured" is visible', () => {
    const entries = describeWith([], {});
    assert.equal(entry(entries, 'webhookUrl').value, '""');
    assert.equal(entry(entries, 'webhookHeaders').value, '{}');
  });

  test('proxy passwords are hidden', () => {
    const entries = describeWith([], { WEBHOOK_PROXY: 'http://me:pa55@proxy:3128' });
    assert.equal(entry(entries, 'webhookProxy').value, '"http://me:***@proxy:3128/"');
  });
});

describe('formatConfigTable', () => {
  test('aligned columns with a header, one line per option', () => {
    const text = formatConfigTable(describeWith(['--workers=3'], {}));
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, OPTIONS.length + 1);
    assert.match(lines[0] ?? '', /^FLAG\s+ENV\s+VALUE\s+SOURCE$/);
    const envColumn = (lines[0] ?? '').indexOf('ENV');
    const sourceColumn = (lines[0] ?? '').indexOf('SOURCE');
    for (const line of lines.slice(1)) {
      assert.equal(line[envColumn - 1], ' ', line);
      assert.notEqual(line[envColumn], ' ', line);
      assert.notEqual(line[sourceColumn], ' ', line);
    }
    assert.ok(lines.some((l) => /^--workers\s+WORKERS\s+3\s+flag:--workers$/.test(l)));
  });

  test('long values are shortened', () => {
    const text = formatConfigTable(describeWith([], { WEBHOOK_TEMPLATE: 'x'.repeat(500) }));
    const line = text.split('\n').find((l) => l.startsWith('--webhook-template '));
    assert.ok(line && line.includes('…') && line.length < 200, line);
  });
});

describe('formatOptionsHelp', () => {
  const help = formatOptionsHelp();

  test('lists every option with flag, env names, default and description', () => {
    for (const { flag, spec } of OPTIONS) {
      const isBool = spec.type.kind === 'boolean' || spec.type.kind === 'optional-boolean';
      assert.ok(help.includes(isBool ? `--[no-]${flag.slice(2)}` : `${flag} `), flag);
      assert.ok(help.includes(`env: ${spec.env.join(', ')}; default: ${spec.type.format(spec.default)};`), flag);
      assert.ok(help.includes(spec.description), flag);
    }
  });

  test('shows aliases and typed placeholders', () => {
    assert.ok(help.includes('env: NTH_KUBECONFIG, KUBECONFIG; default: ""'));
    assert.ok(help.includes('--taint-effect <NoSchedule|PreferNoSchedule|NoExecute>'));
    assert.ok(help.includes('--heartbeat-interval <seconds>'));
    assert.ok(help.includes('--[no-]dry-run\n'));
  });
});
