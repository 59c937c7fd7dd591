// Every command has --help, and bad usage ends in one line naming what is wrong (exit 2).
// send-test-event --print writes what the controller's own parser reads as the asked-for kind.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMessage } from '../../lib/events/parse.ts';
import { runCli } from './run-cli.ts';

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/node-termination-handler';
const INSTANCE = 'i-1234567890abcdef0';

describe('--help of every command', { concurrency: 4 }, () => {
  const cases: [string[], RegExp[]][] = [
    [['--help'], [/demo/, /doctor/, /send-test-event/, /--from-nth-values/, /--scenario none/, /QUEUE_URL/]],
    [['run', '--help'], [/usage: node-termination-handler/, /--scenario/]],
    [['config', '--help'], [/config --from-nth-values FILE/]],
    [['demo', '--help'], [/--scenario all/, /spot, asg, maintenance|spot \(Spot Instance/, /Ctrl-C/]],
    [['doctor', '--help'], [/SelfSubjectAccessReview/, /DryRun/, /cannot check: sqs:ReceiveMessage/, /--auto-scaling-group/]],
    [['send-test-event', '--help'], [/--kind KIND/, /asg-terminate/, /--via eventbridge/, /aws\.\* sources/]],
    [['config', '--from-nth-values', 'x.yaml', '--help'], [/enableSqs|queueURL/, /--output configmap/, /stderr/]],
  ];
  for (const [args, patterns] of cases) {
    test(args.join(' '), async () => {
      const out = await runCli(args);
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stderr, '');
      for (const p of patterns) assert.match(out.stdout, p);
    });
  }
});

describe('usage errors: exit 2, one line', { concurrency: 4 }, () => {
  const cases: [string[], RegExp][] = [
    [['run', '--scenario', 'tsunami'], /--scenario tsunami: allowed: all, none, or a list of spot, asg, maintenance, rebalance/],
    [['demo', '--scenario', ''], /missing value for --scenario|--scenario : allowed/],
    [['send-test-event', '--kind', 'meteor', '--instance', INSTANCE], /--kind meteor: allowed: spot, rebalance/],
    [['send-test-event', '--kind', 'spot', '--instance', 'node-1'], /--instance node-1: an EC2 instance ID/],
    [['send-test-event', '--kind', 'spot', '--instance', INSTANCE], /QUEUE_URL \(--queue-url\) is not set/],
    [['send-test-event', '--kind', 'asg-terminate', '--instance', INSTANCE, '--print'], /needs --asg NAME and --hook NAME/],
    [['send-test-event', '--kind', 'spot', '--instance', INSTANCE, '--via', 'carrier-pigeon'], /--via carrier-pigeon: allowed: queue, eventbridge/],
    [['doctor', '--event-bus'], /missing value for --event-bus/],
    [['config', '--from-nth-values', 'v.yaml', '--output', 'xml'], /--output xml: allowed: env, configmap/],
    [['explode'], /unknown command "explode"; commands: run, config, demo, doctor, send-test-event/],
  ];
  for (const [args, pattern] of cases) {
    test(args.join(' '), async () => {
      const out = await runCli(args);
      assert.equal(out.code, 2, `${out.stdout}${out.stderr}`);
      assert.equal(out.stderr.trim().split('\n').length, 1, out.stderr);
      assert.match(out.stderr, pattern);
    });
  }
});

describe('send-test-event --print', { concurrency: 4 }, () => {
  const kinds: [string[], string][] = [
    [['--kind', 'spot'], 'spot-interruption'],
    [['--kind', 'rebalance'], 'rebalance-recommendation'],
    [['--kind', 'state-change', '--state', 'stopped'], 'instance-state-change'],
    [['--kind', 'capacity-reservation'], 'capacity-reservation-interruption'],
    [['--kind', 'scheduled-change', '--start-in', '0'], 'scheduled-change'],
    [['--kind', 'asg-terminate', '--asg', 'nth-workers', '--hook', 'drain', '--token', 'tok-1'], 'asg-terminate'],
    [['--kind', 'asg-launch', '--asg', 'nth-workers', '--hook', 'join'], 'asg-launch'],
  ];
  for (const [args, kind] of kinds) {
    test(`${args.join(' ')} → a message the controller parses as ${kind}`, async () => {
      const out = await runCli(['send-test-event', ...args, '--instance', INSTANCE, '--print'], { QUEUE_URL: QUEUE });
      assert.equal(out.code, 0, out.stderr);
      const parsed = parseMessage(out.stdout);
      assert.equal(parsed.outcome, 'event', JSON.stringify(parsed));
      if (parsed.outcome !== 'event') return;
      assert.equal(parsed.event.kind, kind);
      assert.deepEqual(parsed.event.instanceIds, [INSTANCE]);
      assert.equal(parsed.event.account, '123456789012');
      assert.equal(parsed.event.region, 'us-east-1');
      // A fresh event: the deadline is counted from its time.
      assert.ok(Math.abs(parsed.event.time.getTime() - Date.now()) < 10_000);
      if (kind.startsWith('asg-') && !args.includes('--token')) assert.match(out.stderr, /made-up lifecycle action token/);
    });
  }
});
