// Every setting of ddlocal in one table: its `ddlocal serve` flag (if any), its environment variable, its default,
// one line of documentation and its parser. The table is the only place that reads the environment; `ddlocal serve`
// reads it once at start, and the features receive plain values from the composition root (app.ts). The README's
// configuration table and `ddlocal serve --help` are generated from it (scripts/configuration-table.mjs), and a test
// fails when a DDLOCAL_* variable appears in src/ without a row here.
//
// Kept free of heavy imports: `ddlocal --help` loads it.
import { delimiter } from 'node:path';
import { parseHostAllowance, parseOriginAllowance } from '../protocol/request-origin.js';

/** The settings after parsing: what `ddlocal serve` hands to startDdlocal. */
export interface DdlocalConfig {
  host: string;
  port: number;
  data: string;
  databaseUrl: URL | undefined;
  defaultRegion: string;
  logLevel: string;
  logFormat: LogFormat;
  metrics: MetricsMode;
  mitigationProgressLogMs: number;
  weakKeyBlocklists: string[];
  enforceRolePermissions: boolean;
  mitigationLeaseMs: number;
  mitigationBatchSize: number;
  snsDeliveryDeadlineMs: number;
  crlFileUrls: boolean;
  authMode: AuthMode;
  credentialsFile: string | undefined;
  adminAccessKeyId: string | undefined;
  adminSecretAccessKey: string | undefined;
  adminAccountId: string | undefined;
  adminSessionToken: string | undefined;
  allowUnauthenticatedNetwork: boolean;
  allowedHosts: string[];
  allowedOrigins: string[];
}

/** `auto`: readable lines on a terminal, JSON lines otherwise (docs/observability.md). */
export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * `/metrics` (docs/observability.md): `on` served, in strict mode to signed callers allowed `ddlocal:GetMetrics`;
 * `unsigned` served without a signature in strict mode too; `off` not served.
 */
export type MetricsMode = 'on' | 'unsigned' | 'off';

/** `open`: callers are not authenticated (docs/decisions.md#w11); `strict`: SigV4 verified. */
export type AuthMode = 'open' | 'strict';

export type SettingKey = keyof DdlocalConfig;

/** A value that cannot be used; its message is the whole explanation (`ddlocal serve` prints it and exits 2). */
export class ConfigurationError extends Error {}

export interface Setting<K extends SettingKey = SettingKey> {
  key: K;
  /**
   * The `ddlocal serve` flag with its value placeholder, e.g. `--port <port>`; it wins over the environment variable.
   * `<name...>` takes the flag repeatedly (the values joined with commas); without a placeholder it is a switch, `true`
   * when given.
   */
  flag?: `--${string}`;
  env: `DDLOCAL_${string}`;
  /** What applies when neither the flag nor the variable is set, written as a value would be; none: unset. */
  default?: string;
  /** One line for the README and `--help` (Markdown code spans allowed). */
  doc: string;
  /** Turns the text of the flag or variable into the value; throws ConfigurationError saying what is wrong. */
  parse(raw: string): DdlocalConfig[K];
}

/** A setting without a default: unset (or empty) is undefined. */
const optionalText = (raw: string): string | undefined => (raw === '' ? undefined : raw);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const DEFAULT_MITIGATION_LEASE_SECONDS = '30';
const DEFAULT_MITIGATION_BATCH_SIZE = '500';
const MAX_MITIGATION_BATCH_SIZE = 5000;
const DEFAULT_SNS_DELIVERY_DEADLINE_SECONDS = '300';
const DEFAULT_MITIGATION_PROGRESS_LOG_SECONDS = '10';

function parseProgressLogInterval(raw: string): number {
  const seconds = Number(raw === '' ? DEFAULT_MITIGATION_PROGRESS_LOG_SECONDS : raw);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new ConfigurationError(`DDLOCAL_MITIGATION_PROGRESS_LOG_SECONDS must be a number of seconds, 0 or more, got "${raw}"`);
  return seconds * 1000;
}

function parsePort(raw: string): number {
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535)
    throw new ConfigurationError(`--port must be an integer from 0 to 65535, got '${raw}'`);
  return Number(raw);
}

