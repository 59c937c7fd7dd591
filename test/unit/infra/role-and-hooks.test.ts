// The controller role (trust for IRSA and Pod Identity, its policy) and the lifecycle hooks.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CONTROLLER_AWS_ACTIONS, CONTROLLER_PERMISSIONS } from '../../../infra/permissions.ts';
import { arnOf, asgArn, props, statements, synth, type Json } from './synth.ts';

const PROVIDER_ARN = 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const ISSUER = 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';

const ROLE_DESCRIPTION = 'node-termination-handler controller: consume the interruption queue, complete ASG lifecycle actions';

function controllerPolicyStatements(queueLogicalId: string, asgResources: Json | Json[] | string): Json[] {
  return [
    {
      Sid: 'ConsumeInterruptionQueue',
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'],
      Resource: arnOf(queueLogicalId),
    },
    { Sid: 'DescribeInstances', Effect: 'Allow', Action: 'ec2:DescribeInstances', Resource: '*' },
    {
      Sid: 'CompleteLifecycleActions',
      Effect: 'Allow',
      Action: ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat'],
      Resource: asgResources,
    },
  ];
}

function podIdentityTrust(namespace: string, name: string, cluster?: string): Json {
  return {
    Effect: 'Allow',
    Principal: { Service: 'pods.eks.amazonaws.com' },
    Action: ['sts:AssumeRole', 'sts:TagSession'],
    Condition: {
      StringEquals: {
        'aws:RequestTag/kubernetes-namespace': namespace,
        'aws:RequestTag/kubernetes-service-account': name,
        ...(cluster === undefined ? {} : { 'aws:RequestTag/eks-cluster-name': cluster }),
      },
    },
  };
}

function irsaTrust(namespace: string, name: string): Json {
  return {
    Effect: 'Allow',
    Principal: { Federated: PROVIDER_ARN },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: {
        [`${ISSUER}:sub`]: `system:serviceaccount:${namespace}:${name}`,
        [`${ISSUER}:aud`]: 'sts.amazonaws.com',
      },
    },
  };
}

/** The whole controller role resource, for the given trust statements and ASG scope. */
function expectedRole(s: ReturnType<typeof synth>, trust: Json[], asgResources: Json | Json[] | string): Json {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: ROLE_DESCRIPTION,
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: trust },
      Policies: [
        {
          PolicyName: 'Controller',
          PolicyDocument: { Version: '2012-10-17', Statement: controllerPolicyStatements(s.id(s.infra.queue), asgResources) },
        },
      ],
    },
  };
}

const inlinePolicy = (role: Json): unknown => {
  const policies = props(role).Policies;
  assert.ok(Array.isArray(policies) && policies.length === 1);
  return (policies[0] as Json).PolicyDocument;
};

describe('default props: Pod Identity trust for kube-system/node-termination-handler', () => {
  const s = synth();
  const role = s.resource(s.infra.controllerRole.role);

  test('role: Pod Identity trust, the controller policy, lifecycle actions on any group', () => {
    assert.deepEqual(role, expectedRole(s, [podIdentityTrust('kube-system', 'node-termination-handler')], '*'));
  });

  test('the policy grants exactly CONTROLLER_AWS_ACTIONS, in order, no wildcard actions', () => {
    const actions = statements(inlinePolicy(role)).flatMap((statement): unknown[] =>
      Array.isArray(statement.Action) ? (statement.Action as unknown[]) : [statement.Action],
    );
    assert.deepEqual(actions, [...CONTROLLER_AWS_ACTIONS]);
    assert.ok(actions.every((action) => typeof action === 'string' && !action.includes('*')));
  });

  test('one statement per CONTROLLER_PERMISSIONS entry, named by its sid', () => {
    const sids = statements(inlinePolicy(role)).map((statement) => statement.Sid);
    assert.deepEqual(sids, CONTROLLER_PERMISSIONS.map((permission) => permission.sid));
  });

  test('no Pod Identity association without a cluster name, no lifecycle hooks', () => {
    assert.equal(s.infra.controllerRole.podIdentityAssociation, undefined);
    assert.ok(!s.types().includes('AWS::EKS::PodIdentityAssociation'));
    assert.ok(!s.types().includes('AWS::AutoScaling::LifecycleHook'));
  });
});

describe('IRSA', () => {
  const s = synth({
    irsa: { oidcProviderArn: PROVIDER_ARN, oidcIssuer: `https://${ISSUER}/` },
    serviceAccount: { namespace: 'nth', name: 'controller' },
  });

  test('role: web-identity trust on sub and aud only (Pod Identity off by default with IRSA)', () => {
    assert.deepEqual(s.resource(s.infra.controllerRole.role), expectedRole(s, [irsaTrust('nth', 'controller')], '*'));
  });

  test('the issuer defaults to the one in the provider ARN', () => {
    const derived = synth({ irsa: { oidcProviderArn: PROVIDER_ARN }, serviceAccount: { namespace: 'nth', name: 'controller' } });
    assert.deepEqual(statements(props(derived.resource(derived.infra.controllerRole.role)).AssumeRolePolicyDocument), [
      irsaTrust('nth', 'controller'),
    ]);
  });

  test('rejects a provider ARN without an issuer', () => {
    assert.throws(() => synth({ irsa: { oidcProviderArn: 'arn:aws:iam::123456789012:role/x' } }), /^Error: irsa\.oidcProviderArn/);
  });

  test('rejects a role nobody could assume', () => {
    assert.throws(() => synth({ podIdentity: false }), /enable Pod Identity or give IRSA settings/);
  });
});

