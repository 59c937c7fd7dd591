// Instance ID → Node, and whether the instance is ours to act on. The Node index answers from
// memory; EC2 is asked (batched and cached by the directory) only for the managed-tag check or
// when no Node carries the instance in its providerID and we may fall back to its DNS name.
import type { V1Node } from '@kubernetes/client-node';
import type { InstanceDirectory, InstanceInfo } from '../aws/instances.ts';
import type { NodeLookup } from '../kube/node-index.ts';

export interface ResolveSettings {
  useProviderId: boolean;
  checkTagBeforeDraining: boolean;
  managedTag: string;
}

export interface ResolvedInstance {
  instanceId: string;
  node: V1Node | undefined;
  /** False when the managed-tag check is on and the instance lacks the tag (or EC2 has no such instance). */
  managed: boolean;
  ec2: InstanceInfo | undefined;
}

export class InstanceResolver {
  private readonly nodes: NodeLookup;
  private readonly instances: InstanceDirectory;
  private readonly settings: ResolveSettings;

  constructor(nodes: NodeLookup, instances: InstanceDirectory, settings: ResolveSettings) {
    this.nodes = nodes;
    this.instances = instances;
    this.settings = settings;
  }

  /** Throws when EC2 must be asked and cannot answer; the message is then retried. */
  async resolve(instanceIds: readonly string[]): Promise<ResolvedInstance[]> {
    const { useProviderId, checkTagBeforeDraining, managedTag } = this.settings;
    const needEc2 = instanceIds.filter((id) => checkTagBeforeDraining || (!useProviderId && !this.nodes.byInstanceId(id)));
    const ec2 = needEc2.length > 0 ? await this.instances.describe(needEc2) : new Map<string, InstanceInfo>();
    return instanceIds.map((instanceId) => {
      const info = ec2.get(instanceId);
      let node = this.nodes.byInstanceId(instanceId);
      if (!node && !useProviderId && info?.privateDnsName) node = this.nodes.byName(info.privateDnsName);
      const managed = !checkTagBeforeDraining || (info !== undefined && Object.hasOwn(info.tags, managedTag));
      return { instanceId, node, managed, ec2: info };
    });
  }
}
