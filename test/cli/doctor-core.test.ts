// doctor's pure parts: the pattern matcher against the rules we deploy, the RBAC list against
// deploy/base/rbac.yaml, and how each AWS answer becomes a line (fake clients, no servers).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { loadAllYaml, type V1ClusterRole } from '@kubernetes/client-node';
import { EVENT_RULES } from '../../infra/event-patterns.ts';
import { patternMatches } from '../../lib/doctor/event-pattern.ts';
import { formatReport, hasFailures } from '../../lib/doctor/format.ts';
import { checkPermissions } from '../../lib/doctor/iam.ts';
import { checkQueue, checkRules, queueArnFromUrl } from '../../lib/doctor/queue.ts';
import { REQUIRED_ACCESS } from '../../lib/doctor/rbac.ts';
import { SAMPLE_EVENTS } from '../../lib/doctor/samples.ts';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/node-termination-handler';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:node-termination-handler';

/** An SDK client stand-in: answers by command name. */
function fake(answers: Record<string, (input: Record<string, unknown>) => unknown>): { send(command: unknown): Promise<never> } {
  return {
    send: (command: unknown) => {
      const c = command as { constructor: { name: string }; input: Record<string, unknown> };
      const name = c.constructor.name.replace(/Command$/, '');
      const answer = answers[name];
      if (!answer) return Promise.reject(new Error(`unexpected ${name}`));
      try {
        return Promise.resolve(answer(c.input)) as Promise<never>;
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
  };
}

const awsError = (name: string): Error => Object.assign(new Error(`${name} (fake)`), { name });

describe('event patterns', () => {
  test('each kind is matched by exactly the rule infra/ deploys for it', () => {
    const expected: Record<string, string> = {
      'spot-interruption': 'spot-interruption', 'rebalance-recommendation': 'rebalance-recommendation',
      'instance-state-change': 'instance-state-change', 'capacity-reservation-interruption': 'capacity-reservation-interruption',
      'scheduled-change': 'scheduled-change', 'asg-terminate': 'asg-lifecycle', 'asg-launch': 'asg-lifecycle',
    };
    for (const sample of SAMPLE_EVENTS) {
      const matching = EVENT_RULES.filter((rule) => patternMatches(rule.pattern, sample.event) === true).map((r) => r.id);
      assert.deepEqual(matching, [expected[sample.kind]], sample.kind);
    }
  });

  test('operators: prefix, anything-but, exists, wildcard; unknown ones answer undefined', () => {
    const event = { source: 'aws.ec2', detail: { state: 'stopping', tags: ['a', 'b'] } };
    assert.equal(patternMatches({ source: [{ prefix: 'aws.' }] }, event), true);
    assert.equal(patternMatches({ detail: { state: [{ 'anything-but': ['running'] }] } }, event), true);
    assert.equal(patternMatches({ detail: { state: [{ 'anything-but': 'stopping' }] } }, event), false);
    assert.equal(patternMatches({ detail: { missing: [{ exists: false }] } }, event), true);
    assert.equal(patternMatches({ detail: { tags: ['b'] } }, event), true);
    assert.equal(patternMatches({ source: [{ wildcard: 'aws.*' }] }, event), true);
    assert.equal(patternMatches({ detail: { other: { deeper: ['x'] } } }, event), false);
    assert.equal(patternMatches({ detail: { state: [{ numeric: ['>', 0] }] } }, event), undefined);
  });
});

describe('RBAC', () => {
  test('REQUIRED_ACCESS is exactly what deploy/base/rbac.yaml grants (ClusterRole cluster-wide, Role in our namespace)', () => {
    const docs: unknown[] = loadAllYaml(readFileSync(new URL('../../deploy/base/rbac.yaml', import.meta.url), 'utf8'));
    const rulesOf = (kind: string) => docs.find((d): d is V1ClusterRole => (d as { kind?: string }).kind === kind)?.rules ?? [];
    const grants = (kind: string) => rulesOf(kind).flatMap((r) => (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${v} ${res}`))).sort();
    const needs = (scope: '' | 'own') => REQUIRED_ACCESS.filter((a) => a.namespace === scope)
      .map((a) => `${a.verb} ${a.subresource ? `${a.resource}/${a.subresource}` : a.resource}`).sort();
    assert.deepEqual(needs(''), grants('ClusterRole'));
    assert.deepEqual(needs('own'), grants('Role'));
  });
});

describe('queue and rules', () => {
  const policy = (sources: string[]) => JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' },
    Action: 'sqs:SendMessage', Resource: QUEUE_ARN, Condition: { ArnEquals: { 'aws:SourceArn': sources } } }] });
  const ruleArn = (id: string): string => `arn:aws:events:us-east-1:123456789012:rule/nth-${id}`;
  const sqs = (attributes: Record<string, string>) => fake({ GetQueueAttributes: () => ({ Attributes: { QueueArn: QUEUE_ARN, ...attributes } }) });
  const eventbridge = (rules: typeof EVENT_RULES, state = 'ENABLED') => fake({
    ListRuleNamesByTarget: () => ({ RuleNames: rules.map((r) => `nth-${r.id}`) }),
    DescribeRule: (input) => {
      const rule = rules.find((r) => `nth-${r.id}` === input.Name);
      return { Arn: ruleArn(rule?.id ?? ''), State: state, EventPattern: JSON.stringify(rule?.pattern) };
    },
  });
  const input = { queueUrl: QUEUE_URL, region: 'us-east-1', eventBusName: 'default' };

  test('the deployed shape passes every line', async () => {
    const deps = { sqs: sqs({ Policy: policy(EVENT_RULES.map((r) => ruleArn(r.id))), RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `${QUEUE_ARN}-dlq`, maxReceiveCount: 5 }) }), eventbridge: eventbridge(EVENT_RULES) };
    const queue = await checkQueue(deps, input);
    const rules = await checkRules(deps, input, queue.facts);
    assert.deepEqual([...queue.results, ...rules].filter((r) => r.status !== 'pass'), []);
  });

  test('a rule missing from the policy, a disabled rule, no policy, the AWS managed key: each fails with its fix', async () => {
    const notAdmitted = await checkRules({ sqs: sqs({}), eventbridge: eventbridge(EVENT_RULES) }, input,
      { queueArn: QUEUE_ARN, policyAllowsEventBridge: true, allowedSources: [ruleArn('rebalance-recommendation')] });
    assert.match(notAdmitted[0]?.message ?? '', /spot interruption warnings → queue: rule nth-spot-interruption matches, but the queue policy's aws:SourceArn does not list it/);
    assert.match(notAdmitted[0]?.fix ?? '', /arn:aws:events:us-east-1:123456789012:rule\/nth-spot-interruption/);
    assert.equal(notAdmitted[1]?.status, 'pass');

    const disabled = await checkRules({ sqs: sqs({}), eventbridge: eventbridge(EVENT_RULES, 'DISABLED') }, input,
      { queueArn: QUEUE_ARN, policyAllowsEventBridge: true, allowedSources: undefined });
    assert.equal(disabled[0]?.status, 'fail');
    assert.match(disabled[0]?.fix ?? '', /aws events enable-rule --event-bus-name default --name nth-spot-interruption/);
    assert.equal(disabled.find((r) => /launch/.test(r.message))?.status, 'warn', 'launch hooks are optional');

    const bare = await checkQueue({ sqs: sqs({ KmsMasterKeyId: 'alias/aws/sqs' }), eventbridge: eventbridge([]) }, input);
    assert.deepEqual(bare.results.map((r) => r.status), ['pass', 'warn', 'fail', 'fail']);
    assert.match(bare.results[2]?.fix ?? '', /SSE-SQS/);
    assert.match(bare.results[3]?.fix ?? '', /Service: events.amazonaws.com.*sqs:SendMessage/);
  });

  test('a queue that cannot be read fails once, with the fix for the reason', async () => {
    const denied = await checkQueue({ sqs: fake({ GetQueueAttributes: () => { throw awsError('AccessDenied'); } }), eventbridge: eventbridge([]) }, input);
    assert.equal(denied.results.length, 1);
    assert.match(denied.results[0]?.fix ?? '', /grant sqs:GetQueueAttributes/);
    assert.equal(denied.facts.queueArn, QUEUE_ARN, 'the ARN is still known from the URL, for the rules');
    assert.equal(queueArnFromUrl('http://127.0.0.1:5000/123456789012/q', 'us-east-1'), 'arn:aws:sqs:us-east-1:123456789012:q');
  });
});

describe('permission probes', () => {
  const allowed = {
    sqs: fake({ GetQueueUrl: () => ({ QueueUrl: QUEUE_URL }), ChangeMessageVisibility: () => { throw awsError('ReceiptHandleIsInvalid'); }, DeleteMessage: () => { throw awsError('ReceiptHandleIsInvalid'); } }),
    ec2: fake({ DescribeInstances: (i) => { if (i.DryRun) throw awsError('DryRunOperation'); return { Reservations: [{ Instances: [{}] }] }; } }),
    autoscaling: fake({ CompleteLifecycleAction: () => { throw awsError('ValidationError'); }, RecordLifecycleActionHeartbeat: () => { throw awsError('ValidationError'); } }),
  };
  const input = { queueUrl: QUEUE_URL, autoScalingGroups: ['nth-workers'], checkTagBeforeDraining: true, managedTag: 'aws-node-termination-handler/managed' };

  test('allowed calls pass; ReceiveMessage is said not to be probed', async () => {
    const results = await checkPermissions(allowed, input);
    assert.deepEqual(results.filter((r) => r.status !== 'pass').map((r) => r.message), [results.find((r) => /ReceiveMessage/.test(r.message))?.message]);
    assert.equal(hasFailures(results), false);
  });

  test('each denied call fails, naming the permission to grant', async () => {
    const denied = {
      ...allowed,
      sqs: fake({ GetQueueUrl: () => ({}), ChangeMessageVisibility: () => { throw awsError('AccessDenied'); }, DeleteMessage: () => { throw awsError('ReceiptHandleIsInvalid'); } }),
      ec2: fake({ DescribeInstances: () => { throw awsError('UnauthorizedOperation'); } }),
    };
    const results = await checkPermissions(denied, input);
    const failed = results.filter((r) => r.status === 'fail');
    assert.deepEqual(failed.map((r) => r.message.split(': ')[0]), ['sqs:ChangeMessageVisibility', 'ec2:DescribeInstances', 'listing instances with the managed tag aws-node-termination-handler/managed failed']);
    assert.match(failed[0]?.fix ?? '', /grant sqs:ChangeMessageVisibility on the queue/);
    const report = formatReport(results);
    assert.match(report, /^ {2}FAIL {2}ec2:DescribeInstances: denied/m);
    assert.match(report, /^doctor result: PROBLEMS FOUND \(.* 3 failing/m);
  });

  test('without --auto-scaling-group, a refusal is a warning: the role may be scoped to the real groups', async () => {
    const scoped = { ...allowed, autoscaling: fake({ CompleteLifecycleAction: () => { throw awsError('AccessDenied'); }, RecordLifecycleActionHeartbeat: () => { throw awsError('AccessDenied'); } }) };
    const results = await checkPermissions(scoped, { ...input, autoScalingGroups: [] });
    const lifecycle = results.filter((r) => /autoscaling:/.test(r.message));
    assert.deepEqual(lifecycle.map((r) => r.status), ['warn', 'warn']);
    assert.match(lifecycle[0]?.fix ?? '', /--auto-scaling-group NAME/);
  });
});
