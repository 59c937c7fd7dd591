// The CDK app entry (see cdk.json next to this file): one environment-agnostic stack configured
// from context, e.g. `npm exec -- cdk synth -c clusterName=demo -c asgNames=ng-a,ng-b`.

import { App } from 'aws-cdk-lib';
import { createStack } from './stack.ts';

const app = new App();
createStack(app, (key) => app.node.tryGetContext(key) as unknown);
app.synth();
