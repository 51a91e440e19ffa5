// The credentials table of strict mode (docs/strict-mode.md): which access keys exist, their secrets, the account each
// acts in, and what the caller may do (principal ARN, admin flag, IAM identity policies). It is read once at start-up
// from a credentials file (JSON, or YAML) and the DDLOCAL_* environment variables; everything wrong with it is an Error
// whose message names the entry and the field, because a table that is half right would lock people out at request
// time with nothing to go on. Messages never repeat a secret or a session token.
import { createRequire } from 'node:module';
import { jsonTextDepth, MAX_NESTING_DEPTH, tooDeepText, valueDepth } from '../kernel/nesting.js';

/** One IAM identity policy of a credential; the IAM engine reads `document`, this module only checks its shape. */
export interface IdentityPolicy {
  readonly name: string;
  /** The parsed policy document (a JSON object). */
  readonly document: Readonly<Record<string, unknown>>;
}

export interface Credential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly accountId: string;
  /** When set, requests signed with this key must carry it in X-Amz-Security-Token. */
  readonly sessionToken?: string;
  /** The caller's IAM principal; `arn:aws:iam::<accountId>:root` when the entry names none. */
  readonly principalArn: string;
  /** May act on other accounts' state, the clock and a global reset through /_ddlocal/. */
  readonly admin: boolean;
  readonly policies: readonly IdentityPolicy[];
}

/** The environment variables of the one credential that can be given without a file; it is an admin. */
export const ENVIRONMENT_VARIABLES = {
  accessKeyId: 'DDLOCAL_ACCESS_KEY_ID',
  secretAccessKey: 'DDLOCAL_SECRET_ACCESS_KEY',
  accountId: 'DDLOCAL_ACCOUNT_ID',
  sessionToken: 'DDLOCAL_SESSION_TOKEN',
} as const;

/**
 * Access key ids: AWS's own are 16–128 word characters; `.` and `-` are allowed as well so a local table can use
 * readable names (`ci-bot`). Nothing that would end the key inside `Credential=<key>/…` of an Authorization header.
 */
const ACCESS_KEY_ID = /^[A-Za-z0-9_.-]{1,128}$/;
const ACCOUNT_ID = /^\d{12}$/;
/** Header values are trimmed by every HTTP stack, so a token must be visible ASCII without spaces. */
const SESSION_TOKEN = /^[\x21-\x7e]{1,8192}$/;
const MAX_SECRET_LENGTH = 1024;
/** IAM's pattern for policy names. */
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
/** An IAM or STS principal of one account: root, a user, a role or an assumed-role session. */
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:(iam|sts)::(\d{12}):(root|user\/\S+|role\/\S+|assumed-role\/\S+)$/;
const MAX_PRINCIPAL_ARN_LENGTH = 2048;

const ENTRY_FIELDS = ['accessKeyId', 'secretAccessKey', 'accountId', 'sessionToken', 'principalArn', 'admin', 'policies'];
const POLICY_FIELDS = ['name', 'document'];

/** The credentials of strict mode, looked up by access key id. */
export class CredentialsTable {
  private readonly byAccessKeyId: ReadonlyMap<string, Credential>;

  constructor(readonly entries: readonly Credential[]) {
    this.byAccessKeyId = new Map(entries.map((entry) => [entry.accessKeyId, entry]));
  }

  /** The credential of an access key id, or undefined; a plain function so it can be handed to the verifier. */
  readonly lookup = (accessKeyId: string): Credential | undefined => this.byAccessKeyId.get(accessKeyId);

  get size(): number {
    return this.entries.length;
  }
}

/**
 * The table of strict mode from the text of the credentials file (when one is configured; `fileName` names it in
 * messages) and the environment (DDLOCAL_ACCESS_KEY_ID, DDLOCAL_SECRET_ACCESS_KEY, DDLOCAL_ACCOUNT_ID and optionally
 * DDLOCAL_SESSION_TOKEN: one admin credential). Throws an Error with the whole explanation when either is wrong, when
 * both name the same access key, or when there is no credential at all.
 */
export function buildCredentialsTable(
  fileText: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  fileName = 'the credentials file',
): CredentialsTable {
  const fromFile = fileText === undefined ? [] : parseCredentialsFile(fileText, fileName);
  const fromEnvironment = credentialFromEnvironment(env);
  const entries = [...fromFile];
  if (fromEnvironment) {
    const clash = fromFile.findIndex((entry) => entry.accessKeyId === fromEnvironment.accessKeyId);
    if (clash !== -1) {
      throw new Error(
        `${ENVIRONMENT_VARIABLES.accessKeyId} '${fromEnvironment.accessKeyId}' is also the accessKeyId of entry ${clash} of ${fileName}; ` +
          'an access key can have only one secret',
      );
    }
    entries.push(fromEnvironment);
  }
  if (entries.length === 0) {
    throw new Error(
      `strict mode has no credentials: give a credentials file or set ${ENVIRONMENT_VARIABLES.accessKeyId}, ` +
        `${ENVIRONMENT_VARIABLES.secretAccessKey} and ${ENVIRONMENT_VARIABLES.accountId}`,
    );
  }
  return new CredentialsTable(entries);
}

/**
 * The admin credential of the DDLOCAL_* environment variables, or undefined when none of them is set. Setting only
 * some of them is an error: a forgotten variable should not silently turn the credential off.
 */
