// Policy variables: `${aws:username}` in a Resource or a condition value stands for the value of that key in the
// request context. A text is parsed once, when the policy is compiled, into parts; a request then only looks the keys
// up. Parsing is one left-to-right pass with no backtracking.
//
// The rules, as IAM documents them: variables exist only in policies of language version 2012-10-17 (elsewhere the
// text is literal); `${*}`, `${?}` and `${$}` stand for a literal `*`, `?` and `$`; `${key, 'text'}` gives a default
// used when the key has no value (`''` inside the quotes is one quote); a variable whose key is missing or multivalued
// and that has no default cannot be resolved, and the text it is in then matches nothing.
import type { GlobToken } from '../kernel/glob.js';
import { simpleGlobTokens } from '../kernel/glob.js';
import type { RequestContext } from './context.js';

/** One part of a policy text. */
export type TemplatePart =
  /** Text written in the policy: in a pattern, its `*` and `?` are wildcards. */
  | { kind: 'text'; text: string }
  /** Text that is literal even in a pattern: `${*}`, `${?}`, `${$}`. */
  | { kind: 'literal'; text: string }
  /** A variable: the key in lower case, and its default. */
  | { kind: 'variable'; key: string; fallback?: string };

export interface Template {
  readonly parts: readonly TemplatePart[];
  /** Whether some part is a variable, i.e. whether the text depends on the request. */
  readonly dynamic: boolean;
}

/** A template resolved for one request: literal text and wildcard-bearing text, in order. */
export type ResolvedPart = { text: string; wildcards: boolean };

/**
 * Parses a policy text. With `variables` false (language version 2008-10-17) the whole text is literal policy text.
 * Returns a message for a malformed variable (`${`, `${}`, `${a b}`, an unterminated default).
 */
export function parseTemplate(text: string, variables: boolean): Template | string {
  if (!variables || !text.includes('${')) return { parts: [{ kind: 'text', text }], dynamic: false };
  const parts: TemplatePart[] = [];
  let dynamic = false;
  let plain = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '$' || text[i + 1] !== '{') {
      plain += text[i];
      i++;
      continue;
    }
    if (plain !== '') parts.push({ kind: 'text', text: plain });
    plain = '';
    const parsed = parseVariable(text, i + 2);
    if (typeof parsed === 'string') return parsed;
    parts.push(parsed.part);
    if (parsed.part.kind === 'variable') dynamic = true;
    i = parsed.next;
  }
  if (plain !== '') parts.push({ kind: 'text', text: plain });
  return { parts, dynamic };
}

const SPECIALS: Record<string, string> = { '*': '*', '?': '?', $: '$' };

/** Reads a variable whose body starts at `start` (just after `${`); returns the part and where the text resumes. */
function parseVariable(text: string, start: number): { part: TemplatePart; next: number } | string {
  const special = SPECIALS[text[start] ?? ''];
  if (special !== undefined && text[start + 1] === '}') return { part: { kind: 'literal', text: special }, next: start + 2 };
  let i = start;
  while (i < text.length && text[i] === ' ') i++;
  const keyStart = i;
  while (i < text.length && text[i] !== '}' && text[i] !== ',' && text[i] !== ' ' && text[i] !== '$' && text[i] !== '{') i++;
  const key = text.slice(keyStart, i);
  while (i < text.length && text[i] === ' ') i++;
  if (key === '') return `has a policy variable without a key name at "${excerpt(text, start - 2)}"`;
  let fallback: string | undefined;
  if (text[i] === ',') {
    i++;
    while (i < text.length && text[i] === ' ') i++;
    if (text[i] !== "'") return `has a policy variable whose default is not in single quotes at "${excerpt(text, start - 2)}"`;
    i++;
    fallback = '';
    for (;;) {
      if (i >= text.length) return `has a policy variable with an unterminated default at "${excerpt(text, start - 2)}"`;
      if (text[i] === "'") {
        if (text[i + 1] !== "'") break;
        i++; // '' is one quote
      }
      fallback += text[i];
      i++;
    }
    i++;
    while (i < text.length && text[i] === ' ') i++;
  }
  if (text[i] !== '}') return `has an unterminated or malformed policy variable at "${excerpt(text, start - 2)}"`;
  return { part: { kind: 'variable', key: key.toLowerCase(), fallback }, next: i + 1 };
}

/** The text from `at`, cut to a readable length for a message. */
function excerpt(text: string, at: number): string {
  const rest = text.slice(at);
  return rest.length > 40 ? `${rest.slice(0, 40)}…` : rest;
}

/**
 * The template for this request, or undefined when a variable cannot be resolved. Without a context (a template
 * known to have no variables, resolved when the policy is compiled) every variable is unresolved.
 */
export function resolveTemplate(template: Template, context: RequestContext | undefined): ResolvedPart[] | undefined {
  const resolved: ResolvedPart[] = [];
  for (const part of template.parts) {
    if (part.kind === 'text') resolved.push({ text: part.text, wildcards: true });
    else if (part.kind === 'literal') resolved.push({ text: part.text, wildcards: false });
    else {
      // Substituted values and defaults are data, never patterns: a user named `a*` does not become a wildcard.
      const value = context?.variableText(part.key) ?? part.fallback;
      if (value === undefined) return undefined;
      resolved.push({ text: value, wildcards: false });
    }
  }
  return resolved;
}

/** The resolved text as a plain string (for equality operators, where `*` and `?` have no special meaning). */
export function resolvedText(parts: readonly ResolvedPart[]): string {
  let text = '';
  for (const p of parts) text += p.text;
  return text;
}

/** The resolved text as glob tokens: wildcards only where the policy itself wrote them. */
export function resolvedGlobTokens(parts: readonly ResolvedPart[]): GlobToken[] {
  const tokens: GlobToken[] = [];
  for (const p of parts) {
    if (p.wildcards) for (const t of simpleGlobTokens(p.text)) tokens.push(t);
    else if (p.text !== '') tokens.push({ kind: 'literal', text: p.text });
  }
  return tokens;
}

/** The static text of a template without variables (its `${*}`-style parts included), for compile-time checks. */
export function staticText(template: Template): string {
  let text = '';
  for (const p of template.parts) if (p.kind !== 'variable') text += p.text;
  return text;
}
