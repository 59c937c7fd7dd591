// An Auto Scaling group in moto and one fake Node per instance, named and labelled the way EKS
// does it (name = PrivateDnsName, providerID aws:///<az>/<instance-id>), so that the controller's
// lookups behave as they would on a real cluster. KWOK keeps the Nodes Ready and runs their pods.
import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  PutLifecycleHookCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, DescribeImagesCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import type { V1Node } from '@kubernetes/client-node';
import { KWOK_NODE_ANNOTATION } from '../cluster.ts';
import type { AwsClients } from './aws.ts';
import type { KubeClients } from './kube.ts';
import { uniqueName, waitFor } from './wait.ts';

export const MANAGED_TAG = 'aws-node-termination-handler/managed';

export interface FleetInstance {
  instanceId: string;
  nodeName: string;
  availabilityZone: string;
  providerID: string;
}

export interface Fleet {
  autoScalingGroupName: string;
  terminateHookName?: string;
  launchHookName?: string;
  instances: FleetInstance[];
}

export interface FleetOptions {
  count: number;
  name?: string;
  /** Add the managed tag (propagated to the instances). Default true. */
  managed?: boolean;
  /** Lifecycle hooks to put on the group; heartbeat timeout in seconds. */
  terminateHook?: { heartbeatTimeout?: number; defaultResult?: 'CONTINUE' | 'ABANDON' };
  launchHook?: { heartbeatTimeout?: number; defaultResult?: 'CONTINUE' | 'ABANDON' };
  /** Create the Nodes (default true); false leaves instances that never joined the cluster. */
  createNodes?: boolean;
  labels?: Record<string, string>;
}

export async function createFleet(aws: AwsClients, kube: KubeClients, options: FleetOptions): Promise<Fleet> {
  const name = options.name ?? uniqueName('asg');
  const images = await aws.ec2.send(new DescribeImagesCommand({}));
  const imageId = images.Images?.[0]?.ImageId;
  if (!imageId) throw new Error('moto has no AMI to launch');
  await aws.ec2.send(new CreateLaunchTemplateCommand({
    LaunchTemplateName: `${name}-lt`,
    LaunchTemplateData: { ImageId: imageId, InstanceType: 'm5.large' },
  }));
  await aws.autoscaling.send(new CreateAutoScalingGroupCommand({
    AutoScalingGroupName: name,
    LaunchTemplate: { LaunchTemplateName: `${name}-lt` },
    MinSize: 0,
    MaxSize: Math.max(options.count * 2, 1),
    DesiredCapacity: options.count,
    AvailabilityZones: ['us-east-1a'],
    Tags: (options.managed ?? true)
      ? [{ Key: MANAGED_TAG, Value: 'true', PropagateAtLaunch: true, ResourceId: name, ResourceType: 'auto-scaling-group' }]
      : [],
  }));
  const fleet: Fleet = { autoScalingGroupName: name, instances: [] };
  if (options.terminateHook) {
    fleet.terminateHookName = `${name}-terminate`;
    await aws.autoscaling.send(new PutLifecycleHookCommand({
      AutoScalingGroupName: name, LifecycleHookName: fleet.terminateHookName,
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      HeartbeatTimeout: options.terminateHook.heartbeatTimeout ?? 300,
      DefaultResult: options.terminateHook.defaultResult ?? 'CONTINUE',
    }));
  }
  if (options.launchHook) {
    fleet.launchHookName = `${name}-launch`;
    await aws.autoscaling.send(new PutLifecycleHookCommand({
      AutoScalingGroupName: name, LifecycleHookName: fleet.launchHookName,
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
      HeartbeatTimeout: options.launchHook.heartbeatTimeout ?? 300,
      DefaultResult: options.launchHook.defaultResult ?? 'ABANDON',
    }));
  }
  const group = await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  const ids = (group.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId).filter((id): id is string => !!id);
  if (ids.length !== options.count) throw new Error(`ASG ${name} has ${ids.length} instances, wanted ${options.count}`);
  const described = await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
  for (const instance of (described.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
    const az = instance.Placement?.AvailabilityZone ?? 'us-east-1a';
    fleet.instances.push({
      instanceId: instance.InstanceId ?? '',
      nodeName: instance.PrivateDnsName ?? '',
      availabilityZone: az,
      providerID: `aws:///${az}/${instance.InstanceId ?? ''}`,
    });
  }
  if (options.createNodes ?? true) {
    await Promise.all(fleet.instances.map((instance) => createNode(kube, instance, options.labels)));
  }
  return fleet;
}

/** The Node an instance would register as (named and labelled as EKS does), for KWOK to run. */
export function nodeFor(instance: FleetInstance, labels: Record<string, string> = {}): V1Node {
  return {
    metadata: {
      name: instance.nodeName,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake' },
      labels: {
        'kubernetes.io/hostname': instance.nodeName,
        'kubernetes.io/os': 'linux',
        'topology.kubernetes.io/zone': instance.availabilityZone,
        'node.kubernetes.io/instance-type': 'm5.large',
        type: 'kwok',
        ...labels,
      },
    },
    spec: { providerID: instance.providerID },
  };
}

/** Creates the Node an instance would register as, and waits until KWOK reports it Ready. */
export async function createNode(kube: KubeClients, instance: FleetInstance, labels: Record<string, string> = {}): Promise<V1Node> {
  await kube.core.createNode({ body: nodeFor(instance, labels) });
  const node = await waitFor(`node ${instance.nodeName} to be Ready`, async () => {
    const node = await kube.core.readNode({ name: instance.nodeName });
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    return { done: ready === 'True', seen: `Ready=${ready ?? 'unset'}`, value: node };
  });
  if (!node) throw new Error(`node ${instance.nodeName} vanished`);
  return node;
}
