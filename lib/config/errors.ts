// The one error type configuration loading throws. Startup prints its message and exits, so the
// message must stand alone on one line: which option, which value, what would have been accepted.

export type ConfigErrorCode =
  | 'unknown-flag'
  | 'unexpected-argument'
  | 'missing-value'
  | 'invalid-value'
  | 'unknown-env'
  | 'conflict';

export interface ConfigErrorDetails {
  /** camelCase name of the option concerned, when there is one. */
  readonly option?: string;
  /** Where the bad input came from: `flag:--name` or `env:NAME`. */
  readonly source?: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code: ConfigErrorCode;
  readonly option: string | undefined;
  readonly source: string | undefined;

  constructor(code: ConfigErrorCode, message: string, details: ConfigErrorDetails = {}) {
    // A multi-line message would break "one line per startup failure"; fold any stray newline.
    super(message.replace(/\s*\n\s*/g, ' '));
    this.code = code;
    this.option = details.option;
    this.source = details.source;
  }
}

/** Longest raw value echoed in a message; a pasted template would otherwise flood the log line. */
const MAX_SHOWN = 120;

/**
 * The raw value as shown in an error: JSON-quoted (so empty strings, spaces and newlines are
 * visible and stay on one line), shortened, or withheld entirely for secrets.
 */
export function showRaw(raw: string, secret: boolean): string {
  if (secret) return `<redacted, ${raw.length} chars>`;
  const cut = raw.length > MAX_SHOWN ? `${raw.slice(0, MAX_SHOWN)}…` : raw;
  return JSON.stringify(cut);
}
