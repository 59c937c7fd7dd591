// The stack's context parsing, the app entry and cdk.json, the rules read back from a synthesized
// template, and the permission list the controller's policy is built from.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SERVICE_ACCOUNT } from '../../../infra/construct.ts';
import { EVENT_RULES } from '../../../infra/event-patterns.ts';
import { CONTROLLER_AWS_ACTIONS, iamActionForOperation } from '../../../infra/permissions.ts';
import { rulesFromTemplate } from '../../../infra/rules-from-template.ts';
import { infraPropsFromContext, stackNameFor, synthesizeTemplate } from '../../../infra/stack.ts';
import { isJson } from './synth.ts';

const INFRA_DIR = fileURLToPath(new URL('../../../infra/', import.meta.url));
const PROVIDER_ARN = 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE';

const reader = (context: Record<string, unknown>) => (key: string) => context[key];

describe('infraPropsFromContext', () => {
  test('no context: defaults (Pod Identity chosen by the construct, no ASGs)', () => {
    assert.deepEqual(infraPropsFromContext(reader({})), {
      serviceAccount: DEFAULT_SERVICE_ACCOUNT,
      autoScalingGroups: [],
      allowDirectAsgNotifications: false,
    });
  });

  test('every key, as the command line passes them (strings)', () => {
    const parsed = infraPropsFromContext(
      reader({
        clusterName: 'demo',
        oidcProviderArn: PROVIDER_ARN,
        oidcIssuer: 'https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE',
        serviceAccount: 'nth/controller',
        asgNames: ' ng-a, ,ng-b ',
        asgLaunchHooks: 'true',
        podIdentity: 'true',
        allowDirectAsgNotifications: 'true',
        retentionSeconds: '7200',
        visibilityTimeoutSeconds: '90',
        maxReceiveCount: '3',
      }),
    );
    const { retentionPeriod, visibilityTimeout, ...rest } = parsed;
    assert.equal(retentionPeriod?.toSeconds(), 7200);
    assert.equal(visibilityTimeout?.toSeconds(), 90);
    assert.deepEqual(rest, {
      clusterName: 'demo',
      irsa: { oidcProviderArn: PROVIDER_ARN, oidcIssuer: 'https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE' },
      podIdentity: true,
      serviceAccount: { namespace: 'nth', name: 'controller' },
      autoScalingGroups: [
        { autoScalingGroupName: 'ng-a', launch: {} },
        { autoScalingGroupName: 'ng-b', launch: {} },
      ],
      allowDirectAsgNotifications: true,
      maxReceiveCount: 3,
    });
  });

  test('typed values from cdk.json are accepted too', () => {
    const parsed = infraPropsFromContext(reader({ podIdentity: false, oidcProviderArn: PROVIDER_ARN, maxReceiveCount: 7 }));
    assert.equal(parsed.podIdentity, false);
    assert.equal(parsed.maxReceiveCount, 7);
  });

  const invalid: [string, Record<string, unknown>, RegExp][] = [
    ['a non-boolean podIdentity', { podIdentity: 'yes' }, /^Error: context podIdentity: "yes" is not true or false$/],
    ['a non-numeric maxReceiveCount', { maxReceiveCount: 'five' }, /^Error: context maxReceiveCount: "five" is not a number$/],
    ['a blank retentionSeconds', { retentionSeconds: ' ' }, /^Error: context retentionSeconds: " " is not a number$/],
    ['a service account without a namespace', { serviceAccount: 'controller' }, /^Error: context serviceAccount: "controller"/],
    ['an issuer without a provider ARN', { oidcIssuer: 'oidc.example' }, /^Error: context oidcIssuer: given without oidcProviderArn$/],
    ['a non-string clusterName', { clusterName: 42 }, /^Error: context clusterName: expected a string, got 42$/],
  ];
  for (const [name, context, message] of invalid) {
    test(`rejects ${name}`, () => assert.throws(() => infraPropsFromContext(reader(context)), message));
  }
});

test('stackNameFor keeps stack names valid', () => {
  assert.equal(stackNameFor(undefined), 'NodeTerminationHandler');
  assert.equal(stackNameFor('prod_eu.1'), 'NodeTerminationHandler-prod-eu-1');
});

