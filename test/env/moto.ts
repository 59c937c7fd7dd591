// moto on loopback, started through test/env/moto/launcher.py, which adds the Auto Scaling
// lifecycle calls moto lacks and harness endpoints to start lifecycle actions and read the calls.
import { execFileSync } from 'node:child_process';
import { freePort } from './ports.ts';
import { EnvironmentError, type ManagedProcess, type ProcessGroup, waitUntilReady } from './process.ts';

export const TEST_REGION = 'us-east-1';
export const TEST_ACCOUNT = '123456789012';
/** moto accepts any credentials; these keep the SDK from looking for real ones. */
export const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export interface LifecycleCall {
  call: 'CompleteLifecycleAction' | 'RecordLifecycleActionHeartbeat' | 'Expired';
  /** Seconds since the epoch, as moto's clock saw it. */
  time: number;
  autoScalingGroupName: string;
  lifecycleHookName: string;
  token: string | null;
  instanceId: string | null;
  result?: string;
  /** 'ok' or the ValidationError the caller got. */
  outcome: string;
}

/** The harness endpoints of a running moto; usable from any process that knows the endpoint. */
export class MotoHarness {
  readonly endpoint: string;

  constructor(endpoint: string) {
    this.endpoint = endpoint;
  }

  /** Forgets every queue, instance, group and rule (moto's own reset). */
  async reset(): Promise<void> {
    const res = await fetch(`${this.endpoint}/moto-api/reset`, { method: 'POST' });
    if (!res.ok) throw new EnvironmentError(`moto reset answered ${res.status}`);
  }

  /** Starts a lifecycle action as a scale-in (or scale-out) would; returns its token. */
  async startLifecycleAction(args: { autoScalingGroupName: string; lifecycleHookName: string; instanceId: string; region?: string }): Promise<string> {
    const res = await fetch(`${this.endpoint}/moto-api/nth-harness/lifecycle-actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ region: TEST_REGION, ...args }),
    });
    const body = (await res.json()) as { token?: string; error?: string };
    if (!res.ok || !body.token) throw new EnvironmentError(`starting a lifecycle action failed: ${body.error ?? res.status}`);
    return body.token;
  }

  /** Every CompleteLifecycleAction / RecordLifecycleActionHeartbeat call and expiry so far. */
  async lifecycleCalls(region = TEST_REGION): Promise<LifecycleCall[]> {
    const res = await fetch(`${this.endpoint}/moto-api/nth-harness/lifecycle-calls?region=${region}`);
    const body = (await res.json()) as { calls: LifecycleCall[] };
    return body.calls;
  }
}

/** The moto process itself, for the environment that owns it (and fault tests that stop it). */
export class MotoServer extends MotoHarness {
  private readonly group: ProcessGroup;
  private readonly port: number;
  private process: ManagedProcess | undefined;

  private constructor(group: ProcessGroup, port: number) {
    super(`http://127.0.0.1:${port}`);
    this.group = group;
    this.port = port;
  }

  static async start(group: ProcessGroup): Promise<MotoServer> {
    const ensure = new URL('./moto/ensure.sh', import.meta.url).pathname;
    try {
      execFileSync('bash', [ensure], { stdio: ['ignore', 'inherit', 'pipe'] });
    } catch (error) {
      throw new EnvironmentError(`moto is not installed and pip could not install it: ${String(error)}`);
    }
    const server = new MotoServer(group, await freePort());
    await server.startProcess();
    return server;
  }

  /** Starts moto (again, after stop() in a fault test) on the same port. */
  async startProcess(): Promise<void> {
    if (this.process?.running) return;
    const launcher = new URL('./moto/launcher.py', import.meta.url).pathname;
    this.process = this.group.start({ name: 'moto', command: 'python3', args: [launcher, '--port', String(this.port)] });
    await waitUntilReady('moto', this.process, async () => (await fetch(`${this.endpoint}/moto-api/data.json`)).ok, 30_000);
  }

  async stopProcess(): Promise<void> {
    await this.process?.stop();
  }
}
