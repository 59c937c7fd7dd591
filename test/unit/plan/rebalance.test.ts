// The table for rebalance recommendations: the action is configurable (drain, cordon, taint, none).

import {
  EVENT_ID,
  FOUND,
  MISSING,
  NODE_NAME as NODE,
  REBALANCE_TAINT,
  at,
  checkRows,
  rebalance,
  type Row,
} from './fixtures.ts';

const taint = (effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' = 'NoSchedule') => ({
  key: REBALANCE_TAINT,
  value: EVENT_ID,
  effect,
});

checkRows([
  {
    name: 'rebalance drain (NTH default)',
    event: rebalance(),
    nodes: FOUND,
    expect: { action: 'drain', nodeName: NODE, deadline: at(120), priority: 3, disposition: 'delete' },
  },
  {
    name: 'rebalance drain, cordonOnly: cordon',
    event: rebalance(),
    settings: { cordonOnly: true },
    nodes: FOUND,
    expect: { action: 'cordon', nodeName: NODE, deadline: at(120), priority: 3, disposition: 'delete' },
  },
  {
    name: 'rebalance drain, taintNode: drain + taint',
    event: rebalance(),
    settings: { taintNode: true },
    nodes: FOUND,
    expect: { action: 'drain', nodeName: NODE, taint: taint(), deadline: at(120), priority: 3, disposition: 'delete' },
  },
  {
    name: 'rebalance cordon',
    event: rebalance(),
    settings: { rebalanceAction: 'cordon' },
    nodes: FOUND,
    expect: { action: 'cordon', nodeName: NODE, deadline: at(120), priority: 3, disposition: 'delete' },
  },
  {
    name: 'rebalance cordon, cordonOnly: still cordon',
    event: rebalance(),
    settings: { rebalanceAction: 'cordon', cordonOnly: true },
    nodes: FOUND,
    expect: { action: 'cordon', nodeName: NODE, deadline: at(120), priority: 3, disposition: 'delete' },
  },
  {
    name: 'rebalance cordon, taintNode: cordon + taint',
    event: rebalance(),
    settings: { rebalanceAction: 'cordon', taintNode: true },
    nodes: FOUND,
    expect: { action: 'cordon', nodeName: NODE, taint: taint(), deadline: at(120), priority: 3, disposition: 'delete' },
  },
  {
    name: 'rebalance taint: taints even with taintNode off',
    event: rebalance(),
    settings: { rebalanceAction: 'taint', taintNode: false },
    nodes: FOUND,
    expect: { action: 'taint', nodeName: NODE, taint: taint(), deadline: at(120), priority: 3, disposition: 'delete' },
  },
  {
    name: 'rebalance taint, cordonOnly: cordonOnly only replaces drain',
    event: rebalance(),
    settings: { rebalanceAction: 'taint', cordonOnly: true, taintEffect: 'PreferNoSchedule' },
    nodes: FOUND,
    expect: {
      action: 'taint',
      nodeName: NODE,
      taint: taint('PreferNoSchedule'),
      deadline: at(120),
      priority: 3,
      disposition: 'delete',
    },
  },
  {
    name: 'rebalance taint, NoExecute effect',
    event: rebalance(),
    settings: { rebalanceAction: 'taint', taintEffect: 'NoExecute' },
    nodes: FOUND,
    expect: { action: 'taint', nodeName: NODE, taint: taint('NoExecute'), deadline: at(120), priority: 3, disposition: 'delete' },
  },
  {
    name: 'rebalance none: nothing, delete',
    event: rebalance(),
    settings: { rebalanceAction: 'none' },
    nodes: FOUND,
    expect: { action: 'none', nodeName: NODE, deadline: at(0), priority: 3, disposition: 'delete' },
  },
  {
    name: 'rebalance none, taintNode + cordonOnly: still nothing, no taint',
    event: rebalance(),
    settings: { rebalanceAction: 'none', taintNode: true, cordonOnly: true },
    nodes: FOUND,
    expect: { action: 'none', nodeName: NODE, deadline: at(0), priority: 3, disposition: 'delete' },
  },
  {
    name: 'rebalance none, no node: delete even without deleteMessageIfNodeNotFound (nothing would ever be done)',
    event: rebalance(),
    settings: { rebalanceAction: 'none', deleteMessageIfNodeNotFound: false },
    nodes: MISSING,
    expect: { action: 'none', deadline: at(0), priority: 3, disposition: 'delete' },
  },
  ...(['drain', 'cordon', 'taint'] as const).flatMap((rebalanceAction): Row[] => [
    {
      name: `rebalance ${rebalanceAction}, no node: retry`,
      event: rebalance(),
      settings: { rebalanceAction },
      nodes: MISSING,
      expect: { action: 'none', deadline: at(0), priority: 3, disposition: 'retry' },
    },
    {
      name: `rebalance ${rebalanceAction}, no node, deleteMessageIfNodeNotFound: delete`,
      event: rebalance(),
      settings: { rebalanceAction, deleteMessageIfNodeNotFound: true },
      nodes: MISSING,
      expect: { action: 'none', deadline: at(0), priority: 3, disposition: 'delete' },
    },
  ]),
  {
    name: 'rebalance, grace 600 s',
    event: rebalance(),
    settings: { nodeTerminationGracePeriodSeconds: 600 },
    nodes: FOUND,
    expect: { action: 'drain', nodeName: NODE, deadline: at(600), priority: 3, disposition: 'delete' },
  },
] satisfies Row[]);
