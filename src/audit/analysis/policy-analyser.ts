// The IoT policy analyser (docs/decisions.md#a11, #a23, #a24): pure functions over policy documents. The two IoT
// policy checks use it. It is also the one home of the statement model and of the "broad resource" rule: the
// Cognito and role-alias checks (src/audit/analysis/iam-analysis.ts) read IAM role policies through
// `parsePolicyDocument` and judge breadth through `allowsBroadly` / `broadDataPlaneActionsIn`, so an IoT policy and
// an IAM role that grant the same resource always get the same verdict. Nothing here touches the store.
import { Glob, GlobCache, simpleGlobTokens, type GlobToken, type StepCounter } from '../../kernel/glob.js';

/** A statement with every list-valued member normalised to a list. */
export interface Statement {
  effect: 'Allow' | 'Deny';
  /** Action patterns (of `Action`, or of `NotAction` when `notAction`). */
  actions: string[];
  notAction: boolean;
  /** Resource patterns (of `Resource`, or of `NotResource` when `notResource`). */
  resources: string[];
  notResource: boolean;
  /** The statement carries `"Bool": {"iot:Connection.Thing.IsAttached": "true"}` (docs/decisions.md#a23). */
  attachedBound: boolean;
}

/** The data-plane actions in canonical order and the resource type each is authorised on (docs/decisions.md#a23). */
export const DATA_PLANE_ACTIONS: ReadonlyArray<{ action: string; resourceType: string }> = [
  { action: 'iot:Connect', resourceType: 'client' },
  { action: 'iot:Publish', resourceType: 'topic' },
  { action: 'iot:RetainPublish', resourceType: 'topic' },
  { action: 'iot:Subscribe', resourceType: 'topicfilter' },
  { action: 'iot:GetThingShadow', resourceType: 'thing' },
  { action: 'iot:UpdateThingShadow', resourceType: 'thing' },
  { action: 'iot:DeleteThingShadow', resourceType: 'thing' },
  { action: 'iot:ListNamedShadowsForThing', resourceType: 'thing' },
  { action: 'iot:DescribeJobExecution', resourceType: 'thing' },
  { action: 'iot:GetPendingJobExecutions', resourceType: 'thing' },
  { action: 'iot:StartNextPendingJobExecution', resourceType: 'thing' },
  { action: 'iot:UpdateJobExecution', resourceType: 'thing' },
];

// ---------------------------------------------------------------------------------------------------------------
// Reading a document

