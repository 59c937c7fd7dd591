// EventBridge pattern matching, for the subset rules use in practice: literal values, prefix,
// suffix, anything-but, exists, equals-ignore-case and wildcard. doctor asks "does some rule send
// this kind of event to the queue?" locally, so it needs no events:TestEventPattern permission.
// Anything else (numeric, cidr, $or) answers `undefined`: doctor then says it could not tell.

type Tri = boolean | undefined;

const isObject = (v: unknown): v is Readonly<Record<string, unknown>> => typeof v === 'object' && v !== null && !Array.isArray(v);

function and(results: readonly Tri[]): Tri {
  if (results.includes(false)) return false;
  return results.includes(undefined) ? undefined : true;
}

function or(results: readonly Tri[]): Tri {
  if (results.includes(true)) return true;
  return results.includes(undefined) ? undefined : false;
}

function wildcard(pattern: string, value: string): boolean {
  const re = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${re}$`).test(value);
}

/** One element of a pattern's value list against one value of the event (undefined: absent). */
function matchOne(element: unknown, value: unknown): Tri {
  if (!isObject(element)) return value !== undefined && element === value;
  const [op, arg] = Object.entries(element)[0] ?? [];
  switch (op) {
    case 'exists':
      return (value !== undefined) === (arg === true);
    case 'prefix':
      return typeof arg === 'string' ? typeof value === 'string' && value.startsWith(arg) : undefined;
    case 'suffix':
      return typeof arg === 'string' ? typeof value === 'string' && value.endsWith(arg) : undefined;
    case 'equals-ignore-case':
      return typeof arg === 'string' ? typeof value === 'string' && value.toLowerCase() === arg.toLowerCase() : undefined;
    case 'wildcard':
      return typeof arg === 'string' ? typeof value === 'string' && wildcard(arg, value) : undefined;
    case 'anything-but': {
      if (value === undefined) return false;
      const inner = Array.isArray(arg) ? or(arg.map((a) => matchOne(a, value))) : matchOne(arg, value);
      return inner === undefined ? undefined : !inner;
    }
    default:
      return undefined;
  }
}

function matchField(elements: readonly unknown[], value: unknown): Tri {
  // An array in the event matches when any of its items does.
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  return or(elements.flatMap((element) => values.map((v) => matchOne(element, v))));
}

/** Whether `event` matches `pattern`; undefined when the pattern uses what this does not know. */
export function patternMatches(pattern: unknown, event: unknown): Tri {
  if (!isObject(pattern)) return undefined;
  return and(Object.entries(pattern).map(([key, want]): Tri => {
    if (key.startsWith('$')) return undefined;
    const value = isObject(event) ? event[key] : undefined;
    if (Array.isArray(want)) return matchField(want, value);
    // A missing object is matched as an empty one, so only {exists: false} inside can match it.
    if (isObject(want)) return patternMatches(want, isObject(value) ? value : {});
    return undefined;
  }));
}
