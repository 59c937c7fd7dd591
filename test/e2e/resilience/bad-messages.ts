// Hostile SQS bodies for the bad-input e2e test, built from the parser's property-test generators
// (test/unit/events/arbitraries.ts) with a fixed seed, so every run sends the same 1,000 messages.
// Each body is classified with parseMessage: the test is about what the pipeline does with a
// message the parser refuses (the unit tests cover why it refuses it).
import fc from 'fast-check';
import { parseMessage } from '../../../lib/events/parse.ts';
import { spotInterruption } from '../../fixtures/events/index.ts';
import { anyJson, hugeString, instanceId, oddString, oddUnit, validCase } from '../../unit/events/arbitraries.ts';

export type BadCategory = 'malformed-json' | 'truncated' | 'wrong-type' | 'unknown-kind' | 'huge' | 'odd-unicode';

export interface BadMessage {
  category: BadCategory;
  body: string;
  /** invalid: left for the dead-letter queue; unknown-kind: deleted at once. */
  expected: 'invalid' | 'unknown-kind';
}

/**
 * SQS accepts only #x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF in a body and
 * refuses the whole request otherwise (moto does not check), so those code points can never reach
 * the controller from a real queue; the parser's own tests feed them in directly.
 */
const NOT_SQS_TEXT = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function sqsSafe(text: string): string {
  const safe = text.replace(NOT_SQS_TEXT, '');
  return safe === '' ? ' ' : safe; // SQS refuses an empty body; blank is the closest it carries
}

/** Largest body we send: a SendMessageBatch must stay under 256 KiB in total (classic SQS limit). */
export const MAX_BODY_BYTES = 200_000;

type Key = string | number;

function allPaths(value: unknown, prefix: Key[] = []): Key[][] {
  if (Array.isArray(value)) return value.flatMap((item: unknown, index) => [[...prefix, index], ...allPaths(item, [...prefix, index])]);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => [[...prefix, key], ...allPaths(item, [...prefix, key])]);
  }
  return [];
}

/** A copy of `document` with the field at path number `pick` replaced by `value`. */
function replaced(document: object, pick: number, value: unknown): unknown {
  const copy = structuredClone(document) as Record<Key, unknown>;
  const paths = allPaths(copy);
  const keys = paths[pick % paths.length] ?? [];
  if (keys.length === 0) return value;
  const parent = keys.slice(0, -1).reduce<unknown>((node, key) => (node as Record<Key, unknown>)[key], copy) as Record<Key, unknown>;
  parent[keys.at(-1) ?? ''] = value;
  return copy;
}

const spotLike = fc.tuple(instanceId, fc.uuid()).map(([id, uuid]) => spotInterruption({ instanceId: id, id: uuid, time: new Date() }));

/** Look-alikes of real text: bidi overrides, zero-width, full-width digits, BOM, astral, combining. */
const oddText = fc.oneof(
  oddString,
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
  fc.constantFrom('i-0123456789abcdef\u202e0', 'i-\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17', '\u200bi-0123456789abcdef0',
    'i-0123456789abcde\u0301f0', '\ud83d\udca5', '\ufeff', 'aws.ec2\u0000', '2024-05-01T12:00:00Z\u2028', 'EC2 Spot Instance Interruption Warning\u200d'),
);

const GENERATORS: Record<BadCategory, fc.Arbitrary<string>> = {
  'malformed-json': fc.oneof(
    fc.string({ unit: oddUnit, minLength: 1, maxLength: 80 }),
    fc.constantFrom('{', '}', '[]', '[1,2', 'null', 'true', '42', '"text"', '{"source": "aws.ec2", "detail-type": ', "{'single': 'quotes'}", '{"a":1}}', 'NaN'),
    fc.tuple(validCase, fc.nat(), fc.constantFrom('{', '"', ',', ']', '\\')).map(([c, at, junk]) => {
      const text = JSON.stringify(c.body);
      const i = at % text.length;
      return text.slice(0, i) + junk + text.slice(i);
    }),
  ),
  truncated: fc.tuple(validCase, fc.nat()).map(([c, cut]) => {
    const text = JSON.stringify(c.body);
    return text.slice(0, Math.max(1, cut % text.length));
  }),
  'wrong-type': fc.tuple(validCase, fc.nat(), anyJson).map(([c, pick, value]) => JSON.stringify(replaced(c.body, pick, value))),
  'unknown-kind': fc.tuple(spotLike, fc.constantFrom('aws.s3', 'aws.ec2', 'aws.health', 'custom.app', 'aws.autoscaling'), fc.oneof(oddText, fc.constantFrom('Object Created', 'EC2 Instance Launch Successful', 'AWS API Call via CloudTrail')))
    .map(([event, source, detailType]) => JSON.stringify({ ...event, source, 'detail-type': detailType })),
  huge: fc.tuple(spotLike, hugeString, fc.boolean()).map(([event, huge, asBody]) => {
    // Cut to whole code points so the byte budget holds after encoding.
    const piece = [...huge].slice(0, 60_000).join('');
    return asBody ? piece : JSON.stringify({ ...event, detail: { ...event.detail, 'instance-id': piece } });
  }),
  'odd-unicode': fc.tuple(spotLike, fc.constantFrom('id', 'time', 'source', 'detail-type', 'instance-id', 'instance-action'), oddText).map(([event, field, text]) => {
    const bad = field === 'instance-id' || field === 'instance-action'
      ? { ...event, detail: { ...event.detail, [field]: text } }
      : { ...event, [field]: text };
    return JSON.stringify(bad);
  }),
};

/** How many of each; the total is the number of bad messages. */
export const BAD_MIX: Record<BadCategory, number> = {
  'malformed-json': 230, truncated: 200, 'wrong-type': 230, 'unknown-kind': 100, huge: 10, 'odd-unicode': 230,
};

/** The bad messages, deterministic for a seed; each is refused by the parser as its category says. */
export function badMessages(seed = 7): BadMessage[] {
  const out: BadMessage[] = [];
  let round = 0;
  for (const [category, wanted] of Object.entries(BAD_MIX) as [BadCategory, number][]) {
    const expected = category === 'unknown-kind' ? 'unknown-kind' : 'invalid';
    const kept: BadMessage[] = [];
    while (kept.length < wanted) {
      round += 1;
      if (round > 200) throw new Error(`could not generate ${wanted} ${category} messages (got ${kept.length})`);
      for (const raw of fc.sample(GENERATORS[category], { numRuns: wanted, seed: seed + round })) {
        const body = sqsSafe(raw);
        if (Buffer.byteLength(body) > MAX_BODY_BYTES) continue;
        const parsed = parseMessage(body);
        const outcome = parsed.outcome === 'ignored' ? parsed.reason : parsed.outcome;
        // A mutation that happens to leave a valid event, or another kind of ignored message, is
        // not what this category is about.
        if (outcome === expected && kept.length < wanted) kept.push({ category, body, expected });
      }
    }
    out.push(...kept);
  }
  return out;
}

/** A seeded shuffle (mulberry32), so the interleaving is the same on every run. */
export function shuffled<T>(items: readonly T[], seed = 11): T[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** Batches for SendMessageBatch: at most 10 entries and `maxBytes` of bodies each. */
export function batches<T extends { body: string }>(items: readonly T[], maxBytes = 250_000): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(item.body);
    if (current.length === 10 || (current.length > 0 && bytes + size > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
