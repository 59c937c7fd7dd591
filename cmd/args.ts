// Flags of the subcommands (doctor, send-test-event, demo, …). Each command takes its own few flags
// out of argv and hands the rest to the configuration loader, so every controller option
// (--queue-url, --aws-region, …) works on every command without being declared twice.

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CommandFlag {
  /** With the leading dashes: `--kind`. */
  readonly flag: string;
  /** Takes a value (`--kind spot`, `--kind=spot`); otherwise a bare switch. */
  readonly value: boolean;
  /** May be given more than once (values accumulate); otherwise the last one wins. */
  readonly repeat?: boolean;
}

export interface TakenFlags {
  readonly values: ReadonlyMap<string, readonly string[]>;
  /** Everything that is not one of the command's flags, in order, for loadConfigWithSources. */
  readonly rest: string[];
}

export function takeFlags(argv: readonly string[], flags: readonly CommandFlag[]): TakenFlags {
  const byName = new Map(flags.map((f) => [f.flag, f]));
  const values = new Map<string, string[]>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    const eq = token.indexOf('=');
    const name = token.startsWith('--') && eq > 0 ? token.slice(0, eq) : token;
    const spec = byName.get(name);
    if (spec === undefined) {
      rest.push(token);
      continue;
    }
    let value: string;
    if (!spec.value) {
      if (eq > 0) throw new UsageError(`${spec.flag} takes no value`);
      value = 'true';
    } else if (eq > 0) {
      value = token.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`missing value for ${spec.flag}`);
      value = next;
      i++;
    }
    const list = values.get(spec.flag) ?? [];
    values.set(spec.flag, spec.repeat ? [...list, value] : [value]);
  }
  return { values, rest };
}

/** The single value of a flag, or undefined. */
export function flagValue(taken: TakenFlags, flag: string): string | undefined {
  return taken.values.get(flag)?.at(-1);
}

export function flagSet(taken: TakenFlags, flag: string): boolean {
  return taken.values.has(flag);
}

export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** Where a command writes; tests pass their own. */
export interface CommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

export const processIo = (): CommandIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });
