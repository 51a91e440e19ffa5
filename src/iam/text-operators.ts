// The String and ARN condition operators: text compared exactly, without regard to case, or as a wildcard pattern,
// and ARNs compared component by component. Their policy values may hold policy variables, so a value without
// variables is compiled once (a set entry or a glob) and one with variables is resolved per request.
import { Glob } from '../kernel/glob.js';
import { scalarText } from './context.js';
import { eachValue, templateOf, type BaseOperator, type ValueTest } from './operator-kit.js';
import { resolvedGlobTokens, resolvedText, resolveTemplate, type ResolvedPart, type Template } from './variables.js';

export type StringMode = 'equals' | 'equalsIgnoreCase' | 'like';

const fold = (s: string) => s.toLowerCase();

export function stringOperator(name: string, negated: boolean, mode: StringMode): BaseOperator {
  return {
    name,
    negated,
    compile(values, variables) {
      const templates: Template[] = [];
      for (const v of values) {
        const t = templateOf(v, variables);
        if (typeof t === 'string') return t;
        templates.push(t);
      }
      if (mode === 'like') return eachValue(templates, likeTest, scalarText);
      // Equality: the values without variables go in a set, so a long list costs one lookup.
      const key = mode === 'equals' ? (s: string) => s : fold;
      const fixed = new Set<string>();
      const dynamic: Template[] = [];
      for (const t of templates) {
        if (t.dynamic) dynamic.push(t);
        else fixed.add(key(resolvedText(resolveTemplate(t, undefined)!)));
      }
      return {
        convert: (v) => key(scalarText(v)),
        anyMatch(converted, context) {
          if (fixed.has(converted as string)) return true;
          let undecided = false;
          for (const t of dynamic) {
            const parts = resolveTemplate(t, context);
            if (!parts) undecided = true;
            else if (key(resolvedText(parts)) === converted) return true;
          }
          return undecided ? undefined : false;
        },
      };
    },
  };
}

function likeTest(template: Template): ValueTest<string> {
  if (!template.dynamic) {
    const glob = new Glob(resolvedGlobTokens(resolveTemplate(template, undefined)!), { unit: 'codePoint' });
    return (value) => glob.matches(value);
  }
  return (value, context) => {
    const parts = resolveTemplate(template, context);
    return parts ? new Glob(resolvedGlobTokens(parts), { unit: 'codePoint' }).matches(value) : undefined;
  };
}

// ---- ARNs ---------------------------------------------------------------------------------------------------

/**
 * ArnLike compares the six colon-separated components of an ARN (arn:partition:service:region:account:resource) one
 * by one, so a `*` in the region cannot swallow the account; the last component keeps any further colons. A value
 * with fewer than six components is no ARN and matches nothing; a pattern with fewer (such as `*`) is compared with
 * the whole value, so `*` matches every ARN (docs/iam.md).
 */
const ARN_COMPONENTS = 6;

function splitArn(text: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (let i = 0; i < text.length && out.length < ARN_COMPONENTS - 1; i++) {
    if (text[i] === ':') {
      out.push(text.slice(from, i));
      from = i + 1;
    }
  }
  out.push(text.slice(from));
  return out;
}

/** Splits resolved parts at the first five colons, wherever they are (policy text or substituted value). */
function splitResolvedArn(parts: readonly ResolvedPart[]): ResolvedPart[][] {
  const components: ResolvedPart[][] = [[]];
  for (const part of parts) {
    let from = 0;
    for (let i = 0; i < part.text.length; i++) {
      if (part.text[i] !== ':' || components.length === ARN_COMPONENTS) continue;
      components[components.length - 1]!.push({ text: part.text.slice(from, i), wildcards: part.wildcards });
      components.push([]);
      from = i + 1;
    }
    components[components.length - 1]!.push({ text: part.text.slice(from), wildcards: part.wildcards });
  }
  return components;
}

function arnGlobs(parts: readonly ResolvedPart[]): Glob[] {
  const components = splitResolvedArn(parts);
  if (components.length < ARN_COMPONENTS) return [new Glob(resolvedGlobTokens(parts), { unit: 'codePoint' })];
  return components.map((c) => new Glob(resolvedGlobTokens(c), { unit: 'codePoint' }));
}

function arnMatches(globs: readonly Glob[], value: string): boolean {
  const components = splitArn(value);
  if (components.length !== ARN_COMPONENTS) return false;
  return globs.length === 1 ? globs[0]!.matches(value) : globs.every((g, i) => g.matches(components[i]!));
}

export function arnOperator(name: string, negated: boolean): BaseOperator {
  return {
    name,
    negated,
    compile(values, variables) {
      return eachValue(
        values,
        (v): ValueTest<string> | string => {
          const t = templateOf(v, variables);
          if (typeof t === 'string') return t;
          if (!t.dynamic) {
            const globs = arnGlobs(resolveTemplate(t, undefined)!);
            return (value) => arnMatches(globs, value);
          }
          return (value, context) => {
            const parts = resolveTemplate(t, context);
            return parts ? arnMatches(arnGlobs(parts), value) : undefined;
          };
        },
        scalarText,
      );
    },
  };
}
