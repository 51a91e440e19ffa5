// The settings table (src/server/config.ts): every DDLOCAL_* variable of src/ is in it and documented, the README and
// `ddlocal serve --help` show it, flags win over the environment, each parser keeps its message; and the settings
// without a flag reach the audit checks — from `ddlocal serve`'s environment, from startDdlocal's options, and from
// the environment of an embedder that passes no option.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  DescribeAuditTaskCommand,
  RegisterCertificateWithoutCACommand,
  StartOnDemandAuditTaskCommand,
  UpdateAccountAuditConfigurationCommand,
} from '@aws-sdk/client-iot';
import {
  configurationMarkdown,
  defaultSetting,
  flagName,
  readConfig,
  SETTINGS,
  type DdlocalConfig,
} from '../src/server/config.js';
import { startDdlocal, type DdlocalOptions } from '../src/server/app.js';
import { weakKeyFingerprint } from '../src/audit/analysis/weak-keys.js';
import { readSources } from './helpers/import-graph.js';
import { iotClient } from './helpers/server.js';
import { startServeProcess } from './helpers/serve-process.js';
import { makeCa, makeCrl, makeDeviceCertificate } from './helpers/certs.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/ddlocal.js', import.meta.url));

const DEFAULTS: DdlocalConfig = {
  host: '127.0.0.1',
  port: 4580,
  data: './.ddlocal/ddlocal.db',
  databaseUrl: undefined,
  defaultRegion: 'us-east-1',
  logLevel: 'info',
  logFormat: 'auto',
  metrics: 'on',
  mitigationProgressLogMs: 10_000,
  weakKeyBlocklists: [],
  enforceRolePermissions: false,
  mitigationLeaseMs: 30_000,
  mitigationBatchSize: 500,
  snsDeliveryDeadlineMs: 300_000,
  crlFileUrls: true,
  authMode: 'open',
  credentialsFile: undefined,
  adminAccessKeyId: undefined,
  adminSecretAccessKey: undefined,
  adminAccountId: undefined,
  adminSessionToken: undefined,
  allowUnauthenticatedNetwork: false,
  allowedHosts: [],
  allowedOrigins: [],
};