describe('rulesFromTemplate', () => {
  const template = synthesizeTemplate({ clusterName: 'demo', asgNames: 'ng-a' });

  test('returns every rule of a synthesized template, with the EVENT_RULES patterns, in order', () => {
    const rules = rulesFromTemplate(template);
    assert.deepEqual(
      rules.map((rule) => rule.eventPattern),
      EVENT_RULES.map((spec) => spec.pattern),
    );
    assert.ok(isJson(template) && isJson(template.Resources));
    const resources = template.Resources;
    for (const rule of rules) {
      const resource = resources[rule.ruleLogicalId];
      assert.ok(isJson(resource));
      assert.equal(resource.Type, 'AWS::Events::Rule');
    }
  });

  test('accepts a pattern given as a JSON string, and skips other resources', () => {
    const rules = rulesFromTemplate({
      Resources: {
        Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
        R: { Type: 'AWS::Events::Rule', Properties: { EventPattern: '{"source":["aws.ec2"]}' } },
      },
    });
    assert.deepEqual(rules, [{ ruleLogicalId: 'R', eventPattern: { source: ['aws.ec2'] } }]);
  });

  test('rejects a template without Resources and a rule without a pattern', () => {
    assert.throws(() => rulesFromTemplate({}), /expected an object with a Resources object/);
    assert.throws(
      () => rulesFromTemplate({ Resources: { R: { Type: 'AWS::Events::Rule', Properties: {} } } }),
      /rule R has no EventPattern object/,
    );
  });
});

describe('permissions', () => {
  test('CONTROLLER_AWS_ACTIONS is the documented list', () => {
    assert.deepEqual(CONTROLLER_AWS_ACTIONS, [
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
      'ec2:DescribeInstances',
      'autoscaling:CompleteLifecycleAction',
      'autoscaling:RecordLifecycleActionHeartbeat',
    ]);
    assert.ok(Object.isFrozen(CONTROLLER_AWS_ACTIONS));
  });

  test('iamActionForOperation maps batch calls to their IAM action and unknown calls to undefined', () => {
    assert.equal(iamActionForOperation('sqs', 'DeleteMessageBatch'), 'sqs:DeleteMessage');
    assert.equal(iamActionForOperation('sqs', 'ChangeMessageVisibilityBatch'), 'sqs:ChangeMessageVisibility');
    assert.equal(iamActionForOperation('autoscaling', 'RecordLifecycleActionHeartbeat'), 'autoscaling:RecordLifecycleActionHeartbeat');
    assert.equal(iamActionForOperation('ec2', 'DescribeInstances'), 'ec2:DescribeInstances');
    assert.equal(iamActionForOperation('ec2', 'TerminateInstances'), undefined);
    assert.equal(iamActionForOperation('sqs', 'DescribeInstances'), undefined);
  });
});

describe('the CDK app', () => {
  test('cdk.json runs app.ts with the repo Node and turns off notices and telemetry', () => {
    const config: unknown = JSON.parse(readFileSync(join(INFRA_DIR, 'cdk.json'), 'utf8'));
    assert.ok(isJson(config) && isJson(config.context));
    assert.equal(config.app, '../node_modules/.bin/node app.ts');
    assert.equal(config.notices, false);
    assert.equal(config.versionReporting, false);
    assert.equal(config.context['cli-telemetry'], false);
  });

  test('app.ts synthesizes one stack named after the cluster, offline', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'nth-cdk-'));
    try {
      // The CDK CLI runs the app the same way: output directory and context through the environment.
      const run = spawnSync(process.execPath, ['app.ts'], {
        cwd: INFRA_DIR,
        env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ clusterName: 'demo' }) },
        encoding: 'utf8',
      });
      assert.equal(run.status, 0, run.stderr);
      const templates = readdirSync(outdir).filter((name) => name.endsWith('.template.json'));
      assert.deepEqual(templates, ['NodeTerminationHandler-demo.template.json']);
      const template: unknown = JSON.parse(readFileSync(join(outdir, templates[0] ?? ''), 'utf8'));
      assert.equal(rulesFromTemplate(template).length, EVENT_RULES.length);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