const asList = (v: unknown): string[] => (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isAttachedBound(condition: unknown): boolean {
  if (!isObject(condition) || !isObject(condition.Bool)) return false;
  // Condition keys are case-insensitive in AWS policy evaluation; operator names are not.
  for (const [key, value] of Object.entries(condition.Bool)) {
    if (key.toLowerCase() !== 'iot:connection.thing.isattached') continue;
    const values = Array.isArray(value) ? value : [value];
    if (values.length > 0 && values.every((v) => v === true || (typeof v === 'string' && v.toLowerCase() === 'true'))) return true;
  }
  return false;
}

function normaliseStatement(raw: unknown): Statement | undefined {
  if (!isObject(raw) || (raw.Effect !== 'Allow' && raw.Effect !== 'Deny')) return undefined;
  const notAction = raw.Action === undefined && raw.NotAction !== undefined;
  const notResource = raw.Resource === undefined && raw.NotResource !== undefined;
  return {
    effect: raw.Effect,
    actions: asList(notAction ? raw.NotAction : raw.Action),
    notAction,
    resources: asList(notResource ? raw.NotResource : raw.Resource),
    notResource,
    attachedBound: isAttachedBound(raw.Condition),
  };
}

/**
 * Parses a policy document (JSON text or an already parsed object) into normalised statements. Lenient by design:
 * stored IoT documents were validated at creation, and IAM documents from the ingest store are only read, so a
 * statement the analyser cannot understand is skipped rather than failing the audit.
 */
export function parsePolicyDocument(document: string | unknown): Statement[] {
  let parsed: unknown = document;
  if (typeof document === 'string') {
    try {
      parsed = JSON.parse(document);
    } catch {
      return [];
    }
  }
  if (!isObject(parsed)) return [];
  const raw = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  return raw.map(normaliseStatement).filter((s): s is Statement => s !== undefined);
}

// ---------------------------------------------------------------------------------------------------------------
// Actions

// Patterns come from user policy documents and ingested IAM roles, so they are matched by the linear-time automaton
// of glob.ts, never by a RegExp built from them (which backtracks exponentially on patterns like `*a*a*a*a*b`).
// Characters are UTF-16 code units (a `?` matches half of an astral character) and action letters compare as a
// RegExp with the `i` flag compares them: the semantics these matchers had when they were such RegExps.
const actionGlobs = new GlobCache();

/** Action pattern vs action name: case-insensitive, `*` any run of characters, `?` exactly one. */
export function actionMatches(pattern: string, action: string, counter?: StepCounter): boolean {
  const glob =
    actionGlobs.get(pattern) ?? actionGlobs.set(pattern, new Glob(simpleGlobTokens(pattern), { unit: 'codeUnit', ignoreCase: true }));
  return glob.matches(action, counter);
}

/** Whether the statement applies to `action` (a `NotAction` statement applies to every action it does not list). */
export function statementCoversAction(statement: Statement, action: string): boolean {
  const listed = statement.actions.some((p) => actionMatches(p, action));
  return statement.notAction ? !listed : listed;
}

// ---------------------------------------------------------------------------------------------------------------
// Resources

/** What one resource pattern covers: every IoT resource (`anyType`), resources of one type, or nothing (non-IoT). */
type ResourceScope = { kind: 'any' } | { kind: 'typed'; type: string; path: string } | { kind: 'none' };

const hasWildcard = (s: string) => s.includes('*') || s.includes('?');

/** `*`, or `arn:<partition>:iot:<region>:<account>:<type>/<path>` (the path may itself contain `:`). */
export function parseResource(resource: string): ResourceScope {
  if (resource === '*') return { kind: 'any' };
  const parts = resource.split(':');
  if (parts[0] !== 'arn') return { kind: 'none' };
  // The service segment decides first: `arn:aws:s3:*` covers no IoT resource however it ends.
  const service = parts[2];
  if (service !== undefined && !actionMatches(service, 'iot')) return { kind: 'none' };
  if (parts.length < 6) {
    // A `*` that ends an ARN segment also matches across the following `:` (IAM ARN matching), so a truncated ARN
    // such as `arn:aws:iot:*` or `arn:aws:iot:us-east-1:*` covers every IoT resource; without it, it covers none.
    return parts[parts.length - 1]!.endsWith('*') ? { kind: 'any' } : { kind: 'none' };
  }
  const rest = parts.slice(5).join(':');
  const slash = rest.indexOf('/');
  const type = slash < 0 ? rest : rest.slice(0, slash);
  // A wildcard type (`*`, `t*`, `th?ng`) covers every type (docs/decisions.md#a23), rather than only the types its
  // pattern matches: conservative, and the rule the IAM role checks follow too.
  if (hasWildcard(type)) return { kind: 'any' };
  return { kind: 'typed', type, path: slash < 0 ? '' : rest.slice(slash + 1) };
}

/** Device-bound policy variables resolve to the connecting device's own identity. */
export function isDeviceBoundVariable(name: string): boolean {
  return (
    name === 'iot:Connection.Thing.ThingName' ||
    name === 'iot:ClientId' ||
    name.startsWith('iot:Certificate.') ||
    name.startsWith('iot:Connection.Thing.Attributes[')
  );
}

/** Where the literal prefix of a path ends and why (docs/decisions.md#a23). */
type PrefixEnd = { kind: 'exact' } | { kind: 'wildcard' } | { kind: 'deviceVariable'; name: string };

function literalPrefix(path: string, type: string): { prefix: string; end: PrefixEnd } {
  let mqttAt = -1;
  if (type === 'topicfilter') {
    // A segment that is exactly `+` or `#` is an MQTT wildcard subscription, so it ends the literal prefix too.
    let offset = 0;
    for (const segment of path.split('/')) {
      if (segment === '+' || segment === '#') {
        mqttAt = offset;
        break;
      }
      offset += segment.length + 1;
    }
  }
  for (let i = 0; i < path.length; i++) {
    if (i === mqttAt || path[i] === '*' || path[i] === '?') return { prefix: path.slice(0, i), end: { kind: 'wildcard' } };
    if (path.startsWith('${', i)) {
      const close = path.indexOf('}', i);
      const name = close < 0 ? '' : path.slice(i + 2, close);
      const end: PrefixEnd = isDeviceBoundVariable(name) ? { kind: 'deviceVariable', name } : { kind: 'wildcard' };
      return { prefix: path.slice(0, i), end };
    }
  }
  return { prefix: path, end: { kind: 'exact' } };
}

const THINGS_TOPIC_ROOT = '$aws/things/';

/**
 * Does this resource pattern, in a statement that allows a data-plane action of `resourceType`, grant broad access
 * (docs/decisions.md#a23)? A resource that does not cover `resourceType` is never broad. `attachedBound` is the
 * statement's IsAttached condition, which scopes `client/${iot:ClientId}`-style resources to the attached thing.
 */
export function isBroadResource(resource: string, resourceType: string, attachedBound = false): boolean {
  const scope = parseResource(resource);
  if (scope.kind === 'none') return false;
  if (scope.kind === 'any') return true;
  if (scope.type !== resourceType) return false;
  if (scope.path === '*') return true;
  const { prefix, end } = literalPrefix(scope.path, resourceType);
  if (end.kind === 'exact') return false;
  if (end.kind === 'deviceVariable') {
    // Without the IsAttached condition the client id is whatever the device chooses, so `client/${iot:ClientId}`
    // binds nothing. With literal text before the variable (`client/dev-${iot:ClientId}`) the resource can never be
    // the connecting client's own id, so it grants nothing, let alone broad access.
    const clientChosen = end.name === 'iot:ClientId' || end.name === 'iot:Connection.Thing.ThingName';
    return resourceType === 'client' && prefix === '' && clientChosen && !attachedBound;
  }
  if (resourceType === 'topic' || resourceType === 'topicfilter') return THINGS_TOPIC_ROOT.startsWith(prefix);
  return prefix === '';
}

/**
 * Whether any Allow statement grants `action` (authorised on resources of `resourceType`) broadly: through a broad
 * resource (docs/decisions.md#a23), or through `NotResource` (docs/decisions.md#a11). Deny statements are ignored:
 * they never cancel a broad Allow.
 */
export function allowsBroadly(statements: readonly Statement[], action: string, resourceType: string): boolean {
  return statements.some(
    (s) =>
      s.effect === 'Allow' &&
      statementCoversAction(s, action) &&
      (s.notResource || s.resources.some((r) => isBroadResource(r, resourceType, s.attachedBound))),
  );
}

/**
 * The data-plane actions (canonical order, never `iot:Receive`; docs/decisions.md#a23) that the statements allow
 * broadly; empty when compliant. The shared rule for IOT_POLICY_OVERLY_PERMISSIVE_CHECK and the data-plane codes
 * of the Cognito and role-alias checks.
 */
export function broadDataPlaneActionsIn(statements: readonly Statement[]): string[] {
  return DATA_PLANE_ACTIONS.filter((a) => allowsBroadly(statements, a.action, a.resourceType)).map((a) => a.action);
}

/** `broadDataPlaneActionsIn` for one document (the JSON text or the parsed object of an IoT or IAM policy). */
export function broadDataPlaneActions(document: string | unknown): string[] {
  return broadDataPlaneActionsIn(parsePolicyDocument(document));
}

// ---------------------------------------------------------------------------------------------------------------
// Mis-configuration (docs/decisions.md#a24)

const MQTT_ACTIONS = ['iot:Publish', 'iot:RetainPublish', 'iot:Subscribe', 'iot:Receive'];
const resourceGlobs = new GlobCache();

/** A resource path pattern as glob tokens: `${…}` variables become runs, `*` and `?` wildcards, the rest literal. */
function resourcePathTokens(pattern: string): GlobToken[] {
  const tokens: GlobToken[] = [];
  let text = '';
  const flush = () => {
    if (text !== '') tokens.push({ kind: 'literal', text });
    text = '';
  };
  // Once no `}` is left, later `${` need not search again (which would be quadratic in `${${${…`).
  let closeLeft = true;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const close = closeLeft && c === '$' && pattern[i + 1] === '{' ? pattern.indexOf('}', i) : -1;
    if (close < 0 && c === '$' && pattern[i + 1] === '{') closeLeft = false;
    if (close >= 0) {
      flush();
      tokens.push({ kind: isDeviceBoundVariable(pattern.slice(i + 2, close)) ? 'segment' : 'run' });
      i = close;
    } else if (c === '*' || c === '?') {
      flush();
      tokens.push({ kind: c === '*' ? 'run' : 'one' });
    } else text += c;
  }
  flush();
  return tokens;
}

