// The handler under test as a subprocess in its own process group, so its memory and CPU are its
// own: /proc of every process in the group is read (peak RSS from VmHWM, CPU from utime+stime),
// sampled every second while it runs and once more just before it is stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readdirSync, readFileSync } from 'node:fs';

export interface ProcessUsage {
  /** Peak resident set size (the largest VmHWM, or sampled VmRSS sum across the group). */
  peakRssBytes: number;
  /** User + system CPU seconds of the processes in the group. */
  cpuSeconds: number;
  processes: number;
}

export interface HandlerSpec {
  /** argv, run directly (our controller), or a shell command line (--compare). */
  command: string[] | string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  logFile: string;
  /** The environment's pid list, so its reaper also ends the handler if the bench dies. */
  reaperPids?: string;
}

const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

/** Every handler still running, so an interrupted bench can end them (the reaper is gone by then). */
export const runningHandlers = new Set<HandlerProcess>();

export class HandlerProcess {
  readonly pid: number;
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private readonly sampler: NodeJS.Timeout;
  private peakSampledRss = 0;
  private last: ProcessUsage = { peakRssBytes: 0, cpuSeconds: 0, processes: 0 };
  private running = true;

  constructor(spec: HandlerSpec) {
    const fd = openSync(spec.logFile, 'a');
    const [file, args] = typeof spec.command === 'string' ? ['sh', ['-c', spec.command]] as const : [spec.command[0] ?? '', spec.command.slice(1)] as const;
    this.child = spawn(file, args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    if (this.child.pid === undefined) throw new Error(`could not start ${String(spec.command)}`);
    this.pid = this.child.pid;
    if (spec.reaperPids) appendFileSync(spec.reaperPids, `${this.pid}\n`);
    runningHandlers.add(this);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => {
      this.running = false;
      runningHandlers.delete(this);
      resolve(code);
    }));
    this.sampler = setInterval(() => this.sample(), 1000);
  }

  get alive(): boolean {
    return this.running;
  }

  /** Reads /proc now; the figures also remember the peaks of earlier samples. */
  sample(): ProcessUsage {
    if (!this.running) return this.last;
    let hwm = 0;
    let rss = 0;
    let ticks = 0;
    let processes = 0;
    for (const pid of groupMembers(this.pid)) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        hwm = Math.max(hwm, kib(status, 'VmHWM'));
        rss += kib(status, 'VmRSS');
        processes += 1;
      } catch {
        // the process ended between the listing and the read
      }
    }
    if (processes === 0) return this.last;
    this.peakSampledRss = Math.max(this.peakSampledRss, rss);
    this.last = { peakRssBytes: Math.max(hwm, this.peakSampledRss), cpuSeconds: ticks / CLOCK_TICKS, processes };
    return this.last;
  }

  signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // already gone
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; returns the usage read just before. */
  async stop(graceMs = 15_000): Promise<ProcessUsage> {
    const usage = this.sample();
    clearInterval(this.sampler);
    if (this.running) {
      this.signal('SIGTERM');
      const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return usage;
  }
}

/** PIDs whose process group is `pgid`. */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) members.push(Number(entry)); // pgrp is field 5
    } catch {
      // gone
    }
  }
  return members;
}

function kib(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}
