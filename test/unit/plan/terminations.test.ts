// The table for the kinds that end the instance soon: spot warning, capacity reservation
// interruption, ASG terminate. Node readiness and who cordoned it never change these plans.

import {
  ASG_TAINT,
  CAPACITY_TAINT,
  EVENT_ID,
  FOUND,
  MISSING,
  NODE_NAME as NODE,
  SPOT_TAINT,
  asgTerminate,
  at,
  capacity,
  checkRows,
  hook,
  spot,
  type Row,
} from './fixtures.ts';

const TERMINATING = hook('autoscaling:EC2_INSTANCE_TERMINATING');

const spotRows: Row[] = [
  {
    name: 'spot: drain by event time + 120 s',
    event: spot(at(-30)),
    nodes: FOUND,
    expect: { action: 'drain', nodeName: NODE, deadline: at(90), priority: 0, disposition: 'delete' },
  },
  {
    name: 'spot stop/hibernate: the same two-minute drain',
    event: spot(at(-30), 'hibernate'),
    nodes: FOUND,
    expect: { action: 'drain', nodeName: NODE, deadline: at(90), priority: 0, disposition: 'delete' },
  },
  {
    name: 'spot, cordonOnly: cordon instead of drain',
    event: spot(at(-30)),
    settings: { cordonOnly: true },
    nodes: FOUND,
    expect: { action: 'cordon', nodeName: NODE, deadline: at(90), priority: 0, disposition: 'delete' },
  },
  {
    name: 'spot, taintNode: drain and taint spot-itn',
    event: spot(at(-30)),
    settings: { taintNode: true },
    nodes: FOUND,
    expect: {
      action: 'drain',
      nodeName: NODE,
      taint: { key: SPOT_TAINT, value: EVENT_ID, effect: 'NoSchedule' },
      deadline: at(90),
      priority: 0,
      disposition: 'delete',
    },
  },
  {
    name: 'spot, taintNode NoExecute + cordonOnly: cordon and taint with the configured effect',
    event: spot(at(-30)),
    settings: { taintNode: true, taintEffect: 'NoExecute', cordonOnly: true },
    nodes: FOUND,
    expect: {
      action: 'cordon',
      nodeName: NODE,
      taint: { key: SPOT_TAINT, value: EVENT_ID, effect: 'NoExecute' },
      deadline: at(90),
      priority: 0,
      disposition: 'delete',
    },
  },
  {
    name: 'spot seen after its two minutes: still drain, deadline floored at now + 10 s',
    event: spot(at(-180)),
    nodes: FOUND,
    expect: { action: 'drain', nodeName: NODE, deadline: at(10), priority: 0, disposition: 'delete' },
  },
  {
    name: 'spot with 115 s left: the event deadline stands (above the floor)',
    event: spot(at(-5)),
    nodes: FOUND,
    expect: { action: 'drain', nodeName: NODE, deadline: at(115), priority: 0, disposition: 'delete' },
  },
  {
    name: 'spot with 5 s left: floored at now + 10 s',
    event: spot(at(-115)),
    nodes: FOUND,
    expect: { action: 'drain', nodeName: NODE, deadline: at(10), priority: 0, disposition: 'delete' },
  },
  {
    name: 'spot ignores the grace period',
    event: spot(at(-30)),
    settings: { nodeTerminationGracePeriodSeconds: 3600 },
    nodes: FOUND,
    expect: { action: 'drain', nodeName: NODE, deadline: at(90), priority: 0, disposition: 'delete' },
  },
  {
    name: 'spot, no node: keep the message for retry',
    event: spot(),
    nodes: MISSING,
    expect: { action: 'none', deadline: at(0), priority: 0, disposition: 'retry' },
  },
  {
    name: 'spot, no node, deleteMessageIfNodeNotFound: delete',
    event: spot(),
    settings: { deleteMessageIfNodeNotFound: true },
    nodes: MISSING,
    expect: { action: 'none', deadline: at(0), priority: 0, disposition: 'delete' },
  },
  {
    name: 'spot, no node, taintNode/cordonOnly change nothing',
    event: spot(),
    settings: { taintNode: true, cordonOnly: true },
    nodes: MISSING,
    expect: { action: 'none', deadline: at(0), priority: 0, disposition: 'retry' },
  },
];