/**
 * IoT resource-path matching against a concrete string: `*` any run (including `/`), `?` one character, `+` and
 * `#` literal. Device-bound variables stand for one device's name (a non-empty run without `/`); other variables
 * match like `*`.
 */
export function resourcePathMatches(pattern: string, value: string, counter?: StepCounter): boolean {
  return resourceGlob(pattern).matches(value, counter);
}

function resourceGlob(pattern: string): Glob {
  return resourceGlobs.get(pattern) ?? resourceGlobs.set(pattern, new Glob(resourcePathTokens(pattern), { unit: 'codeUnit' }));
}

/**
 * Concrete requests `type/<path>`, one per cut, where each path is `value.slice(0, cut) + suffix`: for each, whether
 * the statement's resources cover it. Each resource pattern reads `value` once for all cuts (Glob.matchesPrefixes),
 * so asking about every parent filter of a long topic costs about as much as asking about one.
 */
function statementCoversEach(
  statement: Statement,
  type: string,
  value: string,
  cuts: readonly number[],
  suffix: string,
  counter?: StepCounter,
): boolean[] {
  const listed = cuts.map(() => false);
  for (const resource of statement.resources) {
    const scope = parseResource(resource);
    if (scope.kind === 'any') listed.fill(true);
    else if (scope.kind === 'typed' && scope.type === type) {
      const covered = resourceGlob(scope.path).matchesPrefixes(value, cuts, suffix, counter);
      covered.forEach((c, k) => c && (listed[k] = true));
    }
  }
  return statement.notResource ? listed.map((covered) => !covered) : listed;
}

