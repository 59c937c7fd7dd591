// loadConfig: flags > env > default for every option, each value parsed by its option's type,
// then the cross-field rules. Pure: the caller passes argv and env, so tests need no process state.
import { checkCrossField } from './checks.ts';
import { ConfigError, showRaw } from './errors.ts';
import { optionLabel } from './option.ts';
import { InvalidValue } from './parse-value.ts';
import { OPTIONS, type Config, type OptionEntry, type OptionName } from './schema.ts';
import { checkEnvNames, readEnv, readFlags, type ConfigSource, type Env, type RawValue } from './sources.ts';

export interface LoadInput {
  /** Command-line words after the program (and any subcommand), like process.argv.slice(2). */
  readonly argv: readonly string[];
  /** Usually process.env. */
  readonly env: Env;
}

export interface LoadedConfig {
  readonly config: Config;
  readonly sources: Readonly<Record<OptionName, ConfigSource>>;
}

function parseRaw(entry: OptionEntry, raw: RawValue): unknown {
  try {
    return entry.spec.type.parse(raw.text);
  } catch (err) {
    if (!(err instanceof InvalidValue)) throw err;
    throw new ConfigError('invalid-value',
      `invalid ${optionLabel(entry.name, entry.spec, raw.env)}: ${showRaw(raw.text, entry.spec.secret)}; ` +
        `allowed: ${entry.spec.type.allowed}`,
      { option: entry.name, source: raw.source });
  }
}

/** Lists and maps are frozen too, so no consumer can change what another one reads. */
function frozen(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? Object.freeze(value) : value;
}

/** Loads the configuration and records where each value came from (for `describeConfig`). */
export function loadConfigWithSources(input: LoadInput): LoadedConfig {
  const flags = readFlags(input.argv);
  checkEnvNames(input.env);
  const values: Record<string, unknown> = {};
  const sources: Record<string, ConfigSource> = {};
  for (const entry of OPTIONS) {
    const raw = flags.get(entry.name) ?? readEnv(entry, input.env);
    values[entry.name] = frozen(raw === undefined ? entry.spec.default : parseRaw(entry, raw));
    sources[entry.name] = raw === undefined ? 'default' : raw.source;
  }
  // The casts are sound by construction: every key of OPTIONS is an OptionName, and each value
  // came from that option's own parser or default, whose type the schema ties to Config[K].
  const config = Object.freeze(values) as Config;
  checkCrossField(config);
  return Object.freeze({ config, sources: Object.freeze(sources) as Record<OptionName, ConfigSource> });
}

/** Loads the configuration; throws ConfigError (one-line message) on any bad input. */
export function loadConfig(input: LoadInput): Config {
  return loadConfigWithSources(input).config;
}