/** The message readConfig throws for these flags and this environment. */
function configError(flags: Record<string, string>, env: Record<string, string>): string {
  try {
    readConfig(flags, env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`expected ${JSON.stringify({ flags, env })} to be refused`);
}

describe('the settings table', () => {
  test('every DDLOCAL_* variable named in src/ is a setting, and every setting is documented', () => {
    const settingVariables = new Set<string>(SETTINGS.map((s) => s.env));
    const named = new Map<string, string>();
    for (const [file, text] of readSources(SRC))
      for (const [variable] of text.matchAll(/DDLOCAL_[A-Z0-9_]+/g)) if (!named.has(variable)) named.set(variable, file);
    const undocumented = [...named].filter(([variable]) => !settingVariables.has(variable)).map(([v, file]) => `${v} (${file})`);
    assert.deepEqual(undocumented, [], 'add a row to SETTINGS in src/server/config.ts for each');
    for (const setting of SETTINGS) {
      assert.match(setting.env, /^DDLOCAL_[A-Z0-9_]+$/);
      assert.ok(setting.doc.trim().length > 10, `${setting.env} has a one-line documentation`);
      assert.doesNotMatch(setting.doc, /\n|\|/, `${setting.env}: one line, no table separator`);
    }
    const unique = (values: unknown[]) => new Set(values).size === values.length;
    assert.ok(unique(SETTINGS.map((s) => s.key)) && unique(SETTINGS.map((s) => s.env)) && unique(SETTINGS.map((s) => s.flag).filter(Boolean)));
  });

  test('only the settings table reads the environment (and main.ts and the aws-compatible CLI, which have their own)', () => {
    const readers = [...readSources(SRC)]
      .filter(([, text]) => /process\.env/.test(text))
      .map(([file]) => file)
      .filter((file) => file !== 'server/config.ts' && file !== 'main.ts' && !file.startsWith('cli/'));
    assert.deepEqual(readers, []);
  });

  test('the README configuration table is the generated one (node scripts/configuration-table.mjs --write)', () => {
    const readme = readFileSync(README, 'utf8');
    const section = /<!-- configuration:start -->\n([\s\S]*?)\n<!-- configuration:end -->/.exec(readme);
    assert.ok(section, 'README has the configuration markers');
    assert.equal(section[1], configurationMarkdown());
    for (const setting of SETTINGS) assert.ok(section[1]!.includes(`\`${setting.env}\``), setting.env);
  });

  test('`ddlocal serve --help` shows every flag and every variable with its documentation', async () => {
    const help = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [BIN, 'serve', '--help'], (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    const words = help.replace(/\s+/g, ' ');
    for (const setting of SETTINGS) {
      if (setting.flag) assert.ok(help.includes(setting.flag), setting.flag);
      assert.ok(help.includes(setting.env), setting.env);
      // The documentation, wrapped by the help formatter, without Markdown code marks.
      assert.ok(words.includes(setting.doc.replace(/`/g, '').split(' ').slice(0, 6).join(' ')), `${setting.env}: ${setting.doc}`);
    }
  });

  test('defaults: nothing set gives the documented defaults; empty variables of the environment-only settings too', () => {
    assert.deepEqual(readConfig({}, {}), DEFAULTS);
    const blank = Object.fromEntries(SETTINGS.filter((s) => !s.flag).map((s) => [s.env, '']));
    assert.deepEqual(readConfig({}, blank), DEFAULTS);
    for (const setting of SETTINGS) assert.deepEqual(defaultSetting(setting.key), DEFAULTS[setting.key], setting.key);
  });

  test('the environment sets every setting; a flag wins, and the variable it overrides is not even parsed', () => {
    const config = readConfig(
      {},
      {
        DDLOCAL_HOST: '::1',
        DDLOCAL_PORT: '0',
        DDLOCAL_DATA: ':memory:',
        DDLOCAL_DATABASE_URL: 'postgresql://u:p@db:5432/d',
        DDLOCAL_DEFAULT_REGION: 'eu-west-1',
        DDLOCAL_LOG_LEVEL: 'silent',
        DDLOCAL_LOG_FORMAT: 'pretty',
        DDLOCAL_METRICS: 'unsigned',
        DDLOCAL_MITIGATION_PROGRESS_LOG_SECONDS: '0.5',
        DDLOCAL_WEAK_KEY_BLOCKLISTS: ` /a/list :: /b/list`,
        DDLOCAL_ENFORCE_ROLE_PERMISSIONS: ' Yes ',
        DDLOCAL_MITIGATION_LEASE_SECONDS: '2.5',
        DDLOCAL_MITIGATION_BATCH_SIZE: '25',
        DDLOCAL_SNS_DELIVERY_DEADLINE_SECONDS: '0.5',
        DDLOCAL_CRL_FILE_URLS: 'false',
        DDLOCAL_AUTH_MODE: 'strict',
        DDLOCAL_CREDENTIALS_FILE: '/etc/ddlocal/credentials.yaml',
        DDLOCAL_ACCESS_KEY_ID: 'ADMIN',
        DDLOCAL_SECRET_ACCESS_KEY: 's3cret',
        DDLOCAL_ACCOUNT_ID: '123456789012',
        DDLOCAL_SESSION_TOKEN: 'token',
        DDLOCAL_ALLOW_UNAUTHENTICATED_NETWORK: 'true',
        DDLOCAL_ALLOWED_HOSTS: 'ddlocal.test,10.0.0.5:4580',
        DDLOCAL_ALLOWED_ORIGINS: 'http://localhost:3000',
      },
    );
    assert.deepEqual(config, {
      host: '::1',
      port: 0,
      data: ':memory:',
      databaseUrl: new URL('postgresql://u:p@db:5432/d'),
      defaultRegion: 'eu-west-1',
      logLevel: 'silent',
      logFormat: 'pretty',
      metrics: 'unsigned',
      mitigationProgressLogMs: 500,
      weakKeyBlocklists: ['/a/list', '/b/list'],
      enforceRolePermissions: true,
      mitigationLeaseMs: 2500,
      mitigationBatchSize: 25,
      snsDeliveryDeadlineMs: 500,
      crlFileUrls: false,
      authMode: 'strict',
      credentialsFile: '/etc/ddlocal/credentials.yaml',
      adminAccessKeyId: 'ADMIN',
      adminSecretAccessKey: 's3cret',
      adminAccountId: '123456789012',
      adminSessionToken: 'token',
      allowUnauthenticatedNetwork: true,
      allowedHosts: ['ddlocal.test', '10.0.0.5:4580'],
      allowedOrigins: ['http://localhost:3000'],
    });
    const flagged = readConfig(
      { host: '127.0.0.3', port: '81', data: 'x.db', databaseUrl: 'postgres://h/d', defaultRegion: 'ap-south-1', logLevel: 'warn' },
      { DDLOCAL_HOST: '', DDLOCAL_PORT: '99999', DDLOCAL_DATA: 'y.db', DDLOCAL_DATABASE_URL: 'mysql://x', DDLOCAL_DEFAULT_REGION: 'r', DDLOCAL_LOG_LEVEL: 'loud' },
    );
    assert.deepEqual(
      { ...flagged, databaseUrl: flagged.databaseUrl?.href },
      { ...DEFAULTS, host: '127.0.0.3', port: 81, data: 'x.db', databaseUrl: 'postgres://h/d', defaultRegion: 'ap-south-1', logLevel: 'warn' },
    );
    // Only the exact word false turns file: URLs off, as before the table existed.
    for (const value of ['true', 'FALSE', '0', 'no', 'anything']) assert.equal(readConfig({}, { DDLOCAL_CRL_FILE_URLS: value }).crlFileUrls, true, value);
  });

  test('each unusable value is refused with its message (the flag names it, also when it came from the variable)', () => {
    assert.equal(configError({ port: '65536' }, {}), "--port must be an integer from 0 to 65535, got '65536'");
    assert.equal(configError({}, { DDLOCAL_PORT: '' }), "--port must be an integer from 0 to 65535, got ''");
    assert.equal(configError({ host: '' }, {}), '--host must not be empty');
    assert.equal(configError({}, { DDLOCAL_HOST: '' }), '--host must not be empty');
    assert.equal(configError({}, { DDLOCAL_LOG_LEVEL: 'loud' }), "--log-level must be one of fatal, error, warn, info, debug, trace, silent, got 'loud'");
    assert.equal(configError({ databaseUrl: 'not a url' }, {}), '--database-url must be a URL such as postgres://user:password@host:5432/database');
    assert.equal(configError({}, { DDLOCAL_DATABASE_URL: 'mysql://db/x' }), "--database-url must start with postgres:// or postgresql://, got 'mysql://…'");
    assert.equal(configError({}, { DDLOCAL_ENFORCE_ROLE_PERMISSIONS: ' maybe' }), 'DDLOCAL_ENFORCE_ROLE_PERMISSIONS must be true or false, got " maybe"');
    assert.equal(configError({}, { DDLOCAL_MITIGATION_LEASE_SECONDS: '0.5' }), 'DDLOCAL_MITIGATION_LEASE_SECONDS must be a number of seconds, at least 1, got "0.5"');
    assert.equal(configError({}, { DDLOCAL_MITIGATION_BATCH_SIZE: '2.5' }), 'DDLOCAL_MITIGATION_BATCH_SIZE must be a whole number from 1 to 5000, got "2.5"');
    assert.equal(configError({}, { DDLOCAL_MITIGATION_BATCH_SIZE: '0' }), 'DDLOCAL_MITIGATION_BATCH_SIZE must be a whole number from 1 to 5000, got "0"');
    assert.equal(configError({}, { DDLOCAL_SNS_DELIVERY_DEADLINE_SECONDS: '-1' }), 'DDLOCAL_SNS_DELIVERY_DEADLINE_SECONDS must be a positive number of seconds, got "-1"');
  });

  test('the README shows each flag by name and each default as written in the table', () => {
    for (const setting of SETTINGS) {
      const row = configurationMarkdown().split('\n').find((line) => line.includes(`\`${setting.env}\``))!;
      assert.ok(row.startsWith(setting.flag ? `| \`${flagName(setting.flag)}\` |` : '| — |'), row);
      assert.ok(row.includes(setting.default === undefined ? '| — |' : `| \`${setting.default}\` |`), row);
    }
  });
});

describe('settings without a flag reach the audit checks', () => {
  const ACCOUNT = '123456789012';
  const dir = mkdtempSync(join(tmpdir(), 'ddlocal-configuration-'));
  const stops: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const stop of stops) await stop();
  });

  /** A certificate whose key is on a blocklist and whose own serial is on the CRL its file: distribution point names. */
  async function fixture() {
    const ca = await makeCa();
    const crlPath = join(dir, 'ca.crl');
    const certificate = await makeDeviceCertificate(ca, { key: { type: 'RSA' }, crlDistributionPoints: [pathToFileURL(crlPath).href] });
    writeFileSync(crlPath, await makeCrl(ca, [certificate.serialNumber]));
    const jwk = await crypto.subtle.exportKey('jwk', certificate.key.keys.publicKey);
    const blocklist = join(dir, 'blacklist.RSA-2048');
    writeFileSync(blocklist, `${weakKeyFingerprint(Buffer.from(jwk.n!, 'base64url').toString('hex'))}\n`);
    return { certificate, blocklist };
  }
  const prepared = fixture();

  /** Registers the certificate on the server at `url`, audits both checks, and returns what each check concluded. */
  async function audit(url: string): Promise<Record<string, string>> {
    const { certificate } = await prepared;
    const iot = iotClient(url, ACCOUNT);
    try {
      await iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: certificate.pem, status: 'ACTIVE' }));
      const checks = ['DEVICE_CERTIFICATE_KEY_QUALITY_CHECK', 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK'];
      await iot.send(
        new UpdateAccountAuditConfigurationCommand({
          roleArn: `arn:aws:iam::${ACCOUNT}:role/Audit`,
          auditCheckConfigurations: Object.fromEntries(checks.map((name) => [name, { enabled: true }])),
        }),
      );
      const { taskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: checks }));
      for (let i = 0; i < 100; i++) {
        const task = await iot.send(new DescribeAuditTaskCommand({ taskId }));
        if (task.taskStatus !== 'IN_PROGRESS')
          return Object.fromEntries(
            Object.entries(task.auditDetails!).map(([name, d]) => [name, [d.checkRunStatus, d.nonCompliantResourcesCount, d.errorCode, d.message].filter((x) => x !== undefined).join(' ')]),
          );
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`audit ${taskId} did not finish`);
    } finally {
      iot.destroy();
    }
  }

  /** With the blocklist and without file: URLs. */
  const CONFIGURED = {
    DEVICE_CERTIFICATE_KEY_QUALITY_CHECK: 'COMPLETED_NON_COMPLIANT 1',
    REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK: `FAILED 0 DATA_UNAVAILABLE REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK failed: revocation state unknown, no CRL source could be read or verified: ${pathToFileURL(join(dir, 'ca.crl')).href}: file: URLs are disabled (DDLOCAL_CRL_FILE_URLS=false)`,
  };
  /** The defaults: no blocklist (that test inactive), file: URLs read. */
  const DEFAULT_OUTCOME = {
    DEVICE_CERTIFICATE_KEY_QUALITY_CHECK: 'COMPLETED_COMPLIANT 0',
    REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK: 'COMPLETED_NON_COMPLIANT 1',
  };

  async function embedded(options: DdlocalOptions): Promise<string> {
    const running = await startDdlocal({ port: 0, dataFile: ':memory:', ...options });
    stops.push(() => running.close());
    return running.url;
  }

  test('from the environment of `ddlocal serve`', async () => {
    const { blocklist } = await prepared;
    const serve = await startServeProcess({ data: ':memory:' }, undefined, { DDLOCAL_WEAK_KEY_BLOCKLISTS: blocklist, DDLOCAL_CRL_FILE_URLS: 'false' });
    stops.push(() => serve.stop());
    assert.deepEqual(await audit(serve.url), CONFIGURED);
  });

  test('from startDdlocal options; left out, their defaults apply', async () => {
    const { blocklist } = await prepared;
    assert.deepEqual(await audit(await embedded({ weakKeyBlocklists: [blocklist], crlFileUrls: false })), CONFIGURED);
    assert.deepEqual(await audit(await embedded({})), DEFAULT_OUTCOME);
  });

  test("from an embedder's environment when startDdlocal is not given them; options win over it", async () => {
    const { blocklist } = await prepared;
    const variables = ['DDLOCAL_WEAK_KEY_BLOCKLISTS', 'DDLOCAL_CRL_FILE_URLS', 'DDLOCAL_MITIGATION_LEASE_SECONDS'];
    const saved = variables.map((v) => process.env[v]);
    try {
      process.env.DDLOCAL_WEAK_KEY_BLOCKLISTS = blocklist;
      process.env.DDLOCAL_CRL_FILE_URLS = 'false';
      assert.deepEqual(await audit(await embedded({})), CONFIGURED);
      assert.deepEqual(await audit(await embedded({ weakKeyBlocklists: [], crlFileUrls: true })), DEFAULT_OUTCOME);
      // A bad variable fails the start with the message `ddlocal serve` prints, unless the option is given.
      process.env.DDLOCAL_MITIGATION_LEASE_SECONDS = 'soon';
      await assert.rejects(embedded({}), { message: 'DDLOCAL_MITIGATION_LEASE_SECONDS must be a number of seconds, at least 1, got "soon"' });
      await embedded({ mitigationLeaseMs: 5_000 });
    } finally {
      variables.forEach((v, i) => (saved[i] === undefined ? delete process.env[v] : (process.env[v] = saved[i])));
    }
  });
});
