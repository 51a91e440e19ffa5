// The condition operators over typed values: Numeric and Date comparisons, Bool, BinaryEquals and the IP address
// pair. Policy values are parsed into their type when the policy is compiled (a value of the wrong type makes the
// policy invalid); a request value is converted once per key, and one of the wrong type cannot be compared at all.
import { parseTimestampText } from '../kernel/timestamps.js';
import type { ContextScalar } from './context.js';
import { cidrContains, parseCidr, parseIpAddress, type CidrRange } from './ip.js';
import { eachValue, show, templateOf, type BaseOperator, type PolicyConditionValue, type ValueTest } from './operator-kit.js';
import { resolvedText, resolveTemplate } from './variables.js';

export type Comparison = 'eq' | 'lt' | 'le' | 'gt' | 'ge';

function compare(a: number, b: number, how: Comparison): boolean {
  switch (how) {
    case 'eq':
      return a === b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
  }
}

// One optional sign, digits with an optional fraction (or a bare fraction), an optional exponent. Each quantified
// part is followed by a character it cannot consume, so a failing match gives back at most one run: linear time.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function numberOf(value: ContextScalar | PolicyConditionValue): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || !DECIMAL.test(value)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const WITHOUT_SECONDS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(Z|[+-]\d{2}:\d{2})$/;

/** Epoch milliseconds of an ISO-8601 date or date-time (W3C profiles: date, minutes, seconds, fraction) or epoch seconds. */
export function dateOf(value: ContextScalar | PolicyConditionValue): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value === 'number') return Number.isFinite(value) ? value * 1000 : undefined;
  if (typeof value !== 'string') return undefined;
  let text = value;
  if (DATE_ONLY.test(text)) text = `${text}T00:00:00Z`;
  else {
    const m = WITHOUT_SECONDS.exec(text);
    if (m) text = `${m[1]}:00${m[2]}`;
  }
  return parseTimestampText(text)?.getTime();
}

export function orderedOperator(
  name: string,
  negated: boolean,
  how: Comparison,
  parse: (value: ContextScalar | PolicyConditionValue) => number | undefined,
  kind: string,
): BaseOperator {
  return {
    name,
    negated,
    compile(values) {
      return eachValue(
        values,
        (v): ValueTest<number> | string => {
          const bound = parse(v);
          if (bound === undefined) return `value ${show(v)} is not ${kind}`;
          return (value) => compare(value, bound, how);
        },
        parse,
      );
    },
  };
}

export const NUMBER = 'a number';
export const DATE = 'an ISO-8601 date-time or a number of epoch seconds';

// ---- booleans, binary, IP addresses ----------------------------------------------------------------------

function booleanOf(value: ContextScalar | PolicyConditionValue): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const folded = value.toLowerCase();
  return folded === 'true' ? true : folded === 'false' ? false : undefined;
}

export const boolOperator: BaseOperator = {
  name: 'Bool',
  negated: false,
  compile(values, variables) {
    return eachValue(
      values,
      (v): ValueTest<boolean> | string => {
        if (typeof v !== 'boolean') {
          const t = templateOf(v, variables);
          if (typeof t === 'string') return t;
          if (t.dynamic) {
            return (value, context) => {
              const parts = resolveTemplate(t, context);
              const expected = parts && booleanOf(resolvedText(parts));
              return expected === undefined ? undefined : value === expected;
            };
          }
        }
        const expected = booleanOf(v);
        if (expected === undefined) return `value ${show(v)} is not true or false`;
        return (value) => value === expected;
      },
      booleanOf,
    );
  },
};

// Strict base64 (groups of four, padding only at the end); each group is fixed-length, so matching is linear.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function bytesOf(value: ContextScalar | PolicyConditionValue): Buffer | undefined {
  return typeof value === 'string' && BASE64.test(value) ? Buffer.from(value, 'base64') : undefined;
}

export const binaryEquals: BaseOperator = {
  name: 'BinaryEquals',
  negated: false,
  compile(values) {
    return eachValue(
      values,
      (v): ValueTest<Buffer> | string => {
        const expected = bytesOf(v);
        if (!expected) return `value ${show(v)} is not base64`;
        return (value) => value.equals(expected);
      },
      bytesOf,
    );
  },
};

export function ipOperator(name: string, negated: boolean): BaseOperator {
  return {
    name,
    negated,
    compile(values) {
      const ranges: CidrRange[] = [];
      for (const v of values) {
        const range = typeof v === 'string' ? parseCidr(v) : undefined;
        if (!range) return `value ${show(v)} is not an IPv4 or IPv6 address or CIDR range`;
        ranges.push(range);
      }
      return {
        convert: (v) => (typeof v === 'string' ? parseIpAddress(v) : undefined),
        anyMatch: (converted) => ranges.some((r) => cidrContains(r, converted as Uint8Array)),
      };
    },
  };
}