/** The effective decision for each of those requests: some Allow covers it and no Deny does. */
function permitsEach(
  statements: readonly Statement[],
  action: string,
  type: string,
  value: string,
  cuts: readonly number[],
  suffix: string,
  counter?: StepCounter,
): boolean[] {
  const allowed = cuts.map(() => false);
  const denied = cuts.map(() => false);
  for (const s of statements) {
    if (!statementCoversAction(s, action)) continue;
    const into = s.effect === 'Allow' ? allowed : denied;
    statementCoversEach(s, type, value, cuts, suffix, counter).forEach((covered, k) => covered && (into[k] = true));
  }
  return cuts.map((_, k) => allowed[k]! && !denied[k]!);
}

/** The effective decision for one concrete request. */
function permits(statements: readonly Statement[], action: string, type: string, path: string, counter?: StepCounter): boolean {
  return permitsEach(statements, action, type, path, [path.length], '', counter)[0]!;
}

/** Paths of the literal `topic/` and `topicfilter/` resources listed by a statement, with the full resource. */
function mqttResources(statement: Statement): Array<{ resource: string; type: string; path: string }> {
  if (statement.notResource) return [];
  const out: Array<{ resource: string; type: string; path: string }> = [];
  for (const resource of statement.resources) {
    const scope = parseResource(resource);
    if (scope.kind === 'typed' && (scope.type === 'topic' || scope.type === 'topicfilter'))
      out.push({ resource, type: scope.type, path: scope.path });
  }
  return out;
}

