// What the `config` command and --help print: effective values with their origin (secrets
// redacted), and the list of every option. Text only; the CLI decides where it goes.
import type { LoadedConfig } from './load.ts';
import { OPTIONS, type OptionName } from './schema.ts';
import type { ConfigSource } from './sources.ts';

export interface ConfigEntry {
  readonly name: OptionName;
  readonly flag: string;
  /** Canonical env name. */
  readonly env: string;
  /** Display text of the effective value; `<redacted>` stands in for secrets. */
  readonly value: string;
  readonly source: ConfigSource;
}

export const REDACTED = '<redacted>';

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === '') return true;
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

/**
 * Secrets are hidden but their shape is kept: "set or not" and, for header maps, which header
 * names are present are exactly what one checks when a webhook misbehaves.
 */
function redact(value: unknown): string {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return JSON.stringify(Object.fromEntries(Object.keys(value).map((k) => [k, REDACTED])));
  }
  return REDACTED;
}

export function describeConfig(loaded: LoadedConfig): readonly ConfigEntry[] {
  return OPTIONS.map(({ name, flag, spec }) => {
    const value: unknown = loaded.config[name];
    return {
      name,
      flag,
      env: spec.env[0],
      value: spec.secret && !isEmpty(value) ? redact(value) : spec.type.format(value),
      source: loaded.sources[name],
    };
  });
}

/** Longest value shown in the table; a webhook template would otherwise wreck the alignment. */
const MAX_VALUE = 60;

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n');
}

/** Aligned columns FLAG, ENV, VALUE, SOURCE, one option per line. */
export function formatConfigTable(entries: readonly ConfigEntry[]): string {
  const rows = entries.map((e) => [
    e.flag,
    e.env,
    e.value.length > MAX_VALUE ? `${e.value.slice(0, MAX_VALUE - 1)}…` : e.value,
    e.source,
  ]);
  return `${table([['FLAG', 'ENV', 'VALUE', 'SOURCE'], ...rows])}\n`;
}

/** --help text: every option with its flag, env names, default, allowed values and description. */
export function formatOptionsHelp(): string {
  const blocks = OPTIONS.map(({ flag, spec }) => {
    const kind = spec.type.kind;
    const usage = kind === 'boolean' || kind === 'optional-boolean'
      ? `--[no-]${flag.slice(2)}`
      : `${flag} ${spec.type.placeholder}`;
    return [
      `  ${usage}`,
      `      ${spec.description}`,
      `      env: ${spec.env.join(', ')}; default: ${spec.type.format(spec.default)}; allowed: ${spec.type.allowed}`,
    ].join('\n');
  });
  return [
    'Options (a flag overrides its environment variable, which overrides the default;',
    'an environment variable set to "" counts as unset):',
    '',
    blocks.join('\n\n'),
    '',
  ].join('\n');
}