export function credentialFromEnvironment(env: Readonly<Record<string, string | undefined>>): Credential | undefined {
  const value = (name: string) => {
    const raw = env[name];
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const accessKeyId = value(ENVIRONMENT_VARIABLES.accessKeyId);
  const secretAccessKey = value(ENVIRONMENT_VARIABLES.secretAccessKey);
  const accountId = value(ENVIRONMENT_VARIABLES.accountId);
  const sessionToken = value(ENVIRONMENT_VARIABLES.sessionToken);
  const required = [
    [ENVIRONMENT_VARIABLES.accessKeyId, accessKeyId],
    [ENVIRONMENT_VARIABLES.secretAccessKey, secretAccessKey],
    [ENVIRONMENT_VARIABLES.accountId, accountId],
  ] as const;
  const missing = required.filter(([, v]) => v === undefined).map(([name]) => name);
  if (missing.length === required.length && sessionToken === undefined) return undefined;
  if (missing.length > 0) {
    throw new Error(
      `the environment credential is incomplete: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set ` +
        `(${ENVIRONMENT_VARIABLES.accessKeyId}, ${ENVIRONMENT_VARIABLES.secretAccessKey} and ${ENVIRONMENT_VARIABLES.accountId} go together)`,
    );
  }
  return readEntry(
    { accessKeyId, secretAccessKey, accountId, sessionToken, admin: true },
    (field) => (field in ENVIRONMENT_VARIABLES ? ENVIRONMENT_VARIABLES[field as keyof typeof ENVIRONMENT_VARIABLES] : field),
  );
}

/**
 * The entries of a credentials file: a list of credentials in JSON, or in YAML when the text does not start with `[`
 * or `{`. Throws an Error naming `fileName`, the entry's index (and access key id when it has one) and the field.
 */
export function parseCredentialsFile(text: string, fileName = 'the credentials file'): Credential[] {
  const document = parseDocument(text, fileName);
  if (!Array.isArray(document)) {
    throw new Error(`${fileName} must be a list of credentials (${ENTRY_FIELDS.slice(0, 3).join(', ')}, …), not ${describe(document)}`);
  }
  if (document.length === 0) throw new Error(`${fileName} lists no credentials`);
  const seen = new Map<string, number>();
  return document.map((raw, index) => {
    const named = isPlainObject(raw) && typeof raw.accessKeyId === 'string' && ACCESS_KEY_ID.test(raw.accessKeyId);
    const akid = named ? ` (accessKeyId '${raw.accessKeyId}')` : '';
    const where = `${fileName}, entry ${index}${akid}`;
    let entry: Credential;
    try {
      if (!isPlainObject(raw)) throw new Error(`must be an object with ${ENTRY_FIELDS.slice(0, 3).join(', ')}, not ${describe(raw)}`);
      entry = readEntry(raw, (field) => field);
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
    const earlier = seen.get(entry.accessKeyId);
    if (earlier !== undefined) {
      throw new Error(
        `${fileName}: entries ${earlier} and ${index} both have accessKeyId '${entry.accessKeyId}'; an access key can have only one secret`,
      );
    }
    seen.set(entry.accessKeyId, index);
    return entry;
  });
}

/**
 * The file as a whole is measured before it is parsed, against twice the nesting limit: enough to keep absurd text
 * away, while a policy document (four levels down: the list, the entry, its policies, the policy) that passes the
 * limit is still refused by its own check, whose message names the entry and the policy.
 */
const MAX_FILE_DEPTH = 2 * MAX_NESTING_DEPTH;

function parseDocument(text: string, fileName: string): unknown {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    const depth = jsonTextDepth(text);
    if (depth > MAX_FILE_DEPTH) throw new Error(`${fileName} nests JSON ${depth} levels deep; at most ${MAX_FILE_DEPTH} levels are allowed`);
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new Error(`${fileName} is not valid JSON: ${(err as Error).message}`);
    }
  }
  // Loaded only for YAML files, so a JSON table (the common case) does not pay for the package.
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  let value: unknown;
  try {
    // The package catches its own stack overflow on absurdly nested text and reports it as a syntax error.
    value = yaml.parse(text);
  } catch (err) {
    throw new Error(`${fileName} is neither JSON (which starts with '[') nor valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  // Aliases can nest a value deeper than its text, or inside itself.
  if (valueDepth(value, MAX_FILE_DEPTH) > MAX_FILE_DEPTH) {
    throw new Error(`${fileName} nests YAML more than ${MAX_FILE_DEPTH} levels deep; at most ${MAX_FILE_DEPTH} levels are allowed`);
  }
  return value;
}

/**
 * One credential from its raw fields; `label` turns a field name into the name the person wrote (the field itself in
 * a file, the environment variable otherwise). Throws an Error naming the field.
 */
function readEntry(raw: Record<string, unknown>, label: (field: string) => string): Credential {
  for (const field of Object.keys(raw)) {
    if (!ENTRY_FIELDS.includes(field)) throw new Error(`unknown field '${field}'; a credential has ${ENTRY_FIELDS.join(', ')}`);
  }
  const accessKeyId = requireString(raw, 'accessKeyId', label);
  if (!ACCESS_KEY_ID.test(accessKeyId)) {
    throw new Error(`${label('accessKeyId')} '${accessKeyId.slice(0, 140)}' must be 1 to 128 letters, digits, '_', '.' or '-'`);
  }
  const secretAccessKey = requireString(raw, 'secretAccessKey', label);
  if (secretAccessKey.length > MAX_SECRET_LENGTH) {
    throw new Error(`${label('secretAccessKey')} has ${secretAccessKey.length} characters; at most ${MAX_SECRET_LENGTH} are allowed`);
  }
  const accountId = requireString(raw, 'accountId', label);
  if (!ACCOUNT_ID.test(accountId)) throw new Error(`${label('accountId')} must be 12 digits, not '${accountId.slice(0, 40)}'`);
  let sessionToken: string | undefined;
  if (raw.sessionToken !== undefined) {
    sessionToken = requireString(raw, 'sessionToken', label);
    if (!SESSION_TOKEN.test(sessionToken)) {
      throw new Error(`${label('sessionToken')} must be 1 to 8192 visible ASCII characters without spaces (it travels in an HTTP header)`);
    }
  }
  const principalArn = raw.principalArn === undefined ? `arn:aws:iam::${accountId}:root` : requireString(raw, 'principalArn', label);
  const principal = principalArn.length <= MAX_PRINCIPAL_ARN_LENGTH ? PRINCIPAL_ARN.exec(principalArn) : null;
  if (!principal) {
    throw new Error(
      `${label('principalArn')} '${principalArn.slice(0, 200)}' is not an IAM principal ARN ` +
        '(arn:aws:iam::<account>:root, …:user/<name>, …:role/<name>, or arn:aws:sts::<account>:assumed-role/<role>/<session>)',
    );
  }
  if (principal[2] !== accountId) {
    throw new Error(`${label('principalArn')} is in account ${principal[2]}, but the credential's accountId is ${accountId}`);
  }
  if (raw.admin !== undefined && typeof raw.admin !== 'boolean') {
    throw new Error(`${label('admin')} must be true or false, not ${describe(raw.admin)}`);
  }
  const policies = readPolicies(raw.policies, label('policies'));
  return Object.freeze({
    accessKeyId,
    secretAccessKey,
    accountId,
    ...(sessionToken === undefined ? {} : { sessionToken }),
    principalArn,
    admin: raw.admin === true,
    policies,
  });
}

function readPolicies(raw: unknown, label: string): readonly IdentityPolicy[] {
  if (raw === undefined) return Object.freeze([]);
  if (!Array.isArray(raw)) throw new Error(`${label} must be a list of { name, document }, not ${describe(raw)}`);
  const names = new Set<string>();
  return Object.freeze(
    raw.map((policy, index) => {
      const where = `${label}[${index}]`;
      if (!isPlainObject(policy)) throw new Error(`${where} must be an object with name and document, not ${describe(policy)}`);
      for (const field of Object.keys(policy)) {
        if (!POLICY_FIELDS.includes(field)) throw new Error(`${where}: unknown field '${field}'; a policy has name and document`);
      }
      if (typeof policy.name !== 'string' || !POLICY_NAME.test(policy.name)) {
        throw new Error(`${where}.name must be 1 to 128 letters, digits or the characters _+=,.@-, not ${describe(policy.name)}`);
      }
      if (names.has(policy.name)) throw new Error(`${where}: another policy of this credential is also named '${policy.name}'`);
      names.add(policy.name);
      return Object.freeze({ name: policy.name, document: readPolicyDocument(policy.document, `${where} ('${policy.name}') document`) });
    }),
  );
}

/** A policy document written as an object, or as JSON text the way AWS APIs take it; always returned parsed. */
function readPolicyDocument(raw: unknown, where: string): Record<string, unknown> {
  let document = raw;
  if (typeof raw === 'string') {
    const depth = jsonTextDepth(raw);
    if (depth > MAX_NESTING_DEPTH) throw new Error(`${where} ${tooDeepText(depth)}`);
    try {
      document = JSON.parse(raw);
    } catch {
      throw new Error(`${where} is a string that is not valid JSON`);
    }
  } else {
    // The walk stops once past the limit, so the message cannot say how deep the document really goes.
    if (valueDepth(raw) > MAX_NESTING_DEPTH) {
      throw new Error(`${where} nests more than ${MAX_NESTING_DEPTH} levels deep; at most ${MAX_NESTING_DEPTH} levels are allowed`);
    }
  }
  if (!isPlainObject(document)) {
    throw new Error(`${where} must be a JSON object (a policy with Version and Statement), not ${describe(document)}`);
  }
  return document;
}

function requireString(raw: Record<string, unknown>, field: string, label: (field: string) => string): string {
  const value = raw[field];
  if (value === undefined) throw new Error(`${label(field)} is missing`);
  if (typeof value === 'number') {
    // YAML reads unquoted digits as a number, which would also drop an account id's leading zeros.
    throw new Error(`${label(field)} must be a string; write the number ${value} in quotes`);
  }
  if (typeof value !== 'string') throw new Error(`${label(field)} must be a string, not ${describe(value)}`);
  if (value === '') throw new Error(`${label(field)} is empty`);
  return value;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/** What a value is, for messages, without repeating its content. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
