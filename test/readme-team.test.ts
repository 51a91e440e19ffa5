// The README's "Running ddlocal for a team": its credentials file, read from the README itself, gives each key exactly
// what the README's table says — checked through a strict-mode server with the AWS SDK signing as each key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { signedFetch } from './helpers/signing.js';
import {
  CreateThingCommand,
  DescribeThingCommand,
  IoTClient,
  ListAuditFindingsCommand,
  ListThingsCommand,
  StartOnDemandAuditTaskCommand,
  UpdateAccountAuditConfigurationCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { startTestServer, errorOf, type TestServer } from './helpers/server.js';
import { tempDir } from './helpers/temp-dir.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The YAML block of the section: the README's own text, not a copy. */
function teamCredentials(): { accessKeyId: string; secretAccessKey: string; accountId: string }[] {
  const section = README.slice(README.indexOf('## Running ddlocal for a team'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section);
  assert.ok(yaml, 'the team section has a YAML credentials file');
  return parseYaml(yaml[1]!);
}

let server: TestServer;
let credentials: ReturnType<typeof teamCredentials>;
const client = (key: string) => {
  const c = credentials.find((entry) => entry.accessKeyId === key)!;
  return new IoTClient({ endpoint: server.url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey } });
};

/** A signed POST to one of ddlocal's own endpoints, as `key`. */
async function ddlocalPost(key: string, path: string, body: unknown): Promise<number> {
  const res = await signedFetch(credentials.find((entry) => entry.accessKeyId === key)!, 'POST', `${server.url}${path}`, body);
  await res.arrayBuffer();
  return res.status;
}

async function outcome(send: () => Promise<unknown>): Promise<'yes' | '403' | string> {
  try {
    await send();
    return 'yes';
  } catch (err) {
    const e = err as { name: string; $metadata?: { httpStatusCode?: number } };
    return e.name === 'AccessDeniedException' && e.$metadata?.httpStatusCode === 403 ? '403' : `${e.name}`;
  }
}

before(async () => {
  credentials = teamCredentials();
  const file = join(tempDir('ddlocal-team-'), 'credentials.yaml');
  writeFileSync(file, /```yaml\n([\s\S]*?)```/.exec(README.slice(README.indexOf('## Running ddlocal for a team')))![1]!);
  server = await startTestServer('sqlite', { authMode: 'strict', credentialsFile: file });
  await client('platform-admin').send(
    new UpdateAccountAuditConfigurationCommand({
      roleArn: 'arn:aws:iam::111122223333:role/Audit',
      auditCheckConfigurations: { LOGGING_DISABLED_CHECK: { enabled: true } },
    }),
  );
});
after(() => server?.close());

test('the three keys of the README get what its table says', async () => {
  assert.deepEqual(
    credentials.map((c) => c.accessKeyId),
    ['platform-admin', 'audit-automation', 'auditor'],
  );
  const rows: Record<string, string[]> = {};
  for (const key of ['platform-admin', 'audit-automation', 'auditor']) {
    const iot = client(key);
    rows[key] = [
      await outcome(() => iot.send(new CreateThingCommand({ thingName: `made-by-${key}` }))),
      await outcome(() => iot.send(new UpdateCertificateCommand({ certificateId: 'a'.repeat(64), newStatus: 'INACTIVE' }))),
      await outcome(() => iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: ['LOGGING_DISABLED_CHECK'] }))),
      await outcome(() => iot.send(new ListAuditFindingsCommand({ startTime: new Date(Date.now() - 3_600_000), endTime: new Date(Date.now() + 3_600_000) }))),
      await outcome(() => iot.send(new ListThingsCommand({}))),
      String(await ddlocalPost(key, '/_ddlocal/clock', { advanceSeconds: 1 })),
      String(await ddlocalPost(key, '/_ddlocal/reset', { accountId: '444455556666' })),
    ];
  }
  // UpdateCertificate of a certificate that does not exist: allowed callers get past authorization to the 404.
  assert.deepEqual(rows, {
    'platform-admin': ['yes', 'ResourceNotFoundException', 'yes', 'yes', 'yes', '200', '200'],
    'audit-automation': ['403', '403', 'yes', 'yes', '403', '403', '403'],
    auditor: ['403', '403', '403', 'yes', 'yes', '403', '403'],
  });
  // Nothing the denied callers tried was created.
  for (const key of ['audit-automation', 'auditor']) {
    const err = await errorOf(() => client('platform-admin').send(new DescribeThingCommand({ thingName: `made-by-${key}` })));
    assert.equal(err.name, 'ResourceNotFoundException');
  }
  // Resetting its own account needs ddlocal:Reset, which the automation role has and the auditor has not (last: a
  // reset empties the account).
  assert.equal(await ddlocalPost('auditor', '/_ddlocal/reset', { accountId: '111122223333' }), 403);
  for (const key of ['audit-automation', 'platform-admin']) assert.equal(await ddlocalPost(key, '/_ddlocal/reset', { accountId: '111122223333' }), 200, key);
});

test('the denial message is the one the README quotes', async () => {
  const err = await errorOf(() => client('auditor').send(new StartOnDemandAuditTaskCommand({ targetCheckNames: ['LOGGING_DISABLED_CHECK'] })));
  const quoted = /A denial reads as on AWS: `([^`]*)`/.exec(README.replace(/\n/g, ' '))![1]!;
  assert.equal(
    quoted.replace('StartAuditMitigationActionsTask', 'StartOnDemandAuditTask').replace('StartAuditMitigationActionsTask', 'StartOnDemandAuditTask'),
    err.message,
  );
});
