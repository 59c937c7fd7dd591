// Runs the real command line (cmd/main.ts on this Node) as a user would, with a clean environment
// plus what the test gives, and returns its exit status and output.
import { execFile } from 'node:child_process';

const MAIN = new URL('../../cmd/main.ts', import.meta.url).pathname;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: readonly string[], env: Record<string, string> = {}, options: { timeoutMs?: number; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [MAIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      encoding: 'utf8',
      timeout: options.timeoutMs ?? 60_000,
      maxBuffer: 10 * 1024 * 1024,
    }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** The report line of a doctor check whose text matches, with its marker (ok, FAIL, warn, skip). */
export function doctorLine(stdout: string, pattern: RegExp): { mark: string; text: string; fix?: string } | undefined {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => /^ {2}(ok {2}|FAIL|warn|skip|note) {2}/.test(l) && pattern.test(l));
  if (at < 0) return undefined;
  const line = lines[at] ?? '';
  const next = lines[at + 1] ?? '';
  const fix = next.startsWith('        fix: ') ? next.slice('        fix: '.length) : undefined;
  return { mark: line.slice(2, 6).trim(), text: line.slice(8), ...(fix === undefined ? {} : { fix }) };
}
