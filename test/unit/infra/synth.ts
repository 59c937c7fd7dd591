// Shared by the infra tests: synthesize the construct in a fresh stack and read the template as
// plain JSON, so assertions compare whole resources and statements (deepStrictEqual) instead of
// the partial matching of hasResourceProperties.

import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { NodeTerminationHandlerInfra, type NodeTerminationHandlerInfraProps } from '../../../infra/construct.ts';

export type Json = Record<string, unknown>;

export interface Synthesized {
  readonly stack: Stack;
  readonly infra: NodeTerminationHandlerInfra;
  readonly template: Template;
  readonly resources: Record<string, Json>;
  readonly outputs: Record<string, Json>;
  /** The logical id of an L1 construct, or of an L2 construct's default child. */
  id(construct: IConstruct): string;
  /** The resource of that construct, as in the template. */
  resource(construct: IConstruct): Json;
  /** Sorted `Type` of every resource, to prove nothing unexpected is created. */
  types(): string[];
}

export function synth(props: NodeTerminationHandlerInfraProps = {}): Synthesized {
  const app = new App();
  const stack = new Stack(app, 'Test');
  const infra = new NodeTerminationHandlerInfra(stack, 'Nth', props);
  const template = Template.fromStack(stack);
  const json: unknown = template.toJSON();
  if (!isJson(json)) throw new Error('template is not an object');
  const resources = jsonRecord(json.Resources);
  const outputs = jsonRecord(json.Outputs ?? {});
  const id = (construct: IConstruct): string => {
    const element = (construct.node.defaultChild ?? construct) as CfnElement;
    return stack.getLogicalId(element);
  };
  return {
    stack,
    infra,
    template,
    resources,
    outputs,
    id,
    resource: (construct) => {
      const found = resources[id(construct)];
      if (found === undefined) throw new Error(`no resource for ${construct.node.path}`);
      return found;
    },
    types: () => Object.values(resources).map((resource) => String(resource.Type)).sort(),
  };
}

export const ref = (logicalId: string): Json => ({ Ref: logicalId });
export const arnOf = (logicalId: string): Json => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

/** The rendered ARN of an ASG known by name, as formatArn emits it for an agnostic stack. */
export function asgArn(name: string): Json {
  return {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':autoscaling:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        `:autoScalingGroup:*:autoScalingGroupName/${name}`,
      ],
    ],
  };
}

/** Statement list of a policy document found at `Properties.<key>` (or inline policy 0). */
export function statements(document: unknown): Json[] {
  if (!isJson(document) || !Array.isArray(document.Statement)) throw new Error('not a policy document');
  return document.Statement.map((statement) => {
    if (!isJson(statement)) throw new Error('statement is not an object');
    return statement;
  });
}

export function props(resource: Json): Json {
  if (!isJson(resource.Properties)) throw new Error('resource has no Properties');
  return resource.Properties;
}

function jsonRecord(value: unknown): Record<string, Json> {
  if (!isJson(value)) throw new Error('expected an object');
  const out: Record<string, Json> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (!isJson(entry)) throw new Error(`${key} is not an object`);
    out[key] = entry;
  }
  return out;
}

export function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
