// Strict timestamp parsing. `Date.parse` accepts far too much (and differently per engine), and a
// deadline computed from a misread time drains a node at the wrong moment, so we only accept the
// two formats AWS actually sends: ISO 8601 (EventBridge `time`, ASG `Time`) and RFC 1123 (Health
// `startTime`/`endTime`, e.g. `Fri, 27 Jan 2023 06:00:00 GMT`).

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// The weekday is optional and, when present, not checked against the date: a scheduled-maintenance
// notice with a wrong weekday is still better acted on than dropped.
const RFC1123 =
  /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2})(?::(\d{2}))? (GMT|UTC|UT|Z|[+-]\d{4})$/;

interface Parts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  offsetMinutes: number; // east of UTC
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

function toDate(parts: Parts): Date | undefined {
  const { year, month, day, hour, minute, second, millisecond, offsetMinutes } = parts;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (Math.abs(offsetMinutes) > 14 * 60) return undefined;
  // setUTCFullYear rather than Date.UTC, which maps years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millisecond);
  const ms = date.getTime() - offsetMinutes * 60_000;
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function num(text: string | undefined): number {
  return text === undefined ? 0 : Number.parseInt(text, 10);
}

/** ISO 8601 / RFC 3339 date-time with a zone (`Z` or `±hh:mm`); undefined if it is anything else. */
export function parseIsoTime(text: string): Date | undefined {
  const match = ISO.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zulu, sign, offsetHours, offsetMins] = match;
  const offset = zulu !== undefined ? 0 : (sign === '-' ? -1 : 1) * (num(offsetHours) * 60 + num(offsetMins));
  if (offsetMins !== undefined && num(offsetMins) > 59) return undefined;
  return toDate({
    year: num(year),
    month: num(month),
    day: num(day),
    hour: num(hour),
    minute: num(minute),
    second: num(second),
    // Milliseconds are all a Date holds; extra fractional digits are dropped, not rounded.
    millisecond: fraction === undefined ? 0 : num(fraction.slice(0, 3).padEnd(3, '0')),
    offsetMinutes: offset,
  });
}

/** RFC 1123 (HTTP-date style) text such as `Fri, 27 Jan 2023 06:00:00 GMT`. */
export function parseRfc1123Time(text: string): Date | undefined {
  const match = RFC1123.exec(text);
  if (!match) return undefined;
  const [, day, monthName, year, hour, minute, second, zone] = match;
  let offset = 0;
  if (zone !== undefined && (zone.startsWith('+') || zone.startsWith('-'))) {
    const hours = num(zone.slice(1, 3));
    const minutes = num(zone.slice(3, 5));
    if (minutes > 59) return undefined;
    offset = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  return toDate({
    year: num(year),
    month: MONTHS.indexOf(monthName ?? '') + 1,
    day: num(day),
    hour: num(hour),
    minute: num(minute),
    second: num(second),
    millisecond: 0,
    offsetMinutes: offset,
  });
}

/** Health event times are documented as RFC 1123; ISO 8601 is accepted too. */
export function parseHealthTime(text: string): Date | undefined {
  return parseRfc1123Time(text) ?? parseIsoTime(text);
}
