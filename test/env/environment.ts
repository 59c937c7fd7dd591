// The whole local environment (Kubernetes control plane + moto) as one object, and the way test
// files reach it: under `npm test` the global setup starts one environment for the run and passes
// its coordinates through NTH_TEST_* variables; a test file run on its own starts its own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { ensureBinaries } from './binaries.ts';
import { Cluster } from './cluster.ts';
import { MotoHarness, MotoServer, TEST_REGION } from './moto.ts';
import { ProcessGroup } from './process.ts';

/** What a test needs to reach the environment; plain data, so it crosses process boundaries. */
export interface EnvironmentCoordinates {
  k8sVersion: string;
  kubeconfig: string;
  kubeServer: string;
  kubeCaFile: string;
  awsEndpoint: string;
  region: string;
  dir: string;
}

export interface SharedEnvironment extends EnvironmentCoordinates {
  moto: MotoHarness;
}

export class TestEnvironment {
  readonly cluster: Cluster;
  readonly moto: MotoServer;
  readonly coordinates: EnvironmentCoordinates;
  private readonly group: ProcessGroup;

  private constructor(group: ProcessGroup, cluster: Cluster, moto: MotoServer) {
    this.group = group;
    this.cluster = cluster;
    this.moto = moto;
    this.coordinates = {
      k8sVersion: cluster.info.version,
      kubeconfig: cluster.info.kubeconfig,
      kubeServer: cluster.info.server,
      kubeCaFile: cluster.info.caFile,
      awsEndpoint: moto.endpoint,
      region: TEST_REGION,
      dir: group.dir,
    };
  }

  /** Builds (first time only) and starts everything; on failure, stops what it started. */
  static async start(version?: string): Promise<TestEnvironment> {
    const binaries = await ensureBinaries(version);
    const dir = mkdtempSync(join(tmpdir(), 'nth-env-'));
    const group = new ProcessGroup(dir);
    try {
      const [cluster, moto] = await Promise.all([Cluster.start(binaries, group), MotoServer.start(group)]);
      return new TestEnvironment(group, cluster, moto);
    } catch (error) {
      await group.stopAll();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  get shared(): SharedEnvironment {
    return { ...this.coordinates, moto: this.moto };
  }

  /** Ends every process and removes the state folder. */
  async stop(): Promise<void> {
    await this.group.stopAll();
    rmSync(this.group.dir, { recursive: true, force: true });
  }
}

const ENV_VAR = 'NTH_TEST_ENVIRONMENT';

export function exportCoordinates(coordinates: EnvironmentCoordinates): void {
  process.env[ENV_VAR] = JSON.stringify(coordinates);
}

/**
 * The environment for a test file: the run's shared one when the global setup started it,
 * otherwise one of its own, stopped after the file's tests. Call it with a top-level await (so
 * the teardown is registered at the file's root). Never skips: if the environment cannot start,
 * this throws and the file fails with the reason.
 */
export async function useEnvironment(): Promise<SharedEnvironment> {
  const exported = process.env[ENV_VAR];
  if (exported) {
    const coordinates = JSON.parse(exported) as EnvironmentCoordinates;
    return { ...coordinates, moto: new MotoHarness(coordinates.awsEndpoint) };
  }
  const environment = await TestEnvironment.start();
  after(() => environment.stop());
  return environment.shared;
}
