// Issue 9 acceptance, the README's main command: `npm start` with no AWS settings, in a real
// pseudo-terminal (tmux), read off the screen: every node of the scenario reaches its final state
// in the live view, the summary appears, and Ctrl-C tears the environment down (its folder and
// every process of it gone). The demo starts an environment of its own, as a user's would.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sleep } from '../../env/helpers/wait.ts';

const ROOT = new URL('../../..', import.meta.url).pathname;
// A tmux server of our own, on a socket in a folder of our own (removed afterwards).
const SOCKET_DIR = mkdtempSync(join(tmpdir(), 'nth-demo-tmux-'));
const SOCKET = join(SOCKET_DIR, 'tmux.sock');
const SESSION = 'demo';

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-S', SOCKET, ...args], { encoding: 'utf8' });
}

/** The whole pane, scrollback included, wrapped lines joined. */
const screen = (): string => tmux('capture-pane', '-p', '-J', '-S', '-500', '-t', SESSION);

const FINAL: Record<string, string> = {
  'spot interruption': 'drained',
  'ASG scale-in (hook)': 'hook completed',
  'scheduled maintenance': 'drained',
  'rebalance recommendation': 'drained',
};

describe('npm start (the demo) in a terminal', () => {
  after(() => {
    spawnSync('tmux', ['-S', SOCKET, 'kill-server']);
    rmSync(SOCKET_DIR, { recursive: true, force: true });
  });

  test('plays the scenario to its end, shows the summary, and tears down on Ctrl-C', { timeout: 120_000 }, async () => {
    // tmux gives a real terminal and a screen to read; the test does not install it.
    assert.equal(spawnSync('tmux', ['-V']).status, 0, 'tmux is required for this test (apt-get install -y tmux)');
    const started = Date.now();
    // A server of our own (-S), so its environment is this process's and nothing else is touched.
    // No AWS settings: QUEUE_URL and friends are absent, as for a new user.
    const env = Object.entries(process.env)
      .filter(([k, v]) => v !== undefined && !/^(QUEUE_URL|AWS_|NTH_)/.test(k))
      .map(([k, v]) => `${k}=${v ?? ''}`);
    execFileSync('env', ['-i', ...env, 'tmux', '-S', SOCKET, 'new-session', '-d', '-s', SESSION, '-x', '220', '-y', '50', '-c', ROOT, 'npm start']);
    tmux('set-option', '-t', SESSION, 'remain-on-exit', 'on');

    // The live view: each scenario node's row reaches its final state.
    const seenFinal = new Set<string>();
    let text = '';
    while (!text.includes('Summary:')) {
      assert.ok(Date.now() - started < 90_000, `the summary within 90 s; screen:\n${text}`);
      await sleep(500);
      text = screen();
      for (const [title, state] of Object.entries(FINAL)) {
        if (new RegExp(`^ip-\\S+\\s+i-[0-9a-f]+\\s+${escape(title)}\\s+${state}\\s`, 'm').test(text)) seenFinal.add(title);
      }
    }
    assert.deepEqual([...seenFinal].sort(), Object.keys(FINAL).sort(), `every node reached its final state in the live view:\n${text}`);

    // The summary: every node where it should be, the queue empty.
    assert.match(text, /Summary: every node reached its expected state/);
    for (const [title, state] of Object.entries(FINAL)) {
      assert.match(text, new RegExp(`^ {2}${escape(title)}\\s+ip-\\S+\\s+${state}\\s+\\[ok\\]`, 'm'), `summary line for ${title}`);
    }
    assert.match(text, /messages left on the queue: 0/);
    assert.match(text, /Press Ctrl-C to stop/);
    const dir = /log: (\/\S+)\/controller\.log/.exec(text)?.[1];
    assert.ok(dir && existsSync(dir), `the environment's folder is shown and exists while it runs: ${dir ?? '(none)'}`);

    // Ctrl-C: everything stops and the folder goes.
    tmux('send-keys', '-t', SESSION, 'C-c');
    const stopAt = Date.now();
    while (tmux('list-panes', '-t', SESSION, '-F', '#{pane_dead}').trim() !== '1') {
      assert.ok(Date.now() - stopAt < 30_000, `the demo exits within 30 s of Ctrl-C:\n${screen()}`);
      await sleep(250);
    }
    assert.match(screen(), /Done: the environment is gone/);
    assert.equal(existsSync(dir), false, `${dir} removed`);
    // The environment's reaper ends on SIGTERM once its `sleep 1` returns; allow it that second.
    const leftover = (): string[] => execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(dir));
    for (let i = 0; i < 12 && leftover().length > 0; i++) await sleep(250);
    assert.deepEqual(leftover(), [], 'no process of the environment is left');
    assert.ok(Date.now() - started < 90_000, `within the 90 s budget (took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
