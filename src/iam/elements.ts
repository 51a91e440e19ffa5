// The Action/NotAction and Resource/NotResource elements of an IAM statement, compiled for matching. Actions compare
// without regard to case (`iot:describe*` covers iot:DescribeThing); resources are case-sensitive ARN patterns whose
// `*` and `?` may span `:` and `/`. Patterns without wildcards go in a set, the others become linear-time globs
// (src/kernel/glob.ts) once, when the policy is compiled; a Resource with policy variables is resolved per request.
import { Glob, simpleGlobTokens } from '../kernel/glob.js';
import type { RequestContext } from './context.js';
import { parseTemplate, resolvedGlobTokens, resolveTemplate, staticText, type Template } from './variables.js';

export interface ActionMatcher {
  readonly negated: boolean;
  /** Patterns without wildcards, in lower case. */
  readonly exact: ReadonlySet<string>;
  readonly globs: readonly Glob[];
}

export interface ResourceMatcher {
  readonly negated: boolean;
  readonly exact: ReadonlySet<string>;
  readonly globs: readonly Glob[];
  /** Patterns with policy variables, resolved for each request. */
  readonly dynamic: readonly Template[];
}

const hasWildcard = (s: string) => s.includes('*') || s.includes('?');

/** `*`, or `<service>:<action>` where the service is letters, digits, hyphens (or wildcards) and the action not empty. */
function actionProblem(pattern: string): string | undefined {
  if (pattern === '*') return undefined;
  const colon = pattern.indexOf(':');
  const service = colon === -1 ? '' : pattern.slice(0, colon);
  const name = colon === -1 ? '' : pattern.slice(colon + 1);
  let serviceOk = service !== '';
  for (const c of service) if (!/[A-Za-z0-9*?-]/.test(c)) serviceOk = false;
  if (!serviceOk || name === '' || /\s/.test(name)) {
    return `"${pattern}" must be "*" or "<service>:<action>", such as "iot:CreateThing" or "iot:Describe*"`;
  }
  return undefined;
}

/** Compiles the patterns of Action (or NotAction), or returns what is wrong with one. */
export function compileActions(patterns: readonly string[], negated: boolean): ActionMatcher | string {
  const exact = new Set<string>();
  const globs: Glob[] = [];
  for (const p of patterns) {
    const problem = actionProblem(p);
    if (problem) return problem;
    if (hasWildcard(p)) globs.push(new Glob(simpleGlobTokens(p), { unit: 'codeUnit', ignoreCase: true }));
    else exact.add(p.toLowerCase());
  }
  return { negated, exact, globs };
}

/** Whether the action part of a statement covers the action: some pattern matches (Action) or none does (NotAction). */
export function actionPartMatches(m: ActionMatcher, action: string, lowerCaseAction: string): boolean {
  const listed = m.exact.has(lowerCaseAction) || m.globs.some((g) => g.matches(action));
  return listed !== m.negated;
}

/** An ARN has six colon-separated components; the literal text must show at least the five colons. */
function resourceProblem(pattern: string, template: Template): string | undefined {
  if (pattern === '*') return undefined;
  const text = staticText(template);
  let colons = 0;
  for (const c of text) if (c === ':') colons++;
  if (!text.startsWith('arn:') || colons < 5) {
    return `"${pattern}" must be "*" or an ARN (arn:partition:service:region:account:resource)`;
  }
  return undefined;
}

/** Compiles the patterns of Resource (or NotResource), or returns what is wrong with one. */
export function compileResources(patterns: readonly string[], negated: boolean, variables: boolean): ResourceMatcher | string {
  const exact = new Set<string>();
  const globs: Glob[] = [];
  const dynamic: Template[] = [];
  for (const p of patterns) {
    const template = parseTemplate(p, variables);
    if (typeof template === 'string') return `"${p}" ${template}`;
    const problem = resourceProblem(p, template);
    if (problem) return problem;
    if (template.dynamic) {
      dynamic.push(template);
      continue;
    }
    const parts = template.parts;
    const literal = parts.length === 1 && parts[0]!.kind === 'text' && !hasWildcard(parts[0]!.text);
    if (literal) exact.add(p);
    else globs.push(new Glob(resolvedGlobTokens(resolveTemplate(template, undefined)!), { unit: 'codePoint' }));
  }
  return { negated, exact, globs, dynamic };
}

/**
 * Whether the resource part of a statement covers the resource. Resource: some pattern matches. NotResource: every
 * pattern could be resolved and none matches — a pattern whose variable has no value cannot prove the resource is
 * outside it, so the statement then does not apply (docs/iam.md).
 */
export function resourcePartMatches(m: ResourceMatcher, resource: string, context: RequestContext): boolean {
  let listed = m.exact.has(resource) || m.globs.some((g) => g.matches(resource));
  let unresolved = false;
  for (let i = 0; !listed && i < m.dynamic.length; i++) {
    const parts = resolveTemplate(m.dynamic[i]!, context);
    if (!parts) unresolved = true;
    else listed = new Glob(resolvedGlobTokens(parts), { unit: 'codePoint' }).matches(resource);
  }
  return m.negated ? !listed && !unresolved : listed;
}
