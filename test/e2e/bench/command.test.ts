// Issue 8 acceptance, "the command runs from a clean clone": `npm run bench` at a tiny size, as CI
// runs it on a fresh checkout. It starts an environment of its own (as a user's run would), sends
// its storm through EventBridge, and must drain every node, print the table and the targets, and
// write JSON with the per-node timings, requests and process figures. The figures themselves are
// not judged here: benchmarks print numbers, tests do not time them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const ROOT = new URL('../../..', import.meta.url).pathname;
const OUT_DIR = mkdtempSync(join(tmpdir(), 'nth-bench-test-'));
after(() => rmSync(OUT_DIR, { recursive: true, force: true }));

interface Distribution { n: number; p50: number; p99: number }
interface BenchJson {
  kubernetes: string;
  machine: { cores: number };
  runs: {
    complete: boolean;
    targeted: number;
    timings: Record<string, Distribution>;
    requests: { kubernetes: { perNode: number; byOperation: Record<string, number> }; aws: { perNode: number } };
    process: { peakRssMiB: number; cpuSeconds: number };
  }[];
  targets: { name: string; met: boolean }[];
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bench/run.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('npm run bench drains a small storm and reports it', { timeout: 600_000 }, async () => {
  const out = join(OUT_DIR, 'result.json');
  const { code, stdout, stderr } = await run(['--nodes', '4', '--pods-per-node', '5', '--daemonsets', '1', '--within', '1', '--timeout', '180', '--out', out]);
  assert.equal(code, 0, `exit ${String(code)}\n${stderr.slice(-3000)}`);
  for (const line of ['message received', 'node cordoned', 'all evictions issued', 'node drained (pods gone)', 'message deleted', 'targets (ours):', 'EC2 calls per event']) {
    assert.ok(stdout.includes(line), `the report shows "${line}":\n${stdout}`);
  }
  const result = JSON.parse(readFileSync(out, 'utf8')) as BenchJson;
  const [ours] = result.runs;
  assert.ok(ours);
  assert.equal(ours.complete, true);
  assert.equal(ours.targeted, 4);
  for (const milestone of ['received', 'cordoned', 'evictionsIssued', 'drained', 'messageDeleted']) {
    assert.equal(ours.timings[milestone]?.n, 4, `every node reached ${milestone}`);
  }
  assert.equal(ours.requests.kubernetes.byOperation['create pods/eviction'], 4 * 4, 'one eviction per regular pod (DaemonSet pods stay)');
  assert.ok(ours.requests.kubernetes.perNode > 0 && ours.requests.aws.perNode > 0);
  assert.ok(ours.process.peakRssMiB > 0 && ours.process.cpuSeconds > 0);
  assert.deepEqual(result.targets.map((t) => t.name), ['p99 message → cordon', 'p99 message → all evictions issued', 'EC2 calls per event', 'handler peak RSS']);
  assert.match(result.kubernetes, /^v1\.\d+\.\d+$/);
});
