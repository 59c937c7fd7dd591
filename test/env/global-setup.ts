// `node --test --test-global-setup=test/env/global-setup.ts`: one environment for the whole run,
// started before the first test file and torn down after the last, also when tests fail.
import { exportCoordinates, TestEnvironment } from './environment.ts';

let environment: TestEnvironment | undefined;

export async function globalSetup(): Promise<void> {
  const started = Date.now();
  environment = await TestEnvironment.start();
  exportCoordinates(environment.coordinates);
  process.stderr.write(`[test-env] Kubernetes ${environment.coordinates.k8sVersion} and moto ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${environment.coordinates.dir})\n`);
}

export async function globalTeardown(): Promise<void> {
  await environment?.stop();
  environment = undefined;
}
