// `npm run test:matrix`: the e2e suite once per Kubernetes minor, from 1.32 to the newest the Go
// module proxy serves. Prints a table (version × build × result) and writes test-results/matrix.json.
//   npm run test:matrix [-- --minors 1.34,1.35] [-- --from 1.32] [-- --tests 'test/e2e/drain/**/*.test.ts']
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface MatrixRow {
  minor: string;
  version: string;
  build: 'ok' | 'failed';
  buildError?: string;
  result: 'passed' | 'failed' | 'not run';
  pass: number;
  fail: number;
  seconds: number;
}

const { values } = parseArgs({
  options: {
    minors: { type: 'string' },
    from: { type: 'string', default: '1.32' },
    // A subset (comma-separated globs) for a quicker pass; the default is the whole e2e suite.
    tests: { type: 'string', default: 'test/e2e/**/*.test.ts' },
  },
});

function servedMinors(from: string): string[] {
  const out = execFileSync('go', ['list', '-m', '-versions', 'k8s.io/kubernetes'], { cwd: '/tmp', encoding: 'utf8' });
  const minors = new Set<number>();
  for (const v of out.split(/\s+/)) {
    const m = /^v1\.(\d+)\.\d+$/.exec(v);
    if (m?.[1]) minors.add(Number(m[1]));
  }
  const floor = Number(from.split('.')[1]);
  return [...minors].filter((m) => m >= floor).sort((a, b) => a - b).map((m) => `1.${m}`);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      process.stderr.write(chunk);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

const minors = values.minors ? values.minors.split(',') : servedMinors(values.from);
const rows: MatrixRow[] = [];
for (const minor of minors) {
  const started = Date.now();
  const row: MatrixRow = { minor, version: '', build: 'ok', result: 'not run', pass: 0, fail: 0, seconds: 0 };
  const build = await run('bash', ['test/env/build/k8s.sh', minor], process.env);
  row.version = /K8S_VERSION=(\S+)/.exec(build.output)?.[1] ?? '';
  if (build.code !== 0 || !row.version) {
    row.build = 'failed';
    row.buildError = build.output.trim().split('\n').slice(-5).join('\n');
  } else {
    const test = await run(process.execPath, ['--test', '--test-global-setup=test/env/global-setup.ts', '--test-timeout=900000', ...values.tests.split(',')],
      { ...process.env, K8S_VERSION: row.version });
    row.pass = Number(/ℹ pass (\d+)/.exec(test.output)?.[1] ?? 0);
    row.fail = Number(/ℹ fail (\d+)/.exec(test.output)?.[1] ?? 0);
    row.result = test.code === 0 && row.fail === 0 && row.pass > 0 ? 'passed' : 'failed';
  }
  row.seconds = Math.round((Date.now() - started) / 1000);
  rows.push(row);
}

const header = ['minor', 'version', 'build', 'result', 'pass', 'fail', 'seconds'];
const table = [header, ...rows.map((r) => [r.minor, r.version, r.build, r.result, String(r.pass), String(r.fail), String(r.seconds)])];
const widths = header.map((_, i) => Math.max(...table.map((line) => (line[i] ?? '').length)));
console.log(`\n${table.map((line) => line.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')).join('\n')}`);
for (const r of rows.filter((r) => r.buildError)) console.log(`\n${r.minor} build error:\n${r.buildError}`);
mkdirSync('test-results', { recursive: true });
writeFileSync('test-results/matrix.json', `${JSON.stringify({ date: new Date().toISOString(), tests: values.tests, rows }, null, 2)}\n`);
console.log('\nwritten test-results/matrix.json');
process.exitCode = rows.every((r) => r.result === 'passed') ? 0 : 1;
