// The shape of one option in the schema and the names derived from it. The value type T flows
// from the parser into `default` and, through the schema, into the Config type.
import type { ValueType } from './parse-value.ts';

export interface OptionSpec<T> {
  readonly type: ValueType<T>;
  /**
   * Environment variable names. The first is canonical (shown in help and errors); the others are
   * aliases, consulted in the order listed when the canonical one is unset or empty.
   */
  readonly env: readonly [string, ...string[]];
  readonly default: T;
  /** One line for --help. */
  readonly description: string;
  /** Redacted by describeConfig and never echoed in error messages. */
  readonly secret: boolean;
}

/**
 * Declares an option. `NoInfer` makes the parser alone decide T, so a default that the parser
 * could never produce (a misspelt enum word, a string for a number) is a type error.
 */
export function option<T>(spec: {
  type: ValueType<T>;
  env: readonly [string, ...string[]];
  default: NoInfer<T>;
  description: string;
  secret?: boolean;
}): OptionSpec<T> {
  return { ...spec, secret: spec.secret ?? false };
}

/** `queueUrl` → `--queue-url`: flags are derived, so they cannot drift from the field names. */
export function flagOf(name: string): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * How errors name an option: `TAINT_EFFECT (--taint-effect)`. When an alias supplied the value,
 * that alias is named first so the user finds the variable they actually set.
 */
export function optionLabel(name: string, spec: OptionSpec<unknown>, usedEnv?: string): string {
  const canonical = spec.env[0];
  if (usedEnv !== undefined && usedEnv !== canonical) {
    return `${usedEnv} (alias of ${canonical}, ${flagOf(name)})`;
  }
  return `${canonical} (${flagOf(name)})`;
}
