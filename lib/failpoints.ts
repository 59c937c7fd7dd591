// Named points where the process kills itself (SIGKILL, no cleanup) when NTH_FAILPOINTS lists
// them: the crash-safety tests use them to die at moments too short to hit from outside, such as
// between completing a lifecycle hook and deleting its message. Off unless configured.
let active: ReadonlySet<string> = new Set();

export type FailpointName = 'after-lifecycle-complete' | 'after-cordon';

export function setFailpoints(names: readonly string[]): void {
  active = new Set(names);
}

export function failpoint(name: FailpointName): void {
  if (!active.has(name)) return;
  process.stderr.write(`failpoint ${name}: killing the process\n`);
  process.kill(process.pid, 'SIGKILL');
}
