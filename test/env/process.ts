// Starting and stopping the servers of the test environment: each runs in its own process group
// with its output in a log file, is registered with the reaper so it cannot outlive the test
// process, and is stopped TERM-then-KILL so ports are free when stop() returns.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, openSync, closeSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

/** Owns the state folder of one environment and the reaper watching it. */
export class ProcessGroup {
  readonly dir: string;
  private readonly processes: ManagedProcess[] = [];
  private reaper: ChildProcess | undefined;

  constructor(dir: string) {
    this.dir = dir;
    const script = new URL('./reaper.sh', import.meta.url).pathname;
    this.reaper = spawn('bash', [script, String(process.pid), dir], { detached: true, stdio: 'ignore' });
    this.reaper.unref();
  }

  start(spec: ProcessSpec): ManagedProcess {
    const managed = new ManagedProcess(spec, this.dir);
    appendFileSync(join(this.dir, 'pids'), `${managed.pid}\n`);
    this.processes.push(managed);
    return managed;
  }

  /** Stops every process (newest first), then the reaper. */
  async stopAll(): Promise<void> {
    for (const managed of [...this.processes].reverse()) await managed.stop();
    this.processes.length = 0;
    if (this.reaper?.pid !== undefined) {
      try {
        process.kill(this.reaper.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    this.reaper = undefined;
  }
}

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export class ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private exitCode: number | null | undefined;

  constructor(spec: ProcessSpec, dir: string) {
    this.name = spec.name;
    this.logFile = join(dir, `${spec.name}.log`);
    const fd = openSync(this.logFile, 'a');
    this.child = spawn(spec.command, spec.args, {
      cwd: spec.cwd ?? dir,
      env: spec.env ?? process.env,
      detached: true, // own process group, so stop() also ends its children
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    if (this.child.pid === undefined) throw new EnvironmentError(`${spec.name}: could not start ${spec.command}`);
    this.pid = this.child.pid;
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        resolve(this.exitCode);
      });
      this.child.once('error', () => resolve(-1));
    });
    this.child.unref();
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** The last lines of the log, for error messages that say why a server did not come up. */
  logTail(lines = 25): string {
    if (!existsSync(this.logFile)) return '(no log)';
    return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  }

  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    signalGroup(this.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(this.pid, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Polls `probe` until it returns true; fails with what was awaited, the last error and the log. */
export async function waitUntilReady(
  what: string,
  managed: ManagedProcess | undefined,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const start = Date.now();
  let last = 'not ready';
  while (Date.now() - start < timeoutMs) {
    if (managed && !managed.running) {
      throw new EnvironmentError(`${what}: process exited before it was ready. Log ${managed.logFile}:\n${managed.logTail()}`);
    }
    try {
      if (await probe()) return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const log = managed ? `\nLog ${managed.logFile}:\n${managed.logTail()}` : '';
  throw new EnvironmentError(`${what}: not ready after ${timeoutMs} ms (last: ${last})${log}`);
}

export function writeFile(path: string, content: string): string {
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}
