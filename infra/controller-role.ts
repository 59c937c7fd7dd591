// The controller's IAM role: who may assume it (IRSA and/or EKS Pod Identity) and what it may do
// (exactly CONTROLLER_PERMISSIONS). Kept apart from the queue and rules so the security-relevant
// part is small enough to review on its own.

import { Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { CONTROLLER_PERMISSIONS, type PermissionScope } from './permissions.ts';

/** IAM Roles for Service Accounts: the cluster's OIDC provider exchanges the pod's token. */
export interface IrsaProps {
  /** e.g. `arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE`. */
  readonly oidcProviderArn: string;
  /**
   * The issuer host and path, e.g. `oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE` (an `https://`
   * prefix is accepted and dropped). Default: taken from `oidcProviderArn`. Must be a literal
   * string, not a token: it becomes part of the trust policy's condition keys.
   */
  readonly oidcIssuer?: string;
}

export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

export interface ControllerRoleProps {
  readonly queueArn: string;
  /** ARNs for the `auto-scaling-groups` scope; empty means `*`. */
  readonly autoScalingGroupArns: readonly string[];
  readonly serviceAccount: ServiceAccountRef;
  readonly irsa?: IrsaProps;
  readonly podIdentity: boolean;
  readonly clusterName?: string;
}

const POD_IDENTITY_SERVICE = 'pods.eks.amazonaws.com';

export class ControllerRole extends Construct {
  readonly role: iam.Role;
  /** Present when Pod Identity is on and the cluster name is known. */
  readonly podIdentityAssociation?: eks.CfnPodIdentityAssociation;

  constructor(scope: Construct, id: string, props: ControllerRoleProps) {
    super(scope, id);
    const principals: iam.IAssumeRolePrincipal[] = [];
    if (props.irsa !== undefined) principals.push(irsaPrincipal(props.irsa, props.serviceAccount));
    if (props.podIdentity) principals.push(podIdentityPrincipal(props.serviceAccount, props.clusterName));
    const [first, ...others] = principals;
    if (first === undefined) {
      // A role nobody can assume would deploy fine and fail only when the pod starts.
      throw new Error('controller role: enable Pod Identity or give IRSA settings (oidcProviderArn), or both');
    }

    this.role = new iam.Role(this, 'Role', {
      description: 'node-termination-handler controller: consume the interruption queue, complete ASG lifecycle actions',
      assumedBy: first,
      // Inline, so the permissions exist as soon as the role does (no window where a pod holds a
      // role without its policy, and no separate Policy resource to order).
      inlinePolicies: { Controller: controllerPolicy(props.queueArn, props.autoScalingGroupArns) },
    });
    // Principals with different assume-role actions cannot share a CompositePrincipal, so each
    // adds its own trust statement.
    for (const principal of others) {
      const trust = this.role.assumeRolePolicy;
      if (trust === undefined) throw new Error('controller role has no trust policy');
      principal.addToAssumeRolePolicy(trust);
    }

    if (props.podIdentity && props.clusterName !== undefined) {
      this.podIdentityAssociation = new eks.CfnPodIdentityAssociation(this, 'PodIdentityAssociation', {
        clusterName: props.clusterName,
        namespace: props.serviceAccount.namespace,
        serviceAccount: props.serviceAccount.name,
        roleArn: this.role.roleArn,
      });
    }
  }
}

/** The controller's identity policy, built only from CONTROLLER_PERMISSIONS. */
export function controllerPolicy(queueArn: string, autoScalingGroupArns: readonly string[]): iam.PolicyDocument {
  const resourcesFor = (scope: PermissionScope): string[] => {
    switch (scope) {
      case 'queue':
        return [queueArn];
      case 'any':
        return ['*'];
      case 'auto-scaling-groups':
        return autoScalingGroupArns.length > 0 ? [...autoScalingGroupArns] : ['*'];
    }
  };
  return new iam.PolicyDocument({
    statements: CONTROLLER_PERMISSIONS.map(
      (permission) =>
        new iam.PolicyStatement({
          sid: permission.sid,
          actions: permission.actions.map((entry) => entry.action),
          resources: resourcesFor(permission.scope),
        }),
    ),
  });
}

function irsaPrincipal(irsa: IrsaProps, serviceAccount: ServiceAccountRef): iam.IAssumeRolePrincipal {
  const issuer = issuerHost(irsa);
  return new iam.WebIdentityPrincipal(irsa.oidcProviderArn, {
    StringEquals: {
      [`${issuer}:sub`]: `system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`,
      [`${issuer}:aud`]: 'sts.amazonaws.com',
    },
  });
}

/**
 * Pod Identity assumes the role with session tags naming the namespace and service account (and
 * the cluster); conditioning on them keeps any other association in the account from using this
 * role, the counterpart of IRSA's `sub` condition.
 */
function podIdentityPrincipal(
  serviceAccount: ServiceAccountRef,
  clusterName: string | undefined,
): iam.IAssumeRolePrincipal {
  const tags: Record<string, string> = {
    'aws:RequestTag/kubernetes-namespace': serviceAccount.namespace,
    'aws:RequestTag/kubernetes-service-account': serviceAccount.name,
  };
  if (clusterName !== undefined) tags['aws:RequestTag/eks-cluster-name'] = clusterName;
  return new iam.ServicePrincipal(POD_IDENTITY_SERVICE).withConditions({ StringEquals: tags }).withSessionTags();
}

/** `oidc.eks.<region>.amazonaws.com/id/<ID>`, from the explicit issuer or the provider ARN. */
export function issuerHost(irsa: IrsaProps): string {
  if (irsa.oidcIssuer !== undefined) {
    if (Token.isUnresolved(irsa.oidcIssuer)) throw new Error('irsa.oidcIssuer must be a literal string, not a token');
    const host = irsa.oidcIssuer.replace(/^https:\/\//, '').replace(/\/+$/, '');
    if (host === '') throw new Error('irsa.oidcIssuer is empty');
    return host;
  }
  if (Token.isUnresolved(irsa.oidcProviderArn)) {
    throw new Error('irsa.oidcIssuer is required when irsa.oidcProviderArn is a token');
  }
  const marker = ':oidc-provider/';
  const at = irsa.oidcProviderArn.indexOf(marker);
  const host = at < 0 ? '' : irsa.oidcProviderArn.slice(at + marker.length);
  if (host === '') {
    throw new Error(`irsa.oidcProviderArn "${irsa.oidcProviderArn}" is not an OIDC provider ARN (…:oidc-provider/<issuer>)`);
  }
  return host;
}
