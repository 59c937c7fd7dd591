// The command line as a user meets it: a bad setting stops startup with one line naming the
// option, the value and what is allowed; --help and config print what they promise.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';

const MAIN = new URL('../../cmd/main.ts', import.meta.url).pathname;

function run(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const out = spawnSync(process.execPath, [MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

describe('cli', () => {
  test('an invalid value exits non-zero with one line naming the option, the value and what is allowed', () => {
    const out = run(['run'], { TAINT_EFFECT: 'NoScheduleX', QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/q' });
    assert.equal(out.code, 2);
    const lines = out.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line, got: ${out.stderr}`);
    assert.match(lines[0] ?? '', /TAINT_EFFECT/);
    assert.match(lines[0] ?? '', /NoScheduleX/);
    assert.match(lines[0] ?? '', /NoSchedule, PreferNoSchedule, NoExecute/);
  });

  test('an unknown flag exits non-zero naming it', () => {
    const out = run(['--drain-everything']);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /--drain-everything/);
    assert.equal(out.stderr.trim().split('\n').length, 1);
  });

  test('an unknown command exits non-zero naming the commands', () => {
    const out = run(['explode']);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /unknown command "explode"/);
  });

  test('--help lists the commands and every option with its environment name', () => {
    const out = run(['--help']);
    assert.equal(out.code, 0);
    for (const word of ['run', 'config', 'QUEUE_URL', '--queue-url', 'NODE_TERMINATION_GRACE_PERIOD', 'NTH_REBALANCE_ACTION']) {
      assert.ok(out.stdout.includes(word), `--help mentions ${word}`);
    }
  });

  test('config prints each value with its source, secrets redacted', () => {
    const out = run(['config', '--workers', '7'], { TAINT_NODE: 'true', WEBHOOK_URL: 'https://hooks.example.com/secret-token' });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /--workers\s+WORKERS\s+7\s+flag:--workers/);
    assert.match(out.stdout, /TAINT_NODE\s+true\s+env:TAINT_NODE/);
    assert.match(out.stdout, /NODE_TERMINATION_GRACE_PERIOD\s+120\s+default/);
    assert.ok(!out.stdout.includes('secret-token'), 'the webhook URL is redacted');
  });
});