const capacityRows: Row[] = [
  {
    name: 'capacity reservation: drain by now + grace period',
    event: capacity(),
    nodes: FOUND,
    expect: { action: 'drain', nodeName: NODE, deadline: at(120), priority: 0, disposition: 'delete' },
  },
  {
    name: 'capacity reservation, grace 300 s',
    event: capacity(),
    settings: { nodeTerminationGracePeriodSeconds: 300 },
    nodes: FOUND,
    expect: { action: 'drain', nodeName: NODE, deadline: at(300), priority: 0, disposition: 'delete' },
  },
  {
    name: 'capacity reservation, grace 0: floored at now + 10 s',
    event: capacity(),
    settings: { nodeTerminationGracePeriodSeconds: 0 },
    nodes: FOUND,
    expect: { action: 'drain', nodeName: NODE, deadline: at(10), priority: 0, disposition: 'delete' },
  },
  {
    name: 'capacity reservation, cordonOnly',
    event: capacity(),
    settings: { cordonOnly: true },
    nodes: FOUND,
    expect: { action: 'cordon', nodeName: NODE, deadline: at(120), priority: 0, disposition: 'delete' },
  },
  {
    name: 'capacity reservation, taintNode PreferNoSchedule',
    event: capacity(),
    settings: { taintNode: true, taintEffect: 'PreferNoSchedule' },
    nodes: FOUND,
    expect: {
      action: 'drain',
      nodeName: NODE,
      taint: { key: CAPACITY_TAINT, value: EVENT_ID, effect: 'PreferNoSchedule' },
      deadline: at(120),
      priority: 0,
      disposition: 'delete',
    },
  },
  {
    name: 'capacity reservation, no node',
    event: capacity(),
    nodes: MISSING,
    expect: { action: 'none', deadline: at(0), priority: 0, disposition: 'retry' },
  },
  {
    name: 'capacity reservation, no node, deleteMessageIfNodeNotFound',
    event: capacity(),
    settings: { deleteMessageIfNodeNotFound: true },
    nodes: MISSING,
    expect: { action: 'none', deadline: at(0), priority: 0, disposition: 'delete' },
  },
];

const asgRows: Row[] = [
  {
    name: 'ASG terminate: drain, then CONTINUE (the configured result on failure)',
    event: asgTerminate(),
    nodes: FOUND,
    expect: {
      action: 'drain',
      nodeName: NODE,
      deadline: at(120),
      priority: 0,
      lifecycle: { hook: TERMINATING, result: 'CONTINUE', resultOnFailure: 'ABANDON' },
      disposition: 'delete',
    },
  },
  {
    name: 'ASG terminate, lifecycleResultOnFailure CONTINUE',
    event: asgTerminate(),
    settings: { lifecycleResultOnFailure: 'CONTINUE' },
    nodes: FOUND,
    expect: {
      action: 'drain',
      nodeName: NODE,
      deadline: at(120),
      priority: 0,
      lifecycle: { hook: TERMINATING, result: 'CONTINUE', resultOnFailure: 'CONTINUE' },
      disposition: 'delete',
    },
  },
  {
    name: 'ASG terminate, cordonOnly + taintNode: cordon, taint, then complete',
    event: asgTerminate(),
    settings: { cordonOnly: true, taintNode: true },
    nodes: FOUND,
    expect: {
      action: 'cordon',
      nodeName: NODE,
      taint: { key: ASG_TAINT, value: EVENT_ID, effect: 'NoSchedule' },
      deadline: at(120),
      priority: 0,
      lifecycle: { hook: TERMINATING, result: 'CONTINUE', resultOnFailure: 'ABANDON' },
      disposition: 'delete',
    },
  },
  {
    name: 'ASG terminate, no node: complete with lifecycleResultOnNodeNotFound CONTINUE and delete',
    event: asgTerminate(),
    nodes: MISSING,
    expect: {
      action: 'none',
      deadline: at(0),
      priority: 0,
      lifecycle: { hook: TERMINATING, result: 'CONTINUE', resultOnFailure: 'CONTINUE' },
      disposition: 'delete',
    },
  },
  {
    name: 'ASG terminate, no node, ABANDON configured; delete even without deleteMessageIfNodeNotFound',
    event: asgTerminate(),
    settings: { lifecycleResultOnNodeNotFound: 'ABANDON', deleteMessageIfNodeNotFound: false },
    nodes: MISSING,
    expect: {
      action: 'none',
      deadline: at(0),
      priority: 0,
      lifecycle: { hook: TERMINATING, result: 'ABANDON', resultOnFailure: 'ABANDON' },
      disposition: 'delete',
    },
  },
  {
    name: 'ASG terminate, no node, deleteMessageIfNodeNotFound on: same',
    event: asgTerminate(),
    settings: { deleteMessageIfNodeNotFound: true },
    nodes: MISSING,
    expect: {
      action: 'none',
      deadline: at(0),
      priority: 0,
      lifecycle: { hook: TERMINATING, result: 'CONTINUE', resultOnFailure: 'CONTINUE' },
      disposition: 'delete',
    },
  },
];

checkRows([...spotRows, ...capacityRows, ...asgRows]);
