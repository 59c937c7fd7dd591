// The table for ASG launch lifecycle actions: CONTINUE once the Node is Ready, wait (retry the
// message) until event time + launchTimeout, then ABANDON.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ANY, MISSING, NODE_NAME as NODE, asgLaunch, at, checkRows, hook, type Row } from './fixtures.ts';

const LAUNCHING = hook('autoscaling:EC2_INSTANCE_LAUNCHING');
const continued = { hook: LAUNCHING, result: 'CONTINUE', resultOnFailure: 'CONTINUE' } as const;
const abandoned = { hook: LAUNCHING, result: 'ABANDON', resultOnFailure: 'ABANDON' } as const;

// Launch ignores these; every row below is also run with all of them flipped.
const UNRELATED = {
  cordonOnly: true,
  taintNode: true,
  deleteMessageIfNodeNotFound: true,
  lifecycleResultOnFailure: 'CONTINUE',
  lifecycleResultOnNodeNotFound: 'CONTINUE',
} as const;

const rows: Row[] = [
  {
    name: 'launch, node Ready: complete CONTINUE, delete',
    event: asgLaunch(at(-60)),
    nodes: ['ready', 'readyCordonedByUs', 'readyCordonedByOther'],
    expect: { action: 'complete-launch', nodeName: NODE, deadline: at(0), priority: 1, lifecycle: continued, disposition: 'delete' },
  },
  {
    name: 'launch, node Ready after the timeout: still CONTINUE',
    event: asgLaunch(at(-3600)),
    nodes: ['ready', 'readyCordonedByUs', 'readyCordonedByOther'],
    expect: { action: 'complete-launch', nodeName: NODE, deadline: at(0), priority: 1, lifecycle: continued, disposition: 'delete' },
  },
  {
    name: 'launch, node not Ready within the timeout: wait, retry',
    event: asgLaunch(at(-60)),
    nodes: ['notReady', 'notReadyCordonedByUs'],
    expect: { action: 'wait-launch', nodeName: NODE, deadline: at(540), priority: 1, disposition: 'retry' },
  },
  {
    name: 'launch, no node yet within the timeout: wait, retry',
    event: asgLaunch(at(-60)),
    nodes: MISSING,
    expect: { action: 'wait-launch', deadline: at(540), priority: 1, disposition: 'retry' },
  },
  {
    name: 'launch, one second before the timeout: still waiting',
    event: asgLaunch(at(-599)),
    nodes: ['missing', 'notReady'],
    expect: { action: 'wait-launch', deadline: at(1), priority: 1, disposition: 'retry' },
  },
  {
    name: 'launch, not Ready at the timeout exactly: ABANDON, delete',
    event: asgLaunch(at(-600)),
    nodes: ['notReady', 'notReadyCordonedByUs'],
    expect: { action: 'complete-launch', nodeName: NODE, deadline: at(0), priority: 1, lifecycle: abandoned, disposition: 'delete' },
  },
  {
    name: 'launch, no node past the timeout: ABANDON, delete',
    event: asgLaunch(at(-900)),
    nodes: MISSING,
    expect: { action: 'complete-launch', deadline: at(0), priority: 1, lifecycle: abandoned, disposition: 'delete' },
  },
  {
    name: 'launch, launchTimeout 60 s, event 2 min old, not Ready: ABANDON',
    event: asgLaunch(at(-120)),
    settings: { launchTimeoutSeconds: 60 },
    nodes: ['missing', 'notReady'],
    expect: { action: 'complete-launch', deadline: at(0), priority: 1, lifecycle: abandoned, disposition: 'delete' },
  },
];

// `nodeName` is only present when a Node was found, so split the one row that mixes both.
const expanded = rows.flatMap((row): Row[] => {
  if (!row.nodes.includes('missing') || row.nodes.length === 1) return [row];
  const found = row.nodes.filter((state) => state !== 'missing');
  return [
    { ...row, nodes: MISSING },
    { ...row, nodes: found, expect: { ...row.expect, nodeName: NODE } },
  ];
});

checkRows(expanded);
checkRows(expanded.map((row) => ({ ...row, name: `${row.name} (unrelated settings flipped)`, settings: { ...UNRELATED, ...row.settings } })));

test('the launch rows cover every node state', () => {
  const covered = new Set(expanded.flatMap((row) => row.nodes));
  assert.deepEqual(ANY.filter((state) => !covered.has(state)), []);
});
