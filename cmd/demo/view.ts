// The demo's screen, as text: a header, one row per node (state, pods left, timings after its event
// was sent), the recent events, and at the end a summary. Pure: lines in, lines out; screen.ts
// decides how they reach the terminal. ASCII markers only, so any terminal shows them.
import type { DemoModel, NodeRow } from './tracker.ts';

export interface Header {
  k8sVersion: string;
  awsEndpoint: string;
  queueName: string;
  logFile: string;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
const after = (row: NodeRow, at: number | undefined): string =>
  at === undefined || row.sentAt === undefined ? '' : `+${seconds(Math.max(0, at - row.sentAt))}`;

function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
}

export function stateText(row: NodeRow): string {
  if (row.state === 'draining') return `draining, ${row.podsLeft} pod${row.podsLeft === 1 ? '' : 's'} left${row.terminating > 0 ? ` (${row.terminating} terminating)` : ''}`;
  if (row.planned !== undefined && row.sentAt === undefined) return 'ready (event not sent yet)';
  return row.state;
}

export function renderFrame(model: DemoModel, header: Header, now: number, feedLines = 8): string[] {
  const lines = [
    `node-termination-handler demo  |  Kubernetes ${header.k8sVersion}  |  moto ${header.awsEndpoint}  |  +${seconds(now - model.startedAt)}`,
    `queue ${header.queueName}: ${model.queueDepth ?? '?'} message(s)  |  pods evicted: ${model.evictions}  |  log: ${header.logFile}`,
    '',
  ];
  const rows = model.rows.map((row) => [
    row.nodeName,
    row.instanceId,
    row.planned?.title ?? '-',
    stateText(row),
    `${row.podsLeft}+${row.daemonPods}ds`,
    after(row, row.cordonedAt),
    after(row, row.drainedAt),
    row.hookAt === undefined ? (row.heartbeats > 0 ? `${row.heartbeats} beat(s)` : '') : after(row, row.hookAt),
  ]);
  lines.push(...table([['NODE', 'INSTANCE', 'EVENT', 'STATE', 'PODS', 'CORDONED', 'DRAINED', 'HOOK'], ...rows]));
  lines.push('', 'Recent events');
  // Sorted by when it happened: a step's own line is written after the controller already acted.
  const recent = [...model.feed].sort((x, y) => x.at - y.at).slice(-feedLines);
  if (recent.length === 0) lines.push('  (none yet)');
  for (const item of recent) lines.push(`  +${seconds(Math.max(0, item.at - model.startedAt)).padStart(6)}  ${item.text}`);
  return lines;
}

/** The closing summary: each played node, where it ended, whether that is what was expected. */
export function renderSummary(model: DemoModel, now: number, timedOut: boolean): string[] {
  const played = model.rows.filter((r) => r.planned !== undefined);
  const reached = played.filter((r) => r.state === r.planned?.expected);
  const lines = ['', timedOut
    ? `Summary: ${reached.length} of ${played.length} nodes reached their expected state before the time limit (${seconds(now - model.startedAt)})`
    : `Summary: every node reached its expected state in ${seconds(now - model.startedAt)}`];
  const rows = played.map((row) => {
    const timings = [
      row.cordonedAt !== undefined ? `cordoned ${after(row, row.cordonedAt)}` : '',
      row.drainedAt !== undefined ? `drained ${after(row, row.drainedAt)}` : '',
      row.hookAt !== undefined ? `hook completed ${after(row, row.hookAt)}${row.heartbeats > 0 ? ` after ${row.heartbeats} heartbeat(s)` : ''}` : '',
    ].filter(Boolean).join(', ');
    const ok = row.state === row.planned?.expected;
    return [`  ${row.planned?.title ?? ''}`, row.nodeName, row.state, ok ? '[ok]' : `[expected ${row.planned?.expected ?? ''}]`, timings];
  });
  lines.push(...table(rows));
  const watchers = model.rows.filter((r) => r.planned === undefined);
  if (watchers.length > 0) {
    lines.push(`  untouched: ${watchers.map((r) => `${r.nodeName} ${r.state}, ${r.podsLeft} pods`).join('; ')}`);
  }
  lines.push(`  pods evicted: ${model.evictions}; messages left on the queue: ${model.queueDepth ?? '?'}`);
  return lines;
}
