// Reading raw option text from the command line and from the environment. Nothing is parsed into
// typed values here; this only finds which text applies to which option and where it came from.
import { ConfigError, showRaw } from './errors.ts';
import { optionLabel } from './option.ts';
import { OPTIONS, type OptionEntry, type OptionName } from './schema.ts';
import { didYouMean } from './suggest.ts';

/** Where an effective value came from, as `describeConfig` reports it. */
export type ConfigSource = 'default' | `env:${string}` | `flag:${string}`;

export interface RawValue {
  readonly text: string;
  readonly source: Exclude<ConfigSource, 'default'>;
  /** The env variable that supplied it, for error labels that name an alias. */
  readonly env?: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

const BY_FLAG = new Map(OPTIONS.map((o) => [o.flag, o]));
const ALL_ENV = new Set(OPTIONS.flatMap((o) => o.spec.env));
const ALL_FLAGS = OPTIONS.map((o) => o.flag);

const isBoolean = (o: OptionEntry): boolean => o.spec.type.kind === 'boolean' || o.spec.type.kind === 'optional-boolean';

/**
 * Flags in Go's style, which NTH users know: `--name value`, `--name=value`, and for booleans a
 * bare `--name` (true) or `--no-name` (false). A boolean never takes the next word as its value,
 * so `--dry-run false` is an error rather than a silent true. When a flag repeats, the last wins.
 */
export function readFlags(argv: readonly string[]): Map<OptionName, RawValue> {
  const found = new Map<OptionName, RawValue>();
  let bareBoolean: OptionEntry | undefined; // the previous word, if it was a boolean flag alone
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (!token.startsWith('--')) {
      if (token.startsWith('-') && token.length > 1) {
        throw new ConfigError('unknown-flag', `unknown flag ${token}; flags start with --${didYouMean(`-${token}`, ALL_FLAGS)}`);
      }
      const hint = bareBoolean === undefined
        ? 'options are given as --name value or --name=value'
        : `boolean flags take no separate value; write ${bareBoolean.flag}=${token}`;
      throw new ConfigError('unexpected-argument', `unexpected argument ${showRaw(token, false)}; ${hint}`);
    }
    bareBoolean = undefined;
    const eq = token.indexOf('=');
    const flag = eq < 0 ? token : token.slice(0, eq);
    const inline = eq < 0 ? undefined : token.slice(eq + 1);
    const entry = BY_FLAG.get(flag);
    const negated = entry === undefined && flag.startsWith('--no-') ? BY_FLAG.get(`--${flag.slice(5)}`) : undefined;

    if (negated !== undefined && isBoolean(negated)) {
      if (inline !== undefined) {
        throw new ConfigError('invalid-value', `${flag} takes no value; use ${negated.flag}=${inline} instead`,
          { option: negated.name, source: `flag:${flag}` });
      }
      found.set(negated.name, { text: 'false', source: `flag:${flag}` });
      continue;
    }
    if (entry === undefined) {
      const hint = negated !== undefined ? `; --no- applies only to boolean options` : didYouMean(flag, ALL_FLAGS);
      throw new ConfigError('unknown-flag', `unknown flag ${flag}${hint}`);
    }
    let text = inline;
    if (text === undefined && isBoolean(entry)) {
      text = 'true';
      bareBoolean = entry;
    }
    if (text === undefined) {
      const next = argv[i + 1];
      // A following flag means the value was forgotten; taking "--workers" as a tag would hide it.
      if (next === undefined || next.startsWith('--')) {
        throw new ConfigError('missing-value',
          `missing value for ${optionLabel(entry.name, entry.spec)}; allowed: ${entry.spec.type.allowed}`,
          { option: entry.name, source: `flag:${flag}` });
      }
      text = next;
      i++;
    }
    found.set(entry.name, { text, source: `flag:${flag}` });
  }
  return found;
}

/**
 * The first of the option's env names that is set to something non-empty. Empty counts as unset
 * because NTH's Helm chart renders every unset value as "" and NTH itself then uses the default.
 */
export function readEnv(entry: OptionEntry, env: Env): RawValue | undefined {
  for (const name of entry.spec.env) {
    const text = env[name];
    if (text !== undefined && text !== '') return { text, source: `env:${name}`, env: name };
  }
  return undefined;
}

// Kubernetes injects <SERVICE>_SERVICE_HOST, <SERVICE>_PORT_8080_TCP, … for every Service in the
// namespace; a Service named "nth" or "nth-metrics" must not make startup fail.
const SERVICE_LINK = /^NTH(_[A-Z0-9_]+)?_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)$/;

/**
 * Unrelated variables are none of our business, but NTH_ is our prefix: a name there that matches
 * no option is almost certainly a typo that would otherwise be silently ignored.
 */
export function checkEnvNames(env: Env): void {
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('NTH_') || ALL_ENV.has(name) || SERVICE_LINK.test(name)) continue;
    const known = [...ALL_ENV].filter((n) => n.startsWith('NTH_'));
    throw new ConfigError('unknown-env',
      `unknown environment variable ${name}: the NTH_ prefix is reserved for options${didYouMean(name, known)}`,
      { source: `env:${name}` });
  }
}
