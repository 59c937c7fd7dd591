// Figures of one run: per-node milestone times as percentiles, requests per node by target and
// operation, the handler's peak RSS and CPU; the table printed for a person, ratios for --compare.
import type { RequestRecord } from './proxy.ts';

export const MILESTONES = ['received', 'cordoned', 'evictionsIssued', 'evictionsAccepted', 'drained', 'hookCompleted', 'messageDeleted'] as const;
export type Milestone = (typeof MILESTONES)[number];

const LABELS: Record<Milestone, string> = {
  received: 'message received',
  cordoned: 'node cordoned',
  evictionsIssued: 'all evictions issued',
  evictionsAccepted: 'all evictions accepted (2xx)',
  drained: 'node drained (pods gone)',
  hookCompleted: 'lifecycle hook completed',
  messageDeleted: 'message deleted',
};

/** Epoch ms of each milestone for one targeted node; `sent` is the origin of every duration. */
export interface NodeTimeline {
  node: string;
  instanceId: string;
  sent: number;
  milestones: Partial<Record<Milestone, number>>;
  /** Pods the handler had to evict, and how many of them saw an eviction (or delete) request. */
  evictable: number;
  evictionsSeen: number;
}

export interface Distribution {
  /** Nodes that reached the milestone (of all targeted). */
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface RequestSummary {
  total: number;
  perNode: number;
  byOperation: Record<string, number>;
  /** HTTP status → count (429s are a PDB saying "not now", or throttling). */
  byStatus: Record<string, number>;
  /** TCP connections opened for them. */
  connections: number;
}

export interface RunResult {
  label: string;
  command: string;
  targeted: number;
  timings: Partial<Record<Milestone, Distribution>>;
  requests: { kubernetes: RequestSummary; aws: RequestSummary; awsByService: Record<string, number> };
  process: { peakRssMiB: number; cpuSeconds: number };
  handlerExit: number | null;
  /** Log lines by level (JSON logs only). */
  logLevels: Record<string, number>;
  wallSeconds: number;
  /** CPU the bench itself used meanwhile (proxies, watches): it shares the machine. */
  benchCpuSeconds: number;
  /** From the first event sent to the last, and PutEvents' own latency. */
  storm: { sendSpanSeconds: number; putEventsMs: { p50: number; max: number } };
  loadAverage: { start: number[]; end: number[] };
  complete: boolean;
  nodes: NodeTimeline[];
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

export function distributions(nodes: readonly NodeTimeline[]): Partial<Record<Milestone, Distribution>> {
  const out: Partial<Record<Milestone, Distribution>> = {};
  for (const milestone of MILESTONES) {
    const values = nodes.flatMap((n) => {
      const at = n.milestones[milestone];
      return at === undefined ? [] : [Math.max(0, (at - n.sent) / 1000)];
    }).sort((a, b) => a - b);
    if (values.length === 0) continue;
    out[milestone] = { n: values.length, p50: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99), max: values.at(-1) ?? 0 };
  }
  return out;
}

export function summarizeRequests(records: readonly RequestRecord[], targeted: number, connections: number): RequestSummary {
  const byOperation: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  for (const r of records) {
    const key = r.target === 'kubernetes' ? r.operation : `${r.target} ${r.operation}`;
    byOperation[key] = (byOperation[key] ?? 0) + 1;
    const status = String(r.status ?? 'none');
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  }
  const sorted = Object.fromEntries(Object.entries(byOperation).sort((a, b) => b[1] - a[1]));
  return { total: records.length, perNode: records.length / Math.max(1, targeted), byOperation: sorted, byStatus, connections };
}

const seconds = (value: number | undefined): string => (value === undefined || Number.isNaN(value) ? '—' : `${value.toFixed(2)} s`);

export function formatRun(run: RunResult): string {
  const lines: string[] = [];
  lines.push(`${run.label}: ${run.command}`);
  lines.push(`  milestone (time from message sent)     nodes      p50      p95      p99      max`);
  for (const milestone of MILESTONES) {
    const d = run.timings[milestone];
    if (!d) continue;
    lines.push(`  ${LABELS[milestone].padEnd(38)} ${`${d.n}/${run.targeted}`.padStart(7)} ${seconds(d.p50).padStart(8)} ${seconds(d.p95).padStart(8)} ${seconds(d.p99).padStart(8)} ${seconds(d.max).padStart(8)}`);
  }
  const top = (summary: RequestSummary): string => Object.entries(summary.byOperation).slice(0, 6)
    .map(([op, count]) => `${op} ${(count / run.targeted).toFixed(2)}`).join(', ');
  lines.push(`  Kubernetes requests: ${run.requests.kubernetes.total} (${run.requests.kubernetes.perNode.toFixed(1)} per node: ${top(run.requests.kubernetes)}); status ${JSON.stringify(run.requests.kubernetes.byStatus)}; ${run.requests.kubernetes.connections} connections`);
  lines.push(`  AWS requests: ${run.requests.aws.total} (${run.requests.aws.perNode.toFixed(2)} per node: ${top(run.requests.aws)})`);
  lines.push(`  handler: peak RSS ${run.process.peakRssMiB.toFixed(0)} MiB, CPU ${run.process.cpuSeconds.toFixed(1)} s; exit ${String(run.handlerExit)}; log lines ${JSON.stringify(run.logLevels)}`);
  lines.push(`  events sent over ${run.storm.sendSpanSeconds.toFixed(1)} s (PutEvents p50 ${run.storm.putEventsMs.p50} ms, max ${run.storm.putEventsMs.max} ms)`);
  lines.push(`  load average ${run.loadAverage.start.join(' ')} at the start, ${run.loadAverage.end.join(' ')} at the end; ${run.wallSeconds.toFixed(0)} s; bench CPU ${run.benchCpuSeconds.toFixed(1)} s; ${run.complete ? 'every node drained' : 'INCOMPLETE: timed out'}`);
  return lines.join('\n');
}

export interface TargetCheck {
  name: string;
  value: string;
  limit: string;
  met: boolean;
}

/** The issue's targets (500 nodes × 20 pods, 500 spot warnings in 5 s, 2 cores). */
export function checkTargets(run: RunResult): TargetCheck[] {
  const ec2 = run.requests.awsByService.ec2 ?? 0;
  const cordon = run.timings.cordoned;
  const evictions = run.timings.evictionsIssued;
  const allReached = (d: Distribution | undefined): boolean => d !== undefined && d.n === run.targeted;
  return [
    { name: 'p99 message → cordon', value: seconds(cordon?.p99), limit: '≤ 2 s', met: allReached(cordon) && (cordon?.p99 ?? Infinity) <= 2 },
    { name: 'p99 message → all evictions issued', value: seconds(evictions?.p99), limit: '≤ 30 s', met: allReached(evictions) && (evictions?.p99 ?? Infinity) <= 30 },
    { name: 'EC2 calls per event', value: (ec2 / run.targeted).toFixed(3), limit: '≤ 0.1', met: ec2 / run.targeted <= 0.1 },
    { name: 'handler peak RSS', value: `${run.process.peakRssMiB.toFixed(0)} MiB`, limit: '≤ 150 MB', met: run.process.peakRssMiB * 1.048576 <= 150 },
  ];
}

export function formatTargets(checks: readonly TargetCheck[]): string {
  return checks.map((c) => `  ${c.met ? 'met ' : 'MISS'}  ${c.name.padEnd(36)} ${c.value.padStart(10)}  (target ${c.limit})`).join('\n');
}

/** ours / theirs for every figure both runs have; < 1 means ours is smaller (faster, leaner). */
export function ratios(ours: RunResult, theirs: RunResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const milestone of MILESTONES) {
    const a = ours.timings[milestone];
    const b = theirs.timings[milestone];
    if (!a || !b) continue;
    for (const key of ['p50', 'p95', 'p99', 'max'] as const) out[`${milestone} ${key}`] = a[key] / b[key];
  }
  out['Kubernetes requests per node'] = ours.requests.kubernetes.perNode / theirs.requests.kubernetes.perNode;
  out['AWS requests per node'] = ours.requests.aws.perNode / theirs.requests.aws.perNode;
  out['peak RSS'] = ours.process.peakRssMiB / theirs.process.peakRssMiB;
  out['CPU seconds'] = ours.process.cpuSeconds / theirs.process.cpuSeconds;
  return out;
}

export function formatRatios(values: Record<string, number>): string {
  return Object.entries(values).map(([name, value]) => `  ${name.padEnd(36)} ${Number.isFinite(value) ? value.toFixed(2) : '—'}`).join('\n');
}
