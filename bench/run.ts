// `npm run bench`: a storm of interruption events against N fake nodes on the local environment,
// measured per node from message sent to hook completed, with the handler's requests, peak RSS
// and CPU. `--compare CMD` runs the same scenario again with another handler command and prints
// our/their ratios. Not a test: it prints a table and writes JSON (bench-results/, git-ignored).
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadYaml, type V1Deployment } from '@kubernetes/client-node';
import { TestEnvironment } from '../test/env/environment.ts';
import { awsClients } from '../test/env/helpers/aws.ts';
import { kubeClients } from '../test/env/helpers/kube.ts';
import type { EventKindOption } from './inject.ts';
import { runningHandlers } from './handler.ts';
import { measureRun, type Context, type RunOptions } from './measure.ts';
import { checkTargets, formatRatios, formatRun, formatTargets, ratios, type RunResult } from './report.ts';
import { deleteScenario } from './scenario.ts';

const USAGE = `usage: npm run bench -- [options]

  --nodes N               fake nodes (default 100)
  --pods-per-node M       pods per node, DaemonSet pods included (default 20)
  --daemonsets D          DaemonSets on every node (default 2; their pods stay, as kubectl drain does)
  --events K              nodes that get an event (default: every node)
  --within S              seconds over which the K events are sent (default 5)
  --kind spot|asg         spot interruption warnings or ASG terminate lifecycle actions (default spot)
  --workers W             WORKERS for the handler (default: the handler's own)
  --kube-qps Q            KUBE_API_QPS (default: the handler's own)
  --kube-burst B          KUBE_API_BURST (default: the handler's own)
  --handler-env K=V       any other setting for the handler (repeatable)
  --replicasets-per-node G  ReplicaSets (each with a PDB) a node's pods belong to (default 3)
  --pdb-max-unavailable X maxUnavailable of each PDB (default 100%: the pinned replacements can run
                          nowhere, so a lower value holds the drain until its deadline)
  --compare CMD           run the same scenario with CMD (a shell command line, same environment
                          variables) on fresh nodes, and print our/their ratios
  --without-flow-schema   leave the handler's requests to the apiserver's default classification
                          (workload-low) instead of deploy/base/flowschema.yaml (workload-high)
  --node-flags="F ..."    extra Node.js flags for our controller (e.g. --node-flags=--max-semi-space-size=4)
  --cpu-prof              write a V8 CPU profile of our controller (bench-results/<run>/)
  --heap-snapshot         write a heap snapshot of our controller when half the nodes are drained
  --timeout S             give up S seconds after the last event was sent (default 300)
  --out FILE              JSON results (default bench-results/<date>.json)
`;