function parseDatabaseUrl(raw: string): URL | undefined {
  if (raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigurationError('--database-url must be a URL such as postgres://user:password@host:5432/database');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new ConfigurationError(`--database-url must start with postgres:// or postgresql://, got '${url.protocol}//…'`);
  return url;
}

function parseMitigationLease(raw: string): number {
  const seconds = Number(raw === '' ? DEFAULT_MITIGATION_LEASE_SECONDS : raw);
  if (!Number.isFinite(seconds) || seconds < 1)
    throw new ConfigurationError(`DDLOCAL_MITIGATION_LEASE_SECONDS must be a number of seconds, at least 1, got "${raw}"`);
  return seconds * 1000;
}

function parseMitigationBatchSize(raw: string): number {
  const size = Number(raw === '' ? DEFAULT_MITIGATION_BATCH_SIZE : raw);
  if (!Number.isInteger(size) || size < 1 || size > MAX_MITIGATION_BATCH_SIZE)
    throw new ConfigurationError(`DDLOCAL_MITIGATION_BATCH_SIZE must be a whole number from 1 to ${MAX_MITIGATION_BATCH_SIZE}, got "${raw}"`);
  return size;
}

function parseSnsDeliveryDeadline(raw: string): number {
  const seconds = Number(raw === '' ? DEFAULT_SNS_DELIVERY_DEADLINE_SECONDS : raw);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new ConfigurationError(`DDLOCAL_SNS_DELIVERY_DEADLINE_SECONDS must be a positive number of seconds, got "${raw}"`);
  return seconds * 1000;
}

function parseEnforceRolePermissions(raw: string): boolean {
  const word = raw.trim().toLowerCase();
  if (['', 'false', '0', 'no', 'off'].includes(word)) return false;
  if (['true', '1', 'yes', 'on'].includes(word)) return true;
  throw new ConfigurationError(`DDLOCAL_ENFORCE_ROLE_PERMISSIONS must be true or false, got "${raw}"`);
}

function parseSwitch(env: string, raw: string): boolean {
  const word = raw.trim().toLowerCase();
  if (['', 'false', '0', 'no', 'off'].includes(word)) return false;
  if (['true', '1', 'yes', 'on'].includes(word)) return true;
  throw new ConfigurationError(`${env} must be true or false, got "${raw}"`);
}

/** A comma-separated list, each entry checked by `parse`; `what` names the setting and the entry's kind. */
function parseList(raw: string, what: string, parse: (entry: string) => unknown): string[] {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const bad = entries.find((entry) => parse(entry) === undefined);
  if (bad !== undefined) throw new ConfigurationError(`${what}, got '${bad}'`);
  return entries;
}

/** Every setting, in the order of the README table. */
export const SETTINGS: readonly Setting[] = [
  {
    key: 'host',
    flag: '--host <host>',
    env: 'DDLOCAL_HOST',
    default: '127.0.0.1',
    doc: 'address to listen on',
    parse: (raw) => {
      if (!raw) throw new ConfigurationError('--host must not be empty');
      return raw;
    },
  } satisfies Setting<'host'>,
  {
    key: 'port',
    flag: '--port <port>',
    env: 'DDLOCAL_PORT',
    default: '4580',
    doc: 'port; `0` picks a free port (the URL is printed at start)',
    parse: parsePort,
  } satisfies Setting<'port'>,
  {
    key: 'data',
    flag: '--data <file>',
    env: 'DDLOCAL_DATA',
    default: './.ddlocal/ddlocal.db',
    doc: 'SQLite file (created with its directory); `:memory:` keeps nothing',
    parse: (raw) => raw,
  } satisfies Setting<'data'>,
  {
    key: 'databaseUrl',
    flag: '--database-url <url>',
    env: 'DDLOCAL_DATABASE_URL',
    doc: '`postgres://user:pass@host:5432/db`: use PostgreSQL instead of SQLite',
    parse: parseDatabaseUrl,
  } satisfies Setting<'databaseUrl'>,
  {
    key: 'defaultRegion',
    flag: '--default-region <region>',
    env: 'DDLOCAL_DEFAULT_REGION',
    default: 'us-east-1',
    doc: 'region of requests without an `Authorization` header',
    parse: (raw) => raw,
  } satisfies Setting<'defaultRegion'>,
  {
    key: 'logLevel',
    flag: '--log-level <level>',
    env: 'DDLOCAL_LOG_LEVEL',
    default: 'info',
    doc: '`fatal`, `error`, `warn`, `info`, `debug` or `silent`; one JSON line per request on stdout',
    parse: (raw) => {
      if (!LOG_LEVELS.includes(raw)) throw new ConfigurationError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${raw}'`);
      return raw;
    },
  } satisfies Setting<'logLevel'>,
  {
    key: 'logFormat',
    flag: '--log-format <format>',
    env: 'DDLOCAL_LOG_FORMAT',
    default: 'auto',
    doc: '`pretty`: readable, coloured lines; `json`: one JSON object per line; `auto`: `pretty` when stdout is a terminal, else `json`',
    parse: (raw) => {
      if (raw === 'auto' || raw === 'json' || raw === 'pretty') return raw;
      throw new ConfigurationError(`--log-format must be auto, json or pretty, got '${raw}'`);
    },
  } satisfies Setting<'logFormat'>,
  {
    key: 'metrics',
    flag: '--metrics <mode>',
    env: 'DDLOCAL_METRICS',
    default: 'on',
    doc:
      'Prometheus metrics at `GET /metrics` and `/_ddlocal/metrics`: `on` (in `strict` mode only for signed callers ' +
      'allowed `ddlocal:GetMetrics`), `unsigned` (also unsigned scrapers in `strict` mode), `off` (docs/observability.md)',
    parse: (raw) => {
      if (raw === 'on' || raw === 'unsigned' || raw === 'off') return raw;
      throw new ConfigurationError(`--metrics must be on, unsigned or off, got '${raw}'`);
    },
  } satisfies Setting<'metrics'>,
  {
    key: 'mitigationProgressLogMs',
    env: 'DDLOCAL_MITIGATION_PROGRESS_LOG_SECONDS',
    default: DEFAULT_MITIGATION_PROGRESS_LOG_SECONDS,
    doc: 'how often a running mitigation task logs its progress (findings done, total, rate)',
    parse: parseProgressLogInterval,
  } satisfies Setting<'mitigationProgressLogMs'>,
  // Who may reach ddlocal: docs/decisions.md#w18, docs/decisions.md#w19, docs/decisions.md#w20.
  {
    key: 'authMode',
    flag: '--auth-mode <mode>',
    env: 'DDLOCAL_AUTH_MODE',
    default: 'open',
    doc:
      '`open`: the access key id only picks the account, nothing is verified; `strict`: every request must carry a ' +
      'valid SigV4 signature of a key in the credentials table, and callers get only what their IAM policies allow ' +
      '(docs/strict-mode.md)',
    parse: (raw) => {
      if (raw === 'open' || raw === 'strict') return raw;
      throw new ConfigurationError(`--auth-mode must be open or strict, got '${raw}'`);
    },
  } satisfies Setting<'authMode'>,
  {
    key: 'credentialsFile',
    flag: '--credentials-file <file>',
    env: 'DDLOCAL_CREDENTIALS_FILE',
    doc:
      '`strict` mode: a JSON or YAML list of access keys with their secret, account, principal ARN, admin flag and IAM ' +
      'policies (docs/strict-mode.md)',
    parse: optionalText,
  } satisfies Setting<'credentialsFile'>,
  {
    key: 'adminAccessKeyId',
    env: 'DDLOCAL_ACCESS_KEY_ID',
    doc: '`strict` mode: the access key id of one admin credential given without a file (with the next two)',
    parse: optionalText,
  } satisfies Setting<'adminAccessKeyId'>,
  {
    key: 'adminSecretAccessKey',
    env: 'DDLOCAL_SECRET_ACCESS_KEY',
    doc: '`strict` mode: the secret access key of that admin credential',
    parse: optionalText,
  } satisfies Setting<'adminSecretAccessKey'>,
  {
    key: 'adminAccountId',
    env: 'DDLOCAL_ACCOUNT_ID',
    doc: '`strict` mode: the 12-digit account of that admin credential',
    parse: optionalText,
  } satisfies Setting<'adminAccountId'>,
  {
    key: 'adminSessionToken',
    env: 'DDLOCAL_SESSION_TOKEN',
    doc: '`strict` mode: a session token that admin credential requires in `X-Amz-Security-Token` (optional)',
    parse: optionalText,
  } satisfies Setting<'adminSessionToken'>,
  {
    key: 'allowUnauthenticatedNetwork',
    flag: '--allow-unauthenticated-network',
    env: 'DDLOCAL_ALLOW_UNAUTHENTICATED_NETWORK',
    default: 'false',
    doc:
      'let `open` mode listen on an address other than loopback (the variable: `true`), where anyone who can reach ' +
      'the port can change every account and the clock; without it such a start is refused',
    parse: (raw) => parseSwitch('DDLOCAL_ALLOW_UNAUTHENTICATED_NETWORK', raw),
  } satisfies Setting<'allowUnauthenticatedNetwork'>,
  {
    key: 'allowedHosts',
    flag: '--allowed-host <host...>',
    env: 'DDLOCAL_ALLOWED_HOSTS',
    doc:
      'host names or addresses (`name`: any port, `name:port`: that port), comma-separated or repeated, accepted in ' +
      'the `Host` header besides loopback names and the listening address; other hosts get `403`',
    parse: (raw) =>
      parseList(raw, '--allowed-host must be host names or addresses with an optional port, such as ddlocal.internal or 10.0.0.5:4580', parseHostAllowance),
  } satisfies Setting<'allowedHosts'>,
  {
    key: 'allowedOrigins',
    flag: '--allowed-origin <origin...>',
    env: 'DDLOCAL_ALLOWED_ORIGINS',
    doc:
      'origins such as `http://localhost:3000`, comma-separated or repeated, whose web pages may send requests; ' +
      'browser requests from other origins get `403`',
    parse: (raw) => parseList(raw, '--allowed-origin must be origins such as http://localhost:3000', parseOriginAllowance),
  } satisfies Setting<'allowedOrigins'>,
  {
    key: 'weakKeyBlocklists',
    env: 'DDLOCAL_WEAK_KEY_BLOCKLISTS',
    doc:
      '`:`-separated openssl-blacklist files for the CVE-2008-0166 key-quality test; without them that test is inactive ' +
      '(a warning says so at start)',
    parse: (raw) =>
      raw
        .split(delimiter)
        .map((path) => path.trim())
        .filter((path) => path !== ''),
  } satisfies Setting<'weakKeyBlocklists'>,
  {
    key: 'enforceRolePermissions',
    env: 'DDLOCAL_ENFORCE_ROLE_PERMISSIONS',
    default: 'false',
    doc:
      '`true`: audits need the account\'s audit role, and mitigation actions a role allowing their IoT actions, in the ' +
      'IAM store (`/_ddlocal/iam/roles/…`); otherwise they fail with `INSUFFICIENT_PERMISSIONS`',
    parse: parseEnforceRolePermissions,
  } satisfies Setting<'enforceRolePermissions'>,
  {
    key: 'mitigationLeaseMs',
    env: 'DDLOCAL_MITIGATION_LEASE_SECONDS',
    default: DEFAULT_MITIGATION_LEASE_SECONDS,
    doc:
      'how long a mitigation worker holds a claimed finding; after a crash, the findings it held are taken over when ' +
      'this runs out',
    parse: parseMitigationLease,
  } satisfies Setting<'mitigationLeaseMs'>,
  {
    key: 'mitigationBatchSize',
    env: 'DDLOCAL_MITIGATION_BATCH_SIZE',
    default: DEFAULT_MITIGATION_BATCH_SIZE,
    doc:
      'how many findings a mitigation worker claims and runs in one transaction; larger batches run faster, smaller ' +
      'ones show progress in finer steps',
    parse: parseMitigationBatchSize,
  } satisfies Setting<'mitigationBatchSize'>,
  {
    key: 'snsDeliveryDeadlineMs',
    env: 'DDLOCAL_SNS_DELIVERY_DEADLINE_SECONDS',
    default: DEFAULT_SNS_DELIVERY_DEADLINE_SECONDS,
    doc: 'how long an SNS message (audit notification, `PUBLISH_FINDING_TO_SNS`) is retried before it fails',
    parse: parseSnsDeliveryDeadline,
  } satisfies Setting<'snsDeliveryDeadlineMs'>,
  {
    key: 'crlFileUrls',
    env: 'DDLOCAL_CRL_FILE_URLS',
    default: 'true',
    doc:
      '`false`: the revocation checks do not read CRL distribution points with `file:` URLs, which let a registered ' +
      'certificate name any file on this machine (any other value reads them)',
    // Only the exact word `false` has ever turned this off; other values keep file: URLs readable.
    parse: (raw) => raw !== 'false',
  } satisfies Setting<'crlFileUrls'>,
];

function settingOf<K extends SettingKey>(key: K): Setting<K> {
  return SETTINGS.find((s) => s.key === key) as Setting<K>;
}

/** A flag's value as text: a repeated flag's values joined with commas, a switch `true`. */
function flagText(value: FlagValue | undefined): string | undefined {
  if (Array.isArray(value)) return value.join(',');
  return value === true ? 'true' : (value as string | undefined);
}

function valueOf<K extends SettingKey>(setting: Setting<K>, flagValue: FlagValue | undefined, env: NodeJS.ProcessEnv): DdlocalConfig[K] {
  return setting.parse(flagText(flagValue) ?? env[setting.env] ?? setting.default ?? '');
}

/** A flag's value as the command line gives it: text, every value of a repeated flag, or `true` for a switch. */
export type FlagValue = string | readonly string[] | true;

/** The flag values given on the `ddlocal serve` command line, by setting key; a flag not given is undefined. */
export type FlagValues = Partial<Record<SettingKey, FlagValue>>;

/**
 * All settings: each from its flag, else its environment variable, else its default. A variable whose flag is given
 * is never read, so an invalid one does not matter then. Throws ConfigurationError for the first unusable value.
 */
export function readConfig(flags: FlagValues = {}, env: NodeJS.ProcessEnv = process.env): DdlocalConfig {
  const config: Partial<Record<SettingKey, unknown>> = {};
  for (const setting of SETTINGS) config[setting.key] = valueOf(setting, flags[setting.key], env);
  return config as DdlocalConfig;
}

/** One setting from its environment variable, else its default (for an embedder that did not pass it). */
export function environmentSetting<K extends SettingKey>(key: K, env: NodeJS.ProcessEnv = process.env): DdlocalConfig[K] {
  return valueOf(settingOf(key), undefined, env);
}

/** One setting's default value. */
export function defaultSetting<K extends SettingKey>(key: K): DdlocalConfig[K] {
  return valueOf(settingOf(key), undefined, {});
}

/** The environment variable of a setting, for messages that tell the operator what to set. */
export function settingEnv(key: SettingKey): string {
  return settingOf(key).env;
}

// ---------------------------------------------------------------------------------------------------------------
// Documentation generated from the table

const plainText = (markdown: string) => markdown.replace(/`/g, '');

/** `--port` of `--port <port>`. */
export const flagName = (flag: string) => (flag.includes(' ') ? flag.slice(0, flag.indexOf(' ')) : flag);

/** The `--help` description of a flag: its documentation, variable and default. */
export function flagHelp(setting: Setting): string {
  const defaultText = setting.default === undefined ? '' : `, default ${setting.default}`;
  return `${plainText(setting.doc)} (${setting.env}${defaultText})`;
}

/** `text` broken into lines of at most `width` characters (words longer than that stay whole), each indented. */
function wrap(text: string, indent: string, width = 80): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

/** The settings without a flag, for the end of `ddlocal serve --help`. */
export function environmentOnlyHelp(): string {
  const lines = ['', 'Settings without a flag, from the environment:'];
  for (const setting of SETTINGS) {
    if (setting.flag) continue;
    lines.push(`  ${setting.env}${setting.default === undefined ? '' : ` (default ${setting.default})`}`);
    lines.push(...wrap(plainText(setting.doc), '      '));
  }
  return lines.join('\n');
}

/** The README's configuration table (between <!-- configuration:start --> and <!-- configuration:end -->). */
export function configurationMarkdown(): string {
  const code = (text: string) => `\`${text}\``;
  return [
    '| Flag | Environment | Default | Meaning |',
    '|---|---|---|---|',
    ...SETTINGS.map(
      (s) => `| ${s.flag ? code(flagName(s.flag)) : '—'} | ${code(s.env)} | ${s.default === undefined ? '—' : code(s.default)} | ${s.doc} |`,
    ),
  ].join('\n');
}
