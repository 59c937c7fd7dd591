// Finds (building on first use) the Kubernetes, etcd and KWOK binaries for a version. The build
// itself is test/env/build/k8s.sh: a cold build takes 15-25 minutes, a cached one a second.
import { spawn } from 'node:child_process';
import { EnvironmentError } from './process.ts';

export interface Binaries {
  version: string;
  k8sBin: string;
  etcdBin: string;
  kwokBin: string;
}

export async function ensureBinaries(version = process.env.K8S_VERSION ?? ''): Promise<Binaries> {
  const script = new URL('./build/k8s.sh', import.meta.url).pathname;
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [script, version], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // The cold build is long: show progress lines so a waiting person (or CI log) sees why.
      for (const line of chunk.toString().split('\n')) if (line.startsWith('[k8s-build]')) process.stderr.write(`${line}\n`);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new EnvironmentError(`building Kubernetes ${version || '(default)'} failed (exit ${code}):\n${stderr.split('\n').slice(-30).join('\n')}`));
    });
  });
  const values = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] && match[2] !== undefined) values.set(match[1], match[2]);
  }
  const need = (key: string): string => {
    const value = values.get(key);
    if (!value) throw new EnvironmentError(`test/env/build/k8s.sh did not print ${key}; output was:\n${output}`);
    return value;
  };
  return { version: need('K8S_VERSION'), k8sBin: need('K8S_BIN'), etcdBin: need('ETCD_BIN'), kwokBin: need('KWOK_BIN') };
}
