// Typed, path-aware reading of untrusted JSON. Every parser reads through a Reader so that a wrong
// field always becomes an InvalidMessageError naming where it is (`$.detail.instance-id`) and what
// was expected and seen, and no `as` cast ever touches data that came off the queue.

import { parseIsoTime } from './time.ts';
import { InvalidMessageError } from './types.ts';

/** An EC2 instance ID: `i-` and 8 (older) or 17 hex digits, lowercase as EC2 prints them. */
const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

export function isInstanceId(value: string): boolean {
  return INSTANCE_ID.test(value);
}

// Keys like `instance-id` or `EC2InstanceId` read best in dot form; anything else is quoted so the
// path stays unambiguous (and a hostile key cannot forge a path).
const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

export function childPath(path: string, key: string): string {
  return PLAIN_KEY.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

const MAX_SHOWN = 60;

/** A short, log-safe description of a value for an error message. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string ${quote(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

/** JSON-quotes (so control characters and lone surrogates are escaped) and shortens a string. */
export function quote(text: string): string {
  const shown = text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
  const suffix = text.length > MAX_SHOWN ? ` (${text.length} characters)` : '';
  return `${JSON.stringify(shown)}${suffix}`;
}

// Control characters (Cc) and unpaired surrogates (Cs; in `u` mode a valid pair is one code point
// and does not match), which would garble a log line or a terminal.
const UNSAFE = /[\p{Cc}\p{Cs}]/gu;

/** Escapes what `quote` would, for text (such as an engine's error message) that is not quoted. */
export function sanitize(text: string): string {
  return text.replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export type JsonObject = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value from the message together with the JSON path it was found at. */
export class Reader {
  readonly value: unknown;
  readonly path: string;

  constructor(value: unknown, path: string) {
    this.value = value;
    this.path = path;
  }

  /** Throws the error for this position: "expected <what>, got <what was there>". */
  fail(expected: string): never {
    throw new InvalidMessageError(this.path, `expected ${expected}, got ${describe(this.value)}`);
  }

  /** Absent, or explicitly null: both mean "not given" for optional fields. */
  isMissing(): boolean {
    return this.value === undefined || this.value === null;
  }

  isObject(): boolean {
    return isObject(this.value);
  }

  /** Asserts this is a JSON object (not an array, not null). */
  object(): this {
    if (!isObject(this.value)) this.fail('an object');
    return this;
  }

  /** Own keys only: a `__proto__` or `constructor` key in the message must not reach the prototype. */
  has(key: string): boolean {
    return isObject(this.value) && Object.hasOwn(this.value, key);
  }

  keys(): string[] {
    return isObject(this.value) ? Object.keys(this.value) : [];
  }

  /** The member `key` of this object; a missing member reads as undefined (checked by the caller). */
  get(key: string): Reader {
    const object = this.object().value;
    const value = isObject(object) && Object.hasOwn(object, key) ? object[key] : undefined;
    return new Reader(value, childPath(this.path, key));
  }

  string(): string {
    if (typeof this.value !== 'string') this.fail('a string');
    return this.value;
  }

  nonEmptyString(): string {
    if (typeof this.value !== 'string' || this.value.trim() === '') this.fail('a non-empty string');
    return this.value;
  }

  optionalString(): string | undefined {
    return this.isMissing() ? undefined : this.string();
  }

  optionalNonEmptyString(): string | undefined {
    return this.isMissing() ? undefined : this.nonEmptyString();
  }

  array(): Reader[] {
    const value = this.value;
    if (!Array.isArray(value)) this.fail('an array');
    return value.map((item, index) => new Reader(item, `${this.path}[${index}]`));
  }

  optionalArray(): Reader[] | undefined {
    return this.isMissing() ? undefined : this.array();
  }

  oneOf<T extends string>(allowed: readonly T[]): T {
    const value = this.value;
    const match = allowed.find((candidate) => candidate === value);
    if (match === undefined) this.fail(`one of ${allowed.map((item) => JSON.stringify(item)).join(', ')}`);
    return match;
  }

  instanceId(): string {
    const value = this.value;
    if (typeof value !== 'string' || !isInstanceId(value)) {
      this.fail('an EC2 instance ID (i- followed by 8 or 17 lowercase hex digits)');
    }
    return value;
  }

  /** An ISO 8601 date-time with a zone, e.g. 2024-05-01T12:00:00Z. */
  isoTime(): Date {
    const value = this.value;
    const time = typeof value === 'string' ? parseIsoTime(value) : undefined;
    if (time === undefined) this.fail('an ISO 8601 date-time such as 2024-05-01T12:00:00Z');
    return time;
  }

  optionalIsoTime(): Date | undefined {
    return this.isMissing() ? undefined : this.isoTime();
  }
}

export function reader(value: unknown, path = '$'): Reader {
  return new Reader(value, path);
}
