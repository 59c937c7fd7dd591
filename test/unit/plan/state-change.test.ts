// The table for EC2 instance state-change notifications: drain on the configured states, undo our
// own cordon on `running` when asked, nothing otherwise.

import {
  ANY,
  ASG_TAINT,
  FOUND,
  MISSING,
  NODE_NAME as NODE,
  REBALANCE_TAINT,
  SPOT_TAINT,
  at,
  checkRows,
  stateChange,
  type Row,
} from './fixtures.ts';

const DRAIN_STATES = ['stopping', 'stopped', 'shutting-down', 'terminated'] as const;
const OTHER_STATES = ['pending', 'running', 'rebooting'] as const;

checkRows([
  ...DRAIN_STATES.flatMap((state): Row[] => [
    {
      name: `state ${state}: drain by now + grace, never tainted`,
      event: stateChange(state),
      settings: { taintNode: true },
      nodes: FOUND,
      expect: { action: 'drain', nodeName: NODE, deadline: at(120), priority: 1, disposition: 'delete' },
    },
    {
      name: `state ${state}, cordonOnly: cordon`,
      event: stateChange(state),
      settings: { cordonOnly: true },
      nodes: FOUND,
      expect: { action: 'cordon', nodeName: NODE, deadline: at(120), priority: 1, disposition: 'delete' },
    },
    {
      name: `state ${state}, no node: retry`,
      event: stateChange(state),
      nodes: MISSING,
      expect: { action: 'none', deadline: at(0), priority: 1, disposition: 'retry' },
    },
    {
      name: `state ${state}, no node, deleteMessageIfNodeNotFound: delete`,
      event: stateChange(state),
      settings: { deleteMessageIfNodeNotFound: true },
      nodes: MISSING,
      expect: { action: 'none', deadline: at(0), priority: 1, disposition: 'delete' },
    },
  ]),
  {
    name: 'state stopped, drain states limited to stopping: nothing, delete',
    event: stateChange('stopped'),
    settings: { stateChangeDrainStates: ['stopping'] },
    nodes: FOUND,
    expect: { action: 'none', nodeName: NODE, deadline: at(0), priority: 1, disposition: 'delete' },
  },
  {
    name: 'state stopping, drain states limited to stopping: drain',
    event: stateChange('stopping'),
    settings: { stateChangeDrainStates: ['stopping'] },
    nodes: FOUND,
    expect: { action: 'drain', nodeName: NODE, deadline: at(120), priority: 1, disposition: 'delete' },
  },
  {
    name: 'state terminated, no drain states at all: nothing',
    event: stateChange('terminated'),
    settings: { stateChangeDrainStates: [] },
    nodes: FOUND,
    expect: { action: 'none', nodeName: NODE, deadline: at(0), priority: 1, disposition: 'delete' },
  },
  ...OTHER_STATES.flatMap((state): Row[] => [
    {
      name: `state ${state}, uncordonOnRunning off: nothing, delete`,
      event: stateChange(state),
      nodes: FOUND,
      expect: { action: 'none', nodeName: NODE, deadline: at(0), priority: 1, disposition: 'delete' },
    },
    {
      name: `state ${state}, no node: delete (no node would change anything)`,
      event: stateChange(state),
      settings: { deleteMessageIfNodeNotFound: false },
      nodes: MISSING,
      expect: { action: 'none', deadline: at(0), priority: 1, disposition: 'delete' },
    },
  ]),
  ...(['pending', 'rebooting'] as const).map(
    (state): Row => ({
      name: `state ${state}, uncordonOnRunning on: only running uncordons`,
      event: stateChange(state),
      settings: { uncordonOnRunning: true },
      nodes: ['readyCordonedByUs', 'notReadyCordonedByUs'],
      expect: { action: 'none', nodeName: NODE, deadline: at(0), priority: 1, disposition: 'delete' },
    }),
  ),
  {
    name: 'running, uncordonOnRunning, cordoned by us: uncordon and remove our taints',
    event: stateChange('running'),
    settings: { uncordonOnRunning: true },
    nodes: ['readyCordonedByUs'],
    expect: { action: 'uncordon', nodeName: NODE, untaint: [SPOT_TAINT], deadline: at(120), priority: 1, disposition: 'delete' },
  },
  {
    name: 'running, uncordonOnRunning, cordoned by us, not Ready: uncordon anyway',
    event: stateChange('running'),
    settings: { uncordonOnRunning: true, cordonOnly: true, taintNode: true },
    nodes: ['notReadyCordonedByUs'],
    expect: {
      action: 'uncordon',
      nodeName: NODE,
      untaint: [REBALANCE_TAINT, ASG_TAINT],
      deadline: at(120),
      priority: 1,
      disposition: 'delete',
    },
  },
  {
    name: 'running, uncordonOnRunning, not cordoned by us (or by someone else): leave it',
    event: stateChange('running'),
    settings: { uncordonOnRunning: true },
    nodes: ['ready', 'readyCordonedByOther', 'notReady'],
    expect: { action: 'none', nodeName: NODE, deadline: at(0), priority: 1, disposition: 'delete' },
  },
  {
    name: 'running, uncordonOnRunning, no node: retry',
    event: stateChange('running'),
    settings: { uncordonOnRunning: true },
    nodes: MISSING,
    expect: { action: 'none', deadline: at(0), priority: 1, disposition: 'retry' },
  },
  {
    name: 'running, uncordonOnRunning, no node, deleteMessageIfNodeNotFound: delete',
    event: stateChange('running'),
    settings: { uncordonOnRunning: true, deleteMessageIfNodeNotFound: true },
    nodes: MISSING,
    expect: { action: 'none', deadline: at(0), priority: 1, disposition: 'delete' },
  },
  {
    name: 'running listed as a drain state wins over uncordonOnRunning',
    event: stateChange('running'),
    settings: { uncordonOnRunning: true, stateChangeDrainStates: ['running'] },
    nodes: FOUND,
    expect: { action: 'drain', nodeName: NODE, deadline: at(120), priority: 1, disposition: 'delete' },
  },
  {
    name: 'state names are matched exactly (case matters)',
    event: stateChange('Stopping'),
    nodes: ANY.filter((state) => state !== 'missing'),
    expect: { action: 'none', nodeName: NODE, deadline: at(0), priority: 1, disposition: 'delete' },
  },
] satisfies Row[]);
