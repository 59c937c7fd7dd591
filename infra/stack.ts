// The deployable stack: the construct configured from CDK context (`cdk synth -c key=value` or
// cdk.json). The stack is environment-agnostic and does no lookups, so it synthesizes offline
// and one template serves every account and region.

import { App, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  DEFAULT_SERVICE_ACCOUNT,
  NodeTerminationHandlerInfra,
  type NodeTerminationHandlerInfraProps,
} from './construct.ts';

export interface NodeTerminationHandlerStackProps extends StackProps {
  readonly infra?: NodeTerminationHandlerInfraProps;
}

export class NodeTerminationHandlerStack extends Stack {
  readonly infra: NodeTerminationHandlerInfra;

  constructor(scope: Construct, id: string, props: NodeTerminationHandlerStackProps = {}) {
    super(scope, id, {
      description: 'node-termination-handler: interruption queue, EventBridge rules, controller IAM role',
      ...props,
    });
    this.infra = new NodeTerminationHandlerInfra(this, 'NodeTerminationHandler', props.infra ?? {});
  }
}

/** Reads one context value; context given on the command line arrives as a string. */
export type ContextReader = (key: string) => unknown;

/**
 * The context keys the stack reads:
 * clusterName, oidcProviderArn, oidcIssuer, serviceAccount (`namespace/name`), asgNames
 * (comma list), asgLaunchHooks (bool), podIdentity (bool), allowDirectAsgNotifications (bool),
 * retentionSeconds, visibilityTimeoutSeconds, maxReceiveCount.
 */
export function infraPropsFromContext(read: ContextReader): NodeTerminationHandlerInfraProps {
  const clusterName = optionalString(read, 'clusterName');
  const oidcProviderArn = optionalString(read, 'oidcProviderArn');
  const oidcIssuer = optionalString(read, 'oidcIssuer');
  if (oidcIssuer !== undefined && oidcProviderArn === undefined) {
    throw new Error('context oidcIssuer: given without oidcProviderArn');
  }
  const podIdentity = optionalBoolean(read, 'podIdentity');
  const launchHooks = optionalBoolean(read, 'asgLaunchHooks') ?? false;
  const asgNames = (optionalString(read, 'asgNames') ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const retentionSeconds = optionalNumber(read, 'retentionSeconds');
  const visibilityTimeoutSeconds = optionalNumber(read, 'visibilityTimeoutSeconds');
  const maxReceiveCount = optionalNumber(read, 'maxReceiveCount');
  return {
    ...(clusterName === undefined ? {} : { clusterName }),
    ...(oidcProviderArn === undefined
      ? {}
      : { irsa: { oidcProviderArn, ...(oidcIssuer === undefined ? {} : { oidcIssuer }) } }),
    ...(podIdentity === undefined ? {} : { podIdentity }),
    serviceAccount: serviceAccountFromContext(read),
    autoScalingGroups: asgNames.map((autoScalingGroupName) => ({
      autoScalingGroupName,
      ...(launchHooks ? { launch: {} } : {}),
    })),
    allowDirectAsgNotifications: optionalBoolean(read, 'allowDirectAsgNotifications') ?? false,
    ...(retentionSeconds === undefined ? {} : { retentionPeriod: Duration.seconds(retentionSeconds) }),
    ...(visibilityTimeoutSeconds === undefined ? {} : { visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds) }),
    ...(maxReceiveCount === undefined ? {} : { maxReceiveCount }),
  };
}

/** `NodeTerminationHandler`, or `NodeTerminationHandler-<cluster>` so clusters get separate stacks. */
export function stackNameFor(clusterName: string | undefined): string {
  if (clusterName === undefined) return 'NodeTerminationHandler';
  // Stack names allow letters, digits and hyphens only; EKS names also allow underscores.
  return `NodeTerminationHandler-${clusterName.replace(/[^A-Za-z0-9-]/g, '-')}`;
}

/** Builds the app's stack from context, as app.ts does. */
export function createStack(app: App, read: ContextReader): NodeTerminationHandlerStack {
  const infra = infraPropsFromContext(read);
  return new NodeTerminationHandlerStack(app, stackNameFor(infra.clusterName), { infra });
}

/**
 * The synthesized CloudFormation template for the given context, without the CDK CLI (for tests
 * that need the deployed rule patterns, see rules-from-template.ts).
 */
export function synthesizeTemplate(context: Record<string, unknown> = {}): unknown {
  const app = new App({ context });
  const stack = createStack(app, (key) => app.node.tryGetContext(key) as unknown);
  const template: unknown = app.synth().getStackArtifact(stack.artifactId).template;
  return template;
}

function serviceAccountFromContext(read: ContextReader): { namespace: string; name: string } {
  const value = optionalString(read, 'serviceAccount');
  if (value === undefined) return DEFAULT_SERVICE_ACCOUNT;
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(value);
  if (match?.[1] === undefined || match[3] === undefined) {
    throw new Error(`context serviceAccount: "${value}" is not <namespace>/<name>`);
  }
  return { namespace: match[1], name: match[3] };
}

function optionalString(read: ContextReader, key: string): string | undefined {
  const value = read(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`context ${key}: expected a string, got ${JSON.stringify(value)}`);
  return value.trim() === '' ? undefined : value.trim();
}

function optionalBoolean(read: ContextReader, key: string): boolean | undefined {
  const value = read(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`context ${key}: ${JSON.stringify(value)} is not true or false`);
}

function optionalNumber(read: ContextReader, key: string): number | undefined {
  const value = read(key);
  if (value === undefined || value === null || value === '') return undefined;
  const text = typeof value === 'string' ? value.trim() : '';
  const number = typeof value === 'number' ? value : text === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(number)) throw new Error(`context ${key}: ${JSON.stringify(value)} is not a number`);
  return number;
}
