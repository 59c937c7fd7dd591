// doctor's report: one line per check, grouped by area, the fix under each failure or warning,
// and a last line of counts. Plain text; markers are words so the report greps and reads the same
// without colour.
import type { CheckResult, CheckStatus } from './types.ts';

const MARK: Record<CheckStatus, string> = { pass: 'ok  ', fail: 'FAIL', warn: 'warn', skip: 'skip', note: 'note' };

export function formatReport(results: readonly CheckResult[]): string {
  const areas = [...new Set(results.map((r) => r.area))];
  const lines: string[] = [];
  for (const area of areas) {
    lines.push(area);
    for (const r of results.filter((x) => x.area === area)) {
      lines.push(`  ${MARK[r.status]}  ${r.message}`);
      if (r.fix !== undefined && (r.status === 'fail' || r.status === 'warn' || r.status === 'skip')) lines.push(`        fix: ${r.fix}`);
    }
  }
  const count = (s: CheckStatus): number => results.filter((r) => r.status === s).length;
  // Not "N passed, N failed": CI reads a line of that shape as a test runner's result.
  lines.push('', `doctor result: ${count('fail') === 0 ? 'OK' : 'PROBLEMS FOUND'} (${count('pass')} ok, ${count('fail')} failing, ${count('warn')} warnings, ${count('skip')} not checked)`);
  return `${lines.join('\n')}\n`;
}

export const hasFailures = (results: readonly CheckResult[]): boolean => results.some((r) => r.status === 'fail');
