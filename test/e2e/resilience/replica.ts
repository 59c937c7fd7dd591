// A controller replica as its own process (`node cmd/main.ts run`), so a test can kill -9 it at
// any moment, exactly as a node failure or an OOM kill would, and read its JSON log lines.
import { spawn, type ChildProcess } from 'node:child_process';
import type { SharedEnvironment } from '../../env/environment.ts';
import type { TestQueue } from '../../env/helpers/queue.ts';
import { waitFor } from '../../env/helpers/wait.ts';
import { TEST_CREDENTIALS } from '../../env/moto.ts';

export type LogLine = Record<string, unknown> & { msg?: string };

const MAIN = new URL('../../../cmd/main.ts', import.meta.url).pathname;

export class Replica {
  readonly name: string;
  readonly lines: LogLine[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private stderr = '';

  private constructor(name: string, child: ChildProcess) {
    this.name = name;
    this.child = child;
    let pending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        if (!line.trim()) continue;
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          this.lines.push({ msg: line });
        }
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  }

  static start(env: SharedEnvironment, queue: TestQueue, name: string, settings: Record<string, string> = {}): Replica {
    const child = spawn(process.execPath, [MAIN, 'run'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
        QUEUE_URL: queue.queueUrl,
        AWS_REGION: env.region,
        AWS_ENDPOINT: env.awsEndpoint,
        NTH_KUBECONFIG: env.kubeconfig,
        POD_NAME: name,
        NAMESPACE: 'default',
        JSON_LOGGING: 'true',
        LOG_LEVEL: 'debug',
        ENABLE_PROMETHEUS_SERVER: 'false',
        ENABLE_PROBES_SERVER: 'false',
        ...settings,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Replica(name, child);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async waitForLog(what: string, match: (line: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> {
    const line = await waitFor(`${this.name}: ${what}`, () => {
      const found = this.lines.find(match);
      const last = this.lines.at(-1)?.msg ?? (this.stderr.trim().split('\n').at(-1) || 'no output');
      return Promise.resolve({ done: found !== undefined, seen: `${this.lines.length} lines, last: ${String(last)}`, value: found });
    }, { timeoutMs, intervalMs: 50 });
    if (!line) throw new Error(`${this.name}: ${what} not seen`);
    return line;
  }

  kill9(): void {
    this.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
