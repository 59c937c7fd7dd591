// Typed value parsers, one per kind of option. Each turns the raw text of a flag or env variable
// into a typed value or throws InvalidValue; the loader adds which option it was, so parsers stay
// reusable and their tests small. `allowed` is the text error messages and --help show.

export type ValueKind =
  | 'string'
  | 'url'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'optional-boolean'
  | 'enum'
  | 'duration'
  | 'list'
  | 'map'
  | 'json';

export interface ValueType<T> {
  readonly kind: ValueKind;
  /** Short hint after the flag in --help, e.g. `<url>`. */
  readonly placeholder: string;
  /** What is accepted, e.g. `an integer from 1 to 1000`. */
  readonly allowed: string;
  parse(raw: string): T;
  // Method (not property) syntax on purpose: methods are checked bivariantly, which keeps
  // ValueType<string> assignable to ValueType<unknown> so the loader can walk the whole schema
  // without casts. Output is for humans (help, `config`), not meant to be parsed back.
  format(value: T): string;
}

/** Thrown by `parse`; carries no option name because the parser does not know it. */
export class InvalidValue extends Error {
  override readonly name = 'InvalidValue';
}

interface Range {
  readonly min?: number;
  readonly max?: number;
}

function rangeText({ min, max }: Range): string {
  if (min !== undefined && max !== undefined) return `from ${min} to ${max}`;
  if (min !== undefined) return `>= ${min}`;
  if (max !== undefined) return `<= ${max}`;
  return '';
}

function inRange(n: number, { min, max }: Range): boolean {
  return (min === undefined || n >= min) && (max === undefined || n <= max);
}

const quote = (s: string): string => JSON.stringify(s);

/** Free text. Not trimmed: a tag or path is taken exactly as written. */
export function text(rule: { pattern?: RegExp; allowed?: string; nonEmpty?: boolean } = {}): ValueType<string> {
  return {
    kind: 'string',
    placeholder: '<string>',
    allowed: rule.allowed ?? (rule.nonEmpty ? 'any non-empty text' : 'any text'),
    parse(raw) {
      if (raw === '') {
        if (rule.nonEmpty) throw new InvalidValue();
        return raw;
      }
      if (rule.pattern && !rule.pattern.test(raw)) throw new InvalidValue();
      return raw;
    },
    format: quote,
  };
}

/** An http(s) URL, or empty for "not configured"; every URL option here is optional. */
export function url(): ValueType<string> {
  return {
    kind: 'url',
    placeholder: '<url>',
    allowed: 'an http:// or https:// URL, or empty',
    parse(raw) {
      const value = raw.trim();
      if (value === '') return value;
      const parsed = URL.canParse(value) ? new URL(value) : undefined;
      if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.host === '') {
        throw new InvalidValue();
      }
      return value;
    },
    // Proxy URLs often carry user:password; never print the password.
    format(value) {
      if (value === '' || !URL.canParse(value)) return quote(value);
      const parsed = new URL(value);
      if (parsed.password !== '') parsed.password = '***';
      return quote(parsed.password === '' ? value : parsed.href);
    },
  };
}

const INTEGER = /^[+-]?\d+$/;

export function integer(range: Range = {}): ValueType<number> {
  return {
    kind: 'integer',
    placeholder: '<int>',
    allowed: `an integer ${rangeText(range)}`.trim(),
    parse(raw) {
      const value = raw.trim();
      const n = Number(value);
      if (!INTEGER.test(value) || !Number.isSafeInteger(n) || !inRange(n, range)) throw new InvalidValue();
      return n;
    },
    format: (value) => String(value),
  };
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A finite number; `above` is an exclusive lower bound (a rate of 0 makes no sense). */
export function decimal(bounds: { above?: number; max?: number } = {}): ValueType<number> {
  const parts = [
    bounds.above !== undefined ? `> ${bounds.above}` : '',
    bounds.max !== undefined ? `<= ${bounds.max}` : '',
  ].filter((p) => p !== '');
  return {
    kind: 'number',
    placeholder: '<number>',
    allowed: ['a number', parts.join(' and ')].join(' ').trim(),
    parse(raw) {
      const value = raw.trim();
      const n = Number(value);
      const ok =
        DECIMAL.test(value) &&
        Number.isFinite(n) &&
        (bounds.above === undefined || n > bounds.above) &&
        (bounds.max === undefined || n <= bounds.max);
      if (!ok) throw new InvalidValue();
      return n;
    },
    format: (value) => String(value),
  };
}

const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);
const BOOLEAN_ALLOWED = 'true, false, 1, 0, yes, no';

