// kubectl of the environment's own Kubernetes version (so client and server minor always match,
// on every minor of the matrix), and the deploy/ manifests as its built-in kustomize renders them.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { dumpYaml, loadAllYaml, type KubernetesObject } from '@kubernetes/client-node';
import { ensureBinaries } from '../../env/binaries.ts';
import type { EnvironmentCoordinates } from '../../env/environment.ts';

export const DEPLOY_DIR = new URL('../../../deploy/', import.meta.url).pathname;
export const BASE_DIR = join(DEPLOY_DIR, 'base');
export const OVERLAYS = ['irsa', 'pod-identity'] as const;

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Kubectl {
  /** Runs kubectl against the environment (admin kubeconfig); never throws on a non-zero exit. */
  run(args: string[], stdin?: string): Promise<KubectlResult>;
  /** `kubectl kustomize <dir>`, parsed into typed objects (V1Deployment, V1ClusterRole, …). */
  render(dir: string): Promise<KubernetesObject[]>;
}

export async function kubectlFor(env: Pick<EnvironmentCoordinates, 'k8sVersion' | 'kubeconfig'>): Promise<Kubectl> {
  // The same version the environment runs: binaries are cached by version, so this is instant.
  const binaries = await ensureBinaries(env.k8sVersion);
  const bin = join(binaries.k8sBin, 'kubectl');
  const run = (args: string[], stdin?: string): Promise<KubectlResult> => new Promise((resolve, reject) => {
    const child = spawn(bin, ['--kubeconfig', env.kubeconfig, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
  return {
    run,
    async render(dir) {
      const out = await run(['kustomize', dir]);
      if (out.code !== 0) throw new Error(`kubectl kustomize ${dir} failed (exit ${out.code}): ${out.stderr}`);
      return parseObjects(out.stdout);
    },
  };
}

export function parseObjects(yaml: string): KubernetesObject[] {
  const docs: unknown[] = loadAllYaml(yaml);
  return docs.filter((doc): doc is KubernetesObject => typeof doc === 'object' && doc !== null);
}

/** Objects back to one YAML stream, serialized with client-node's own field names. */
export function toYaml(objects: readonly KubernetesObject[]): string {
  return objects.map((object) => dumpYaml(object)).join('---\n');
}

export function findObject<T extends KubernetesObject>(objects: readonly KubernetesObject[], kind: string, name?: string): T {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
  if (!found) throw new Error(`no ${kind}${name ? ` ${name}` : ''} among ${objects.map((o) => `${o.kind}/${o.metadata?.name ?? ''}`).join(', ')}`);
  return found as T;
}

/** kubectl's PodSecurity admission warnings ("would violate PodSecurity …"), if any. */
export function podSecurityWarnings(stderr: string): string[] {
  return stderr.split('\n').filter((line) => /violate PodSecurity/i.test(line));
}