/** The Deny resources that use `+` or `#`, which IoT matches literally (code POLICY_CONTAINS_MQTT_WILDCARDS_IN_DENY_STATEMENT). */
function mqttWildcardDenyResources(statements: readonly Statement[]): string[] {
  const found = new Set<string>();
  for (const s of statements) {
    if (s.effect !== 'Deny' || !MQTT_ACTIONS.some((a) => statementCoversAction(s, a))) continue;
    for (const r of mqttResources(s)) if (/[+#]/.test(r.path)) found.add(r.resource);
  }
  return [...found];
}

export interface CircumventedDeny {
  /** The denied topic-filter path. */
  deniedFilter: string;
  /** The parent filter F_j that stays subscribable. */
  parentFilter: string;
  /** The literal prefix L of the denied filter. */
  prefix: string;
}

/**
 * A denied filter's literal prefix L and where its parent filters end: F_0 = `#` and, after each `/` of L, the part
 * of L up to it followed by `#`. F_j is `prefix.slice(0, cuts[j]) + '#'`.
 */
function parentFilterCuts(deniedPath: string): { prefix: string; cuts: number[] } {
  const cut = deniedPath.search(/\*|\?|\$\{|\+|#/);
  const prefix = cut < 0 ? deniedPath : deniedPath.slice(0, cut);
  const cuts = [0];
  for (let i = 0; i < prefix.length; i++) if (prefix[i] === '/') cuts.push(i + 1);
  return { prefix, cuts };
}

/** The parent filters `#`, `a/#`, `a/b/#`, … of a denied filter's literal prefix (docs/decisions.md#a24). */
export function parentFilters(deniedPath: string): { prefix: string; filters: string[] } {
  const { prefix, cuts } = parentFilterCuts(deniedPath);
  return { prefix, filters: cuts.map((cut) => `${prefix.slice(0, cut)}#`) };
}

/**
 * The first Deny of `iot:Subscribe` (document order) that a parent wildcard filter circumvents
 * (docs/decisions.md#a24): the parent filter may be subscribed to, and a message published under the denied prefix
 * would be received through it.
 * `counter` adds up the pattern-matching work (for tests).
 */
export function circumventedSubscribeDeny(statements: readonly Statement[], counter?: StepCounter): CircumventedDeny | undefined {
  for (const s of statements) {
    if (s.effect !== 'Deny' || !statementCoversAction(s, 'iot:Subscribe')) continue;
    for (const r of mqttResources(s)) {
      if (r.type !== 'topicfilter') continue;
      const { prefix, cuts } = parentFilterCuts(r.path);
      const receivable = permits(statements, 'iot:Receive', 'topic', `${prefix}ddlocal-probe`, counter);
      if (!receivable) continue;
      const parent = permitsEach(statements, 'iot:Subscribe', 'topicfilter', prefix, cuts, '#', counter).indexOf(true);
      if (parent >= 0) return { deniedFilter: r.path, parentFilter: `${prefix.slice(0, cuts[parent])}#`, prefix };
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Verdicts with their reason texts

export interface PolicyVerdict {
  code: string;
  text: string;
}

/** IOT_POLICY_OVERLY_PERMISSIVE_CHECK's verdict for one document: at most one code (docs/decisions.md#a11). */
export function overlyPermissiveVerdict(document: string | unknown): PolicyVerdict | undefined {
  const actions = broadDataPlaneActions(document);
  if (actions.length === 0) return undefined;
  return {
    code: 'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS',
    text: `Policy allows broad access to IoT data plane actions: [${actions.join(', ')}].`,
  };
}

/** IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK's verdicts for one document: zero, one or both codes
 *  (docs/decisions.md#a24). */
export function misconfigurationVerdicts(document: string | unknown): PolicyVerdict[] {
  const statements = parsePolicyDocument(document);
  const verdicts: PolicyVerdict[] = [];
  const wildcards = mqttWildcardDenyResources(statements);
  if (wildcards.length > 0)
    verdicts.push({
      code: 'POLICY_CONTAINS_MQTT_WILDCARDS_IN_DENY_STATEMENT',
      text: `Deny statement uses MQTT wildcard characters, which IoT policies match literally: [${wildcards.join(', ')}].`,
    });
  const circumvented = circumventedSubscribeDeny(statements);
  if (circumvented)
    verdicts.push({
      code: 'TOPIC_FILTERS_INTENDED_TO_DENY_ALLOWED_USING_WILDCARDS',
      text:
        `Subscribing to ${circumvented.deniedFilter} is denied, but the allowed filter ${circumvented.parentFilter} ` +
        `still delivers messages published under ${circumvented.prefix}.`,
    });
  return verdicts;
}