function parseBoolean(raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new InvalidValue();
}

export function bool(): ValueType<boolean> {
  return { kind: 'boolean', placeholder: '', allowed: BOOLEAN_ALLOWED, parse: parseBoolean, format: (v) => String(v) };
}

/** A boolean whose absence means "decide at run time" (e.g. JSON logs unless stdout is a TTY). */
export function optionalBool(): ValueType<boolean | undefined> {
  return {
    kind: 'optional-boolean',
    placeholder: '',
    allowed: BOOLEAN_ALLOWED,
    parse: parseBoolean,
    format: (v) => (v === undefined ? 'unset' : String(v)),
  };
}

/** One of fixed words. Matched case-insensitively (LOG_LEVEL=INFO is common), stored canonically. */
export function oneOf<const V extends string>(values: readonly V[]): ValueType<V> {
  return {
    kind: 'enum',
    placeholder: `<${values.join('|')}>`,
    allowed: values.join(', '),
    parse(raw) {
      const value = raw.trim().toLowerCase();
      const hit = values.find((v) => v.toLowerCase() === value);
      if (hit === undefined) throw new InvalidValue();
      return hit;
    },
    format: (value) => value,
  };
}

const UNITS = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/**
 * Whole seconds, as NTH takes them ("120"), or with units ("90s", "5m", "1h30m") because a
 * bare 172800 is hard to read. `minusOne` admits -1 as the "not set / disabled" sentinel that
 * several NTH options use.
 */
export function seconds(range: { min: number; max: number; minusOne?: boolean }): ValueType<number> {
  const span = `seconds from ${range.min} to ${range.max} (e.g. 90, 90s, 5m, 1h30m)`;
  return {
    kind: 'duration',
    placeholder: '<seconds>',
    allowed: range.minusOne ? `-1, or ${span}` : span,
    parse(raw) {
      const value = raw.trim();
      if (range.minusOne && value === '-1') return -1;
      let n: number;
      if (/^\d+$/.test(value)) {
        n = Number(value);
      } else {
        const m = UNITS.exec(value);
        if (!m || value === '') throw new InvalidValue();
        n = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
      }
      if (!Number.isSafeInteger(n) || !inRange(n, range)) throw new InvalidValue();
      return n;
    },
    format: (value) => String(value),
  };
}

/** Comma-separated items; blanks around items and empty items are dropped. */
export function list<T>(item: ValueType<T>): ValueType<readonly T[]> {
  return {
    kind: 'list',
    placeholder: '<a,b,...>',
    allowed: `a comma-separated list of: ${item.allowed}`,
    parse(raw) {
      const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
      return items.map((s) => item.parse(s));
    },
    format: (value) => (value.length === 0 ? '""' : value.map((v) => item.format(v)).join(',')),
  };
}

/** `k=v,k2=v2`, NTH's format for extra annotations. Values may be empty; keys may not. */
export function keyValueMap(): ValueType<Readonly<Record<string, string>>> {
  return {
    kind: 'map',
    placeholder: '<k=v,...>',
    allowed: 'comma-separated key=value pairs with non-empty, distinct keys (e.g. team=a,env=prod)',
    parse(raw) {
      const entries = raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .map((pair): [string, string] => {
          const eq = pair.indexOf('=');
          const key = eq < 0 ? '' : pair.slice(0, eq).trim();
          if (key === '') throw new InvalidValue();
          return [key, pair.slice(eq + 1).trim()];
        });
      if (new Set(entries.map(([k]) => k)).size !== entries.length) throw new InvalidValue();
      return Object.fromEntries(entries);
    },
    format: (value) => {
      const pairs = Object.entries(value).map(([k, v]) => `${k}=${v}`);
      return pairs.length === 0 ? '""' : pairs.join(',');
    },
  };
}

/** A JSON object whose values are all strings (HTTP headers); empty text means `{}`. */
export function jsonStringMap(): ValueType<Readonly<Record<string, string>>> {
  return {
    kind: 'json',
    placeholder: '<json>',
    allowed: 'a JSON object with string values (e.g. {"Authorization":"Bearer x"}), or empty',
    parse(raw) {
      if (raw.trim() === '') return {};
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw new InvalidValue();
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidValue();
      const entries = Object.entries(parsed);
      const strings = entries.filter((e): e is [string, string] => typeof e[1] === 'string');
      if (strings.length !== entries.length) throw new InvalidValue();
      return Object.fromEntries(strings);
    },
    format: (value) => JSON.stringify(value),
  };
}