function options() {
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string', default: '100' },
      'pods-per-node': { type: 'string', default: '20' },
      daemonsets: { type: 'string', default: '2' },
      events: { type: 'string' },
      within: { type: 'string', default: '5' },
      kind: { type: 'string', default: 'spot' },
      workers: { type: 'string' },
      'kube-qps': { type: 'string' },
      'kube-burst': { type: 'string' },
      'handler-env': { type: 'string', multiple: true, default: [] },
      'pdb-max-unavailable': { type: 'string', default: '100%' },
      'replicasets-per-node': { type: 'string', default: '3' },
      compare: { type: 'string' },
      'node-flags': { type: 'string', default: '' },
      'without-flow-schema': { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      'heap-snapshot': { type: 'boolean', default: false },
      timeout: { type: 'string', default: '300' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const int = (name: string, value: string | undefined, min: number): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${String(value)}`);
    return n;
  };
  const nodes = int('nodes', values.nodes, 1);
  if (values.kind !== 'spot' && values.kind !== 'asg') throw new Error(`--kind must be spot or asg, got ${values.kind}`);
  const kind: EventKindOption = values.kind;
  const handlerEnv: Record<string, string> = {};
  if (values.workers) handlerEnv.WORKERS = String(int('workers', values.workers, 1));
  if (values['kube-qps']) handlerEnv.KUBE_API_QPS = values['kube-qps'];
  if (values['kube-burst']) handlerEnv.KUBE_API_BURST = String(int('kube-burst', values['kube-burst'], 1));
  for (const pair of values['handler-env']) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--handler-env wants KEY=VALUE, got ${pair}`);
    handlerEnv[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const events = values.events === undefined ? nodes : int('events', values.events, 1);
  if (events > nodes) throw new Error(`--events (${events}) cannot exceed --nodes (${nodes})`);
  const within = Number(values.within);
  if (!(within >= 0)) throw new Error(`--within must be a number of seconds ≥ 0, got ${values.within}`);
  return {
    nodes, events, kind, handlerEnv, within,
    podsPerNode: int('pods-per-node', values['pods-per-node'], 0),
    daemonSets: int('daemonsets', values.daemonsets, 0),
    pdbMaxUnavailable: values['pdb-max-unavailable'],
    replicaSetsPerNode: int('replicasets-per-node', values['replicasets-per-node'], 1),
    compare: values.compare,
    nodeFlags: values['node-flags'].split(/\s+/).filter(Boolean),
    flowSchema: !values['without-flow-schema'],
    cpuProf: values['cpu-prof'],
    heapSnapshot: values['heap-snapshot'],
    timeout: int('timeout', values.timeout, 10),
    out: values.out,
  };
}

async function main(): Promise<number> {
  const o = options();
  const repoRoot = resolve(dirname(new URL(import.meta.url).pathname), '..');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = resolve(o.out ?? join(repoRoot, 'bench-results', `${stamp}.json`));
  const workDir = join(dirname(out), stamp);
  mkdirSync(workDir, { recursive: true });
  const log = (line: string): void => void process.stderr.write(`${line}\n`);

  log(`starting the local environment (load ${loadavg().map((v) => v.toFixed(2)).join(' ')})`);
  const env = await TestEnvironment.start();
  const stop = async (): Promise<void> => env.stop();
  const interrupted = (): void => {
    for (const handler of runningHandlers) handler.signal('SIGKILL');
    void stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const runs: RunResult[] = [];
  try {
    const ctx: Context = { env, kube: kubeClients(env.coordinates), aws: awsClients(env.coordinates), repoRoot };
    log(`Kubernetes ${env.coordinates.k8sVersion} on ${cpus().length} cores`);
    const nodeFlags = [
      ...o.nodeFlags,
      ...(o.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${workDir}`] : []),
      ...(o.heapSnapshot ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${workDir}`] : []),
    ];
    // As deployed: the Deployment's NODE_OPTIONS (V8 heap settings) first, then the run's own flags.
    const deployed = deployedNodeOptions(repoRoot);
    const ours = [process.execPath, ...deployed, ...nodeFlags, join(repoRoot, 'cmd/main.ts'), 'run'];
    const base: Omit<RunOptions, 'label' | 'runId' | 'command' | 'commandText'> = {
      nodes: o.nodes, podsPerNode: o.podsPerNode, daemonSets: o.daemonSets, pdbMaxUnavailable: o.pdbMaxUnavailable, replicaSetsPerNode: o.replicaSetsPerNode,
      events: o.events, withinSeconds: o.within, kind: o.kind, handlerEnv: o.handlerEnv, timeoutSeconds: o.timeout,
      workDir, heapSnapshot: o.heapSnapshot, flowSchema: o.flowSchema, log,
    };
    const suffix = Math.random().toString(36).slice(2, 6);
    const first = await measureRun(ctx, { ...base, label: 'ours', runId: `a${suffix}`, command: ours, commandText: ['node', ...deployed, ...o.nodeFlags, 'cmd/main.ts run'].join(' ') });
    runs.push(first.result);
    log(`\n${formatRun(first.result)}`);
    if (o.compare) {
      log('[compare] removing the first run\'s nodes and pods');
      await deleteScenario(ctx.kube, first.scenario, `a${suffix}`, log);
      const second = await measureRun(ctx, { ...base, heapSnapshot: false, label: 'compared', runId: `b${suffix}`, command: o.compare, commandText: o.compare });
      runs.push(second.result);
    }
    const header = `${o.nodes} nodes × ${o.podsPerNode} pods (${o.daemonSets} DaemonSet, ${o.replicaSetsPerNode} ReplicaSets+PDBs), ${o.events} ${o.kind} events within ${o.within} s; `
      + `handler settings ${JSON.stringify(o.handlerEnv)}${o.flowSchema ? '' : ' (default priority level)'}${o.nodeFlags.length > 0 ? `; node ${o.nodeFlags.join(' ')}` : ''}; Kubernetes ${env.coordinates.k8sVersion}; ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`;
    const report = [header, '', ...runs.map((r) => formatRun(r)), '', 'targets (ours):', formatTargets(checkTargets(runs[0] as RunResult))];
    const ratioValues = runs.length === 2 ? ratios(runs[0] as RunResult, runs[1] as RunResult) : undefined;
    if (ratioValues) report.push('', 'ours / compared (below 1: ours is faster or smaller):', formatRatios(ratioValues));
    process.stdout.write(`${report.join('\n')}\n`);
    writeFileSync(out, `${JSON.stringify({
      date: new Date().toISOString(),
      options: o,
      machine: { cores: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), kernel: release(), node: process.version },
      kubernetes: env.coordinates.k8sVersion,
      runs, targets: checkTargets(runs[0] as RunResult), ratios: ratioValues,
    }, null, 2)}\n`);
    log(`\nresults: ${out}; handler logs and profiles: ${workDir}`);
    return runs.every((r) => r.complete) ? 0 : 1;
  } finally {
    // The servers' logs go with the results: a slow run is often explained there.
    for (const file of readdirSync(env.coordinates.dir)) {
      if (file.endsWith('.log')) copyFileSync(join(env.coordinates.dir, file), join(workDir, `env-${file}`));
    }
    await stop();
  }
}

/** NODE_OPTIONS of the controller container in deploy/base/deployment.yaml, as flags. */
function deployedNodeOptions(repoRoot: string): string[] {
  const deployment = loadYaml<V1Deployment>(readFileSync(join(repoRoot, 'deploy/base/deployment.yaml'), 'utf8'));
  const env = deployment.spec?.template.spec?.containers.find((c) => c.name === 'controller')?.env ?? [];
  return (env.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '').split(/\s+/).filter(Boolean);
}

process.exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
});