describe('Pod Identity with a cluster name', () => {
  const s = synth({ podIdentity: true, clusterName: 'demo', serviceAccount: { namespace: 'nth', name: 'controller' } });
  const association = s.infra.controllerRole.podIdentityAssociation;

  test('role: trust conditioned on namespace, service account and cluster session tags', () => {
    assert.deepEqual(s.resource(s.infra.controllerRole.role), expectedRole(s, [podIdentityTrust('nth', 'controller', 'demo')], '*'));
  });

  test('creates the Pod Identity association for that service account', () => {
    assert.ok(association);
    assert.deepEqual(s.resource(association), {
      Type: 'AWS::EKS::PodIdentityAssociation',
      Properties: {
        ClusterName: 'demo',
        Namespace: 'nth',
        ServiceAccount: 'controller',
        RoleArn: arnOf(s.id(s.infra.controllerRole.role)),
      },
    });
    assert.equal(s.types().filter((type) => type === 'AWS::EKS::PodIdentityAssociation').length, 1);
  });

  test('with IRSA too, the trust has both statements', () => {
    const both = synth({
      irsa: { oidcProviderArn: PROVIDER_ARN },
      podIdentity: true,
      clusterName: 'demo',
      serviceAccount: { namespace: 'nth', name: 'controller' },
    });
    assert.deepEqual(
      both.resource(both.infra.controllerRole.role),
      expectedRole(both, [irsaTrust('nth', 'controller'), podIdentityTrust('nth', 'controller', 'demo')], '*'),
    );
  });
});

describe('named ASGs with lifecycle hooks', () => {
  const s = synth({
    autoScalingGroups: [
      { autoScalingGroupName: 'ng-a' },
      {
        autoScalingGroupName: 'ng-b',
        terminate: { heartbeatTimeout: 600, defaultResult: 'ABANDON' },
        launch: { heartbeatTimeout: 900 },
      },
      { autoScalingGroupName: 'ng/c', terminate: false },
    ],
  });
  const hooks = s.infra.lifecycleHooks.hooks;
  const hook = (group: string, transition: string, heartbeat: number, result: string): Json => ({
    Type: 'AWS::AutoScaling::LifecycleHook',
    Properties: {
      AutoScalingGroupName: group,
      LifecycleTransition: `autoscaling:EC2_INSTANCE_${transition}`,
      HeartbeatTimeout: heartbeat,
      DefaultResult: result,
    },
  });

  test('terminate hooks unless disabled (300 s, CONTINUE by default); launch hooks when asked (ABANDON)', () => {
    assert.deepEqual(
      hooks.map((created) => s.resource(created)),
      [
        hook('ng-a', 'TERMINATING', 300, 'CONTINUE'),
        hook('ng-b', 'TERMINATING', 600, 'ABANDON'),
        hook('ng-b', 'LAUNCHING', 900, 'ABANDON'),
      ],
    );
    assert.equal(s.types().filter((type) => type === 'AWS::AutoScaling::LifecycleHook').length, 3);
  });

  test('lifecycle permissions are scoped to every named group, hooked or not', () => {
    assert.deepEqual(
      s.resource(s.infra.controllerRole.role),
      expectedRole(s, [podIdentityTrust('kube-system', 'node-termination-handler')], [asgArn('ng-a'), asgArn('ng-b'), asgArn('ng/c')]),
    );
  });

  const invalid: [string, Parameters<typeof synth>[0], RegExp][] = [
    ['a duplicate group', { autoScalingGroups: [{ autoScalingGroupName: 'x' }, { autoScalingGroupName: 'x' }] }, /"x" is listed twice/],
    ['an empty group name', { autoScalingGroups: [{ autoScalingGroupName: '' }] }, /autoScalingGroupName is empty/],
    [
      'a heartbeat under 30 s',
      { autoScalingGroups: [{ autoScalingGroupName: 'x', terminate: { heartbeatTimeout: 29 } }] },
      /\["x"\]\.terminate\.heartbeatTimeout: 29/,
    ],
    [
      'a heartbeat over 7200 s',
      { autoScalingGroups: [{ autoScalingGroupName: 'x', launch: { heartbeatTimeout: 7201 } }] },
      /\["x"\]\.launch\.heartbeatTimeout: 7201/,
    ],
  ];
  for (const [name, bad, message] of invalid) {
    test(`rejects ${name}`, () => assert.throws(() => synth(bad), message));
  }
});
