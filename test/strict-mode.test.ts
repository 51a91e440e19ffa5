// Strict mode (docs/strict-mode.md, docs/iam.md) accepted end to end: a ddlocal in strict mode, driven over real
// HTTP by real clients. With the right keys the AWS SDK for JavaScript v3, boto3 and the AWS CLI v2 and v1 all work;
// every way of tampering with a signed request answers AWS's 403 and changes nothing (the registry is compared before
// and after); callers are held to their IAM policies (the seed's start-audit-mitigation-actions-task through the AWS
// CLI v2, Deny over Allow, resource-scoped and conditional statements, a read-only auditor); /_ddlocal/ endpoints stay
// within the caller's account unless the caller is an admin; POST /_ddlocal/iam/simulate names the deciding statement.
//
// Tampered requests are signed with @smithy/signature-v4 (the JS SDK's own signer) and sent with node:http, so the
// bytes on the wire are exactly the signed ones but for the one thing each case changes.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { DDLOCAL_BIN } from './helpers/cli-runner.js';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateMitigationActionCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DeleteThingCommand,
  DescribeAuditMitigationActionsTaskCommand,
  DescribeAuditTaskCommand,
  DescribeCertificateCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  GetPolicyCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListAuditFindingsCommand,
  ListAuditMitigationActionsTasksCommand,
  ListCertificatesCommand,
  ListPoliciesCommand,
  ListThingGroupsCommand,
  ListThingsCommand,
  RegisterCertificateWithoutCACommand,
  StartOnDemandAuditTaskCommand,
  UpdateAccountAuditConfigurationCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { errorOf, forEachStore, type TestServer } from './helpers/server.js';
import { AWS_CLI_V2 } from './helpers/aws-cli.js';
import { assertAwsError, rawRequest, type RawResponse } from './helpers/raw-http.js';
import { NodeSha256, type SigningKey } from './helpers/signing.js';
import { makeCertificate } from './helpers/certs.js';
import { findAwsCliV1, pythonWithBoto3 } from './helpers/aws-clients.js';

// ---------------------------------------------------------------------------------------------------------------
// The credentials table: two accounts, an admin, and callers whose policies each test relies on

const ACCOUNT_A = '111122223333';
const ACCOUNT_B = '444455556666';
const REGION = 'us-east-1';
const arnA = (resource: string) => `arn:aws:iot:${REGION}:${ACCOUNT_A}:${resource}`;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Admin of account A, acting as its root user. */
const ADMIN: SigningKey = { accessKeyId: 'ddlocal-admin', secretAccessKey: 'admin/secret+key=1' };
/** An IAM user of A allowed every IoT action: the clients' key. */
const DEVELOPER: SigningKey = { accessKeyId: 'AKIADEVELOPER0001', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
/** Temporary credentials of an assumed role of A, allowed every IoT action. */
const SESSION: SigningKey = { accessKeyId: 'ASIASESSION0001', secretAccessKey: 'session/secret', sessionToken: 'FwoGZXIvYXdzEJr//////////wEaDOPtoken+abc=' };
/** The audit automation role: audit and mitigation operations only. */
const AUTOMATION: SigningKey = { accessKeyId: 'AKIAAUTOMATION0001', secretAccessKey: 'automation-secret' };
/** A read-only auditor: Describe*, List*, Get*. */
const AUDITOR: SigningKey = { accessKeyId: 'AKIAAUDITOR0001', secretAccessKey: 'auditor-secret' };
/** Allowed everything, but an explicit Deny keeps it from deleting things and certificates. */
const OPERATOR: SigningKey = { accessKeyId: 'AKIAOPERATOR0001', secretAccessKey: 'operator-secret' };
/** Allowed to update one certificate only. */
const CERT_OPERATOR: SigningKey = { accessKeyId: 'AKIACERTOPERATOR1', secretAccessKey: 'cert-operator-secret' };
/** Allowed actions only under conditions: a request tag, the source address, the time. */
const TAGGER: SigningKey = { accessKeyId: 'AKIATAGGER0001', secretAccessKey: 'tagger-secret' };
/** Account B's root user, not an admin. */
const TENANT_B: SigningKey = { accessKeyId: 'AKIATENANTB0001', secretAccessKey: 'tenant-b-secret' };

const ROLE = (name: string) => `arn:aws:iam::${ACCOUNT_A}:role/${name}`;
const allow = (action: string | string[], resource: string | string[] = '*', condition?: object) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: action, Resource: resource, ...(condition ? { Condition: condition } : {}) }],
});

/** Certificates registered by the admin: the cert operator may update the first and not the second. */
const CERT_ONE = await makeCertificate();
const CERT_TWO = await makeCertificate();

/** Until when the tagger may list policies (aws:CurrentTime, read from ddlocal's clock). */
let listPoliciesUntil = '';

function credentialEntries(): unknown[] {
  listPoliciesUntil = new Date(Date.now() + 12 * HOUR).toISOString();
  return [
    { ...ADMIN, accountId: ACCOUNT_A, admin: true },
    { ...DEVELOPER, accountId: ACCOUNT_A, principalArn: `arn:aws:iam::${ACCOUNT_A}:user/developer`, policies: [{ name: 'everything', document: allow('iot:*') }] },
    {
      ...SESSION,
      accountId: ACCOUNT_A,
      principalArn: `arn:aws:sts::${ACCOUNT_A}:assumed-role/Automation/ci-run`,
      policies: [{ name: 'everything', document: JSON.stringify(allow('iot:*')) }],
    },
    {
      ...AUTOMATION,
      accountId: ACCOUNT_A,
      principalArn: ROLE('AuditAutomation'),
      policies: [{ name: 'audit-and-mitigation', document: allow(['iot:*Audit*', 'iot:*Mitigation*']) }],
    },
    { ...AUDITOR, accountId: ACCOUNT_A, principalArn: ROLE('Auditor'), policies: [{ name: 'read-only', document: allow(['iot:Describe*', 'iot:List*', 'iot:Get*']) }] },
    {
      ...OPERATOR,
      accountId: ACCOUNT_A,
      principalArn: ROLE('Operator'),
      policies: [
        { name: 'allow-everything', document: allow('iot:*') },
        {
          name: 'no-deletes',
          document: {
            Version: '2012-10-17',
            Statement: [
              { Sid: 'KeepCertificates', Effect: 'Deny', Action: 'iot:DeleteCertificate', Resource: '*' },
              { Sid: 'KeepThings', Effect: 'Deny', Action: ['iot:DeleteThing', 'iot:DeleteThingGroup'], Resource: '*' },
            ],
          },
        },
        {
          name: 'protect-certificate-two',
          document: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: ['iot:UpdateCertificate', 'iot:AttachPolicy'], Resource: arnA(`cert/${CERT_TWO.id}`) }] },
        },
      ],
    },
    {
      ...CERT_OPERATOR,
      accountId: ACCOUNT_A,
      principalArn: ROLE('CertOperator'),
      policies: [{ name: 'one-certificate', document: allow('iot:UpdateCertificate', arnA(`cert/${CERT_ONE.id}`)) }],
    },
    {
      ...TAGGER,
      accountId: ACCOUNT_A,
      principalArn: ROLE('Tagger'),
      policies: [
        { name: 'tagged-groups', document: allow(['iot:CreateThingGroup', 'iot:TagResource'], '*', { StringEquals: { 'aws:RequestTag/team': 'audit' } }) },
        { name: 'from-loopback', document: allow('iot:ListThings', '*', { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } }) },
        { name: 'from-documentation-net', document: allow('iot:ListThingGroups', '*', { IpAddress: { 'aws:SourceIp': '192.0.2.0/24' } }) },
        { name: 'until-tomorrow', document: allow('iot:ListPolicies', '*', { DateLessThan: { 'aws:CurrentTime': listPoliciesUntil } }) },
      ],
    },
    { ...TENANT_B, accountId: ACCOUNT_B },
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Signing raw requests with the official signer, and sending them byte for byte

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key ' +
  'and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';

interface Call {
  method: string;
  /** The path as it goes on the wire (labels percent-encoded). */
  path: string;
  query?: Record<string, string>;
  body?: string;
  headers?: Record<string, string>;
}

/** A request as it goes on the wire; each tampering case edits one part of a signed one. */
interface Wire {
  method: string;
  path: string;
  /** The query string, without `?`. */
  query: string;
  headers: Record<string, string>;
  body?: string;
}

/** The query string the SDK's HTTP handler writes (RFC 3986 encoding). */
function wireQuery(query: Record<string, string>): string {
  const escape = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return Object.entries(query)
    .map(([name, value]) => `${escape(name)}=${escape(value)}`)
    .join('&');
}

interface SigningOptions {
  /** The time the client signs with; default now. */
  signingDate?: number;
  /** Send x-amz-content-sha256, as the JS SDK does (botocore does not); default true. */
  contentSha256?: boolean;
}

async function sign(server: TestServer, key: SigningKey, call: Call, options: SigningOptions = {}): Promise<Wire> {
  const url = new URL(server.url);
  const signer = new SignatureV4({ service: 'iot', region: REGION, credentials: key, sha256: NodeSha256, applyChecksum: options.contentSha256 ?? true });
  const headers = { host: url.host, ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}), ...call.headers };
  const signed = await signer.sign(
    { method: call.method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: call.path, query: call.query ?? {}, headers, body: call.body },
    { signingDate: new Date(options.signingDate ?? Date.now()) },
  );
  return { method: call.method, path: call.path, query: wireQuery(call.query ?? {}), headers: { ...signed.headers }, body: call.body };
}

function send(server: TestServer, wire: Wire): Promise<RawResponse> {
  return rawRequest(server.url, { method: wire.method, path: wire.query ? `${wire.path}?${wire.query}` : wire.path, headers: wire.headers, body: wire.body });
}

/** A request signed with `key` (or sent unsigned without one), as a script calling ddlocal's own endpoints would. */
async function call(server: TestServer, key: SigningKey | undefined, c: Call, options: SigningOptions = {}): Promise<RawResponse> {
  if (key) return send(server, await sign(server, key, c, options));
  return rawRequest(server.url, { method: c.method, path: c.path, headers: c.headers, body: c.body });
}

const createThing = (name: string, attributes: Record<string, string> = {}): Call => ({
  method: 'POST',
  path: `/things/${name}`,
  body: JSON.stringify({ attributePayload: { attributes } }),
});

// ---------------------------------------------------------------------------------------------------------------
// The registry as the admin sees it: what "nothing changed" is checked against

function client(server: TestServer, key: SigningKey): IoTClient {
  // A copy: the SDK marks the credentials object it is given (a `$source` field), and the table is built from the keys.
  return new IoTClient({ endpoint: server.url, region: REGION, credentials: { ...key }, maxAttempts: 1 });
}

async function registrySnapshot(admin: IoTClient) {
  const things = await admin.send(new ListThingsCommand({ maxResults: 250 }));
  const groups = await admin.send(new ListThingGroupsCommand({ maxResults: 250 }));
  const policies = await admin.send(new ListPoliciesCommand({ pageSize: 250 }));
  const certificates = await admin.send(new ListCertificatesCommand({ pageSize: 250 }));
  assert.ok(!things.nextToken && !groups.nextToken && !policies.nextMarker && !certificates.nextMarker, 'the snapshot fits one page');
  return {
    things: things.things!.map((t) => ({ name: t.thingName, version: t.version, attributes: t.attributes })),
    groups: groups.thingGroups!.map((g) => g.groupName),
    policies: policies.policies!.map((p) => p.policyName),
    certificates: certificates.certificates!.map((c) => ({ id: c.certificateId, status: c.status })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The same calls from every client: what a signature must survive

const UNICODE_TARGET = 'café grüße 1/2+3';
const UNICODE_TARGET_MESSAGE_START = `Target ${UNICODE_TARGET} is not`;
const CONNECT_POLICY = JSON.stringify(allow('iot:Connect'));

/**
 * What a client observed: a thing with an attribute whose value needs encoding in a query, a policy name with
 * `+ = , @` in a path label, a certificate ARN as a path label (`:` and `/`), a label with spaces and non-ASCII letters
 * (which the handler refuses, echoing it: the signature held and the label arrived intact), and a list call filtered
 * by query parameters.
 */
interface Observations {
  thingAttributes: unknown;
  policyName: unknown;
  attachedToCertificate: unknown;
  unicodeLabel: { code: string; messageStart: string };
  listedBySite: unknown;
}

const names = (prefix: string) => ({ thing: `${prefix}-thing`, policy: `${prefix}+ops=v1,team@x.y`, site: `lab/${prefix}:east=1` });

function expectedObservations(prefix: string): Observations {
  const n = names(prefix);
  return {
    thingAttributes: { site: n.site },
    policyName: n.policy,
    attachedToCertificate: [n.policy],
    unicodeLabel: { code: 'InvalidRequestException', messageStart: UNICODE_TARGET_MESSAGE_START },
    listedBySite: [n.thing],
  };
}

const labelError = (code: string, message: string) => ({ code, messageStart: message.slice(0, UNICODE_TARGET_MESSAGE_START.length) });

async function sdkObservations(iot: IoTClient, prefix: string): Promise<Observations> {
  const n = names(prefix);
  await iot.send(new CreateThingCommand({ thingName: n.thing, attributePayload: { attributes: { site: n.site } } }));
  const described = await iot.send(new DescribeThingCommand({ thingName: n.thing }));
  await iot.send(new CreatePolicyCommand({ policyName: n.policy, policyDocument: CONNECT_POLICY }));
  const { certificateArn } = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await iot.send(new AttachPolicyCommand({ policyName: n.policy, target: certificateArn }));
  const attached = await iot.send(new ListAttachedPoliciesCommand({ target: certificateArn }));
  const unicode = await errorOf(() => iot.send(new ListAttachedPoliciesCommand({ target: UNICODE_TARGET })));
  const listed = await iot.send(new ListThingsCommand({ attributeName: 'site', attributeValue: n.site, maxResults: 5 }));
  return {
    thingAttributes: described.attributes,
    policyName: (await iot.send(new GetPolicyCommand({ policyName: n.policy }))).policyName,
    attachedToCertificate: attached.policies!.map((p) => p.policyName),
    unicodeLabel: labelError(unicode.name, unicode.message),
    listedBySite: listed.things!.map((t) => t.thingName),
  };
}

interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
  json: any;
}

/** Runs an AWS CLI (argv prefix `cli`) against the server, asynchronously: the server answers on this event loop. */
function runCli(cli: readonly string[], server: TestServer, key: SigningKey, args: string[]): Promise<CliResult> {
  // The machine's environment (PATH, pyenv's variables) without any AWS_* setting that could pick other credentials.
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AWS_') && value !== undefined) env[name] = value;
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: key.accessKeyId,
    AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
    ...(key.sessionToken ? { AWS_SESSION_TOKEN: key.sessionToken } : {}),
    AWS_DEFAULT_REGION: REGION,
    AWS_PAGER: '',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    PYTHONIOENCODING: 'utf-8',
  });
  return new Promise((resolve) => {
    // `ddlocal iot`, like `aws iot`, takes the global options after the service name too.
    const argv = cli[1] === DDLOCAL_BIN ? [DDLOCAL_BIN, args[0]!, '--endpoint-url', server.url, '--output', 'json', ...args.slice(1)] : [...cli.slice(1), '--endpoint-url', server.url, '--output', 'json', ...args];
    execFile(cli[0]!, argv, { encoding: 'utf8', env, timeout: 120_000 }, (err, stdout, stderr) => {
      let json: any;
      try {
        json = stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr, json });
    });
  });
}

/** The exception and message of a failed CLI command, from the line every AWS CLI prints. */
function cliError(r: CliResult): { code: string; message: string } {
  const m = /An error occurred \((\w+)\) when calling the \w+ operation: (.*)/.exec(r.stderr);
  assert.ok(m, `the CLI reports a service error: ${r.stderr}`);
  return { code: m[1]!, message: m[2]!.trim() };
}

async function cliObservations(cli: readonly string[], server: TestServer, key: SigningKey, prefix: string, serviceErrorExit: number): Promise<Observations> {
  const n = names(prefix);
  const ok = async (...args: string[]) => {
    const r = await runCli(cli, server, key, ['iot', ...args]);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.json;
  };
  await ok('create-thing', '--thing-name', n.thing, '--attribute-payload', JSON.stringify({ attributes: { site: n.site } }));
  const described = await ok('describe-thing', '--thing-name', n.thing);
  await ok('create-policy', '--policy-name', n.policy, '--policy-document', CONNECT_POLICY);
  const { certificateArn } = await ok('create-keys-and-certificate', '--set-as-active');
  await ok('attach-policy', '--policy-name', n.policy, '--target', certificateArn);
  const attached = await ok('list-attached-policies', '--target', certificateArn);
  const unicode = await runCli(cli, server, key, ['iot', 'list-attached-policies', '--target', UNICODE_TARGET]);
  assert.equal(unicode.status, serviceErrorExit, unicode.stderr);
  const { code, message } = cliError(unicode);
  // --page-size sends maxResults, next to the two filters.
  const listed = await ok('list-things', '--attribute-name', 'site', '--attribute-value', n.site, '--page-size', '5');
  return {
    thingAttributes: described.attributes,
    policyName: (await ok('get-policy', '--policy-name', n.policy)).policyName,
    attachedToCertificate: attached.policies.map((p: any) => p.policyName),
    unicodeLabel: labelError(code, message),
    listedBySite: listed.things.map((t: any) => t.thingName),
  };
}



const AWS_CLI_V1 = findAwsCliV1();
const BOTO3_SCRIPT = fileURLToPath(new URL('../../test/python/strict_mode.py', import.meta.url));

// ---------------------------------------------------------------------------------------------------------------
// The seed's scenario: an overly permissive policy found by an audit, and a mitigation action that blanks it

const BLANK_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iot:*', Resource: '*' }] };

/** Built by the admin (account A's root) with the SDK; returns the finding on policy AllowAll. */
async function seedScenario(admin: IoTClient): Promise<string> {
  await admin.send(new CreateThingCommand({ thingName: 'sensor-1', attributePayload: { attributes: { floor: '2' } } }));
  const { certificateArn } = await admin.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await admin.send(new AttachThingPrincipalCommand({ thingName: 'sensor-1', principal: certificateArn }));
  await admin.send(new CreatePolicyCommand({ policyName: 'AllowAll', policyDocument: JSON.stringify(allow('iot:*')) }));
  await admin.send(new AttachPolicyCommand({ policyName: 'AllowAll', target: certificateArn }));
  await admin.send(
    new UpdateAccountAuditConfigurationCommand({
      roleArn: ROLE('Audit'),
      auditCheckConfigurations: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: { enabled: true } },
    }),
  );
  const { taskId } = await admin.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: ['IOT_POLICY_OVERLY_PERMISSIVE_CHECK'] }));
  for (let i = 0; i < 400 && (await admin.send(new DescribeAuditTaskCommand({ taskId }))).taskStatus === 'IN_PROGRESS'; i++)
    await new Promise((r) => setTimeout(r, 25));
  const { findings } = await admin.send(new ListAuditFindingsCommand({ taskId }));
  const finding = findings!.find((f) => f.nonCompliantResource?.resourceIdentifier?.policyVersionIdentifier?.policyName === 'AllowAll');
  assert.ok(finding?.findingId, 'the audit found policy AllowAll overly permissive');
  await admin.send(
    new CreateMitigationActionCommand({
      actionName: 'ResetPolicyVersionAction',
      roleArn: ROLE('Mitigation'),
      actionParams: { replaceDefaultPolicyVersionParams: { templateName: 'BLANK_POLICY' } },
    }),
  );
  return finding.findingId;
}

/** The seed's command line (the AWS CLI reference example) for a finding. */
const startMitigationArgs = (findingId: string, taskId: string) => [
  'iot',
  'start-audit-mitigation-actions-task',
  '--task-id',
  taskId,
  '--target',
  `findingIds=["${findingId}"]`,
  '--audit-check-to-actions-mapping',
  'IOT_POLICY_OVERLY_PERMISSIVE_CHECK=["ResetPolicyVersionAction"]',
  '--client-request-token',
  'adhadhahda',
];

const denied = (principalArn: string, action: string, resource?: string) =>
  `User: ${principalArn} is not authorized to perform: ${action}${resource ? ` on resource: ${resource}` : ''} ` +
  `because no identity-based policy allows the ${action} action`;

// ---------------------------------------------------------------------------------------------------------------

forEachStore('strict mode end to end', { server: () => ({ authMode: 'strict', credentials: credentialEntries() }) }, (suite) => {
  let server: TestServer;
  let admin: IoTClient;
  before(() => {
    server = suite.server;
    admin = client(server, ADMIN);
  });

  describe('with correct keys, every client works', () => {
    test('the AWS SDK for JavaScript v3', async () => {
      assert.deepEqual(await sdkObservations(client(server, DEVELOPER), 'sdk'), expectedObservations('sdk'));
    });

    test('the AWS SDK for JavaScript v3 with session-token credentials', async () => {
      assert.deepEqual(await sdkObservations(client(server, SESSION), 'session'), expectedObservations('session'));
      const wrongToken = await errorOf(() => client(server, { ...SESSION, sessionToken: `${SESSION.sessionToken}x` }).send(new ListThingsCommand({})));
      assert.equal(wrongToken.name, 'UnrecognizedClientException');
      assert.equal(wrongToken.$metadata?.httpStatusCode, 403);
      assert.equal(wrongToken.message, INVALID_TOKEN);
    });

    // Signing does not depend on the store: the Python clients and the CLIs (a second or more per call) run on one.
    const oneStoreOnly = suite.store !== 'sqlite' && 'signing is store-independent; the Python clients and CLIs run on SQLite only';

    test('boto3', { skip: oneStoreOnly }, async () => {
      const r = await new Promise<{ error: Error | null; stdout: string; stderr: string }>((resolve) => {
        execFile(
          pythonWithBoto3(),
          [BOTO3_SCRIPT, server.url, DEVELOPER.accessKeyId, DEVELOPER.secretAccessKey, 'boto3'],
          { encoding: 'utf8', timeout: 120_000 },
          (error, stdout, stderr) => resolve({ error, stdout, stderr }),
        );
      });
      assert.equal(r.error, null, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.unicodeLabel.status, 400);
      assert.deepEqual(
        { ...out, unicodeLabel: labelError(out.unicodeLabel.code, out.unicodeLabel.message) },
        expectedObservations('boto3'),
      );
    });

    test('the AWS CLI v2', { skip: oneStoreOnly }, async () => {
      assert.ok(AWS_CLI_V2, 'the AWS CLI v2 is installed (.ci/run installs Debian package awscli)');
      assert.deepEqual(await cliObservations([AWS_CLI_V2], server, DEVELOPER, 'cliv2', 254), expectedObservations('cliv2'));
    });

    test('ddlocal iot signs with the credentials of the environment, as aws does', { skip: oneStoreOnly }, async () => {
      assert.deepEqual(await cliObservations([process.execPath, DDLOCAL_BIN], server, DEVELOPER, 'ddlocal-iot', 254), expectedObservations('ddlocal-iot'));
      const wrong = await runCli([process.execPath, DDLOCAL_BIN], server, { ...DEVELOPER, secretAccessKey: 'not-the-secret' }, ['iot', 'list-things']);
      assert.equal(wrong.status, 254);
      assert.match(wrong.stderr, /\(InvalidSignatureException\) when calling the ListThings operation: The request signature we calculated does not match/);
    });

    test('the AWS CLI v1', { skip: oneStoreOnly }, async (t) => {
      if ('missing' in AWS_CLI_V1) {
        t.skip(AWS_CLI_V1.missing);
        return;
      }
      assert.deepEqual(await cliObservations(AWS_CLI_V1.command, server, DEVELOPER, 'cliv1', 255), expectedObservations('cliv1'));
    });
  });

  describe('a tampered request answers 403 and changes nothing', () => {
    let seedCertificateId = '';
    before(async () => {
      await admin.send(new CreateThingCommand({ thingName: 'tamper-seed' }));
      await admin.send(new CreateThingGroupCommand({ thingGroupName: 'tamper-seed-group' }));
      seedCertificateId = (await admin.send(new CreateKeysAndCertificateCommand({ setAsActive: true }))).certificateId!;
    });

    /** Sends `sent`, expects the refusal, compares the registry, then proves `original` (if any) was signed right. */
    async function refusedAndUnchanged(sent: Wire, code: string, message: string | RegExp, original?: Wire) {
      const initial = await registrySnapshot(admin);
      const res = await send(server, sent);
      const text = assertAwsError(res, code, 403);
      if (typeof message === 'string') assert.equal(text, message);
      else assert.match(text, message);
      assert.deepEqual(await registrySnapshot(admin), initial, 'the refused request changed nothing');
      if (original) {
        const accepted = await send(server, original);
        assert.equal(accepted.status, 200, `the untampered request is accepted: ${accepted.text}`);
        assert.notDeepEqual(await registrySnapshot(admin), initial, 'the untampered request does change the registry');
      }
    }

    test('a wrong secret', async () => {
      const c = createThing('tamper-wrong-secret');
      await refusedAndUnchanged(
        await sign(server, { ...DEVELOPER, secretAccessKey: `${DEVELOPER.secretAccessKey}x` }, c),
        'InvalidSignatureException',
        SIGNATURE_MISMATCH,
        await sign(server, DEVELOPER, c),
      );
    });

    test('a garbage signature', async () => {
      const c = createThing('tamper-garbage');
      const wire = await sign(server, DEVELOPER, c);
      const garbage = { ...wire, headers: { ...wire.headers, authorization: wire.headers.authorization!.replace(/Signature=[0-9a-f]{64}/, `Signature=${'f'.repeat(64)}`) } };
      await refusedAndUnchanged(garbage, 'InvalidSignatureException', SIGNATURE_MISMATCH, wire);
    });

    test('signed with a date 16 minutes in the past, or in the future', async () => {
      const c = createThing('tamper-date');
      await refusedAndUnchanged(
        await sign(server, DEVELOPER, c, { signingDate: Date.now() - 16 * MINUTE }),
        'InvalidSignatureException',
        /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/,
      );
      await refusedAndUnchanged(
        await sign(server, DEVELOPER, c, { signingDate: Date.now() + 16 * MINUTE }),
        'InvalidSignatureException',
        /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$/,
        // 14 minutes off is within the window.
        await sign(server, DEVELOPER, c, { signingDate: Date.now() - 14 * MINUTE }),
      );
    });

    test("ddlocal's clock moved days either way: a client signing with the real time is still accepted", async () => {
      // The signature's time is checked against the real time, not ddlocal's clock, which users move to test expiry.
      for (const seconds of [20 * 86_400, -20 * 86_400]) {
        const c = createThing(`clock-moved-${seconds > 0 ? 'ahead' : 'back'}`);
        try {
          const moved = await call(server, ADMIN, { method: 'POST', path: '/_ddlocal/clock', body: JSON.stringify({ advanceSeconds: seconds }) });
          assert.equal(moved.status, 200, moved.text);
          const accepted = await send(server, await sign(server, DEVELOPER, c));
          assert.equal(accepted.status, 200, accepted.text);
          // Signing with ddlocal's moved time instead is what is refused now.
          const refused = await send(server, await sign(server, DEVELOPER, c, { signingDate: Date.now() + seconds * 1000 }));
          const message = assertAwsError(refused, 'InvalidSignatureException', 403);
          assert.match(message, seconds > 0 ? /^Signature not yet current: / : /^Signature expired: /);
          const reset = await call(server, ADMIN, { method: 'POST', path: '/_ddlocal/clock', body: '{"reset":true}' });
          assert.equal(reset.status, 200, reset.text);
          assert.equal(reset.json.mode, 'system');
        } finally {
          server.clock.reset();
        }
      }
    });

    test('the body changed after signing, with x-amz-content-sha256 (as the JS SDK signs)', async () => {
      const signed = await sign(server, DEVELOPER, createThing('tamper-body-sdk', { owner: 'alice' }));
      const changed = { ...signed, body: createThing('tamper-body-sdk', { owner: 'eve00' }).body };
      await refusedAndUnchanged(changed, 'InvalidSignatureException', /^The x-amz-content-sha256 header does not match the request body: /, signed);
    });

    test('the body changed after signing, without x-amz-content-sha256 (as botocore signs)', async () => {
      const signed = await sign(server, DEVELOPER, createThing('tamper-body-boto', { owner: 'alice' }), { contentSha256: false });
      assert.equal(signed.headers['x-amz-content-sha256'], undefined);
      const changed = { ...signed, body: createThing('tamper-body-boto', { owner: 'eve00' }).body };
      await refusedAndUnchanged(changed, 'InvalidSignatureException', SIGNATURE_MISMATCH, signed);
    });

    test('the path changed', async () => {
      const signed = await sign(server, DEVELOPER, createThing('tamper-path-a'));
      await refusedAndUnchanged({ ...signed, path: '/things/tamper-path-b' }, 'InvalidSignatureException', SIGNATURE_MISMATCH, signed);
    });

    test('the query changed', async () => {
      const signed = await sign(server, DEVELOPER, { method: 'PUT', path: `/certificates/${seedCertificateId}`, query: { newStatus: 'INACTIVE' } });
      await refusedAndUnchanged({ ...signed, query: 'newStatus=REVOKED' }, 'InvalidSignatureException', SIGNATURE_MISMATCH, signed);
      const { certificateDescription } = await admin.send(new DescribeCertificateCommand({ certificateId: seedCertificateId }));
      assert.equal(certificateDescription?.status, 'INACTIVE', 'only the signed query took effect');
    });

    test('a signed header changed', async () => {
      const signed = await sign(server, DEVELOPER, createThing('tamper-header'));
      assert.match(signed.headers.authorization!, /SignedHeaders=[^,]*content-type/);
      // ddlocal reads a JSON body whatever its Content-Type, so only the signature can notice.
      await refusedAndUnchanged({ ...signed, headers: { ...signed.headers, 'content-type': 'text/plain' } }, 'InvalidSignatureException', SIGNATURE_MISMATCH, signed);
    });

    test('a captured signature replayed on another path, or with another method', async () => {
      const signed = await sign(server, DEVELOPER, createThing('tamper-replay'));
      await refusedAndUnchanged({ ...signed, path: '/thing-groups/tamper-replay' }, 'InvalidSignatureException', SIGNATURE_MISMATCH);
      const describeSeed = await sign(server, DEVELOPER, { method: 'GET', path: '/things/tamper-seed' });
      assert.equal((await send(server, describeSeed)).status, 200);
      await refusedAndUnchanged({ ...describeSeed, method: 'DELETE' }, 'InvalidSignatureException', SIGNATURE_MISMATCH);
      await refusedAndUnchanged({ ...describeSeed, path: '/thing-groups/tamper-seed-group', method: 'DELETE' }, 'InvalidSignatureException', SIGNATURE_MISMATCH);
    });

    test('an unknown access key', async () => {
      const c = createThing('tamper-unknown-key');
      await refusedAndUnchanged(
        await sign(server, { accessKeyId: 'AKIANOBODY0000001', secretAccessKey: DEVELOPER.secretAccessKey }, c),
        'UnrecognizedClientException',
        INVALID_TOKEN,
        await sign(server, DEVELOPER, c),
      );
    });

    test('a wrong, a missing, and an unexpected session token', async () => {
      const c = createThing('tamper-token');
      const { sessionToken, ...withoutToken } = SESSION;
      await refusedAndUnchanged(await sign(server, { ...SESSION, sessionToken: `${sessionToken}x` }, c), 'UnrecognizedClientException', INVALID_TOKEN);
      await refusedAndUnchanged(await sign(server, withoutToken, c), 'UnrecognizedClientException', INVALID_TOKEN);
      await refusedAndUnchanged(await sign(server, { ...DEVELOPER, sessionToken: sessionToken! }, c), 'UnrecognizedClientException', INVALID_TOKEN, await sign(server, SESSION, c));
    });

    test('no Authorization header', async () => {
      const c = createThing('tamper-unsigned');
      const unsigned: Wire = { method: c.method, path: c.path, query: '', headers: { 'content-type': 'application/json' }, body: c.body };
      await refusedAndUnchanged(unsigned, 'MissingAuthenticationTokenException', 'Missing Authentication Token', await sign(server, DEVELOPER, c));
    });

    test('a presigned URL', async () => {
      const url = new URL(server.url);
      const signer = new SignatureV4({ service: 'iot', region: REGION, credentials: DEVELOPER, sha256: NodeSha256 });
      const presigned = await signer.presign(
        { method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/things/tamper-presigned', query: {}, headers: { host: url.host } },
        { expiresIn: 300 },
      );
      const query = presigned.query as Record<string, string>;
      assert.ok(query['X-Amz-Signature'], 'the signer presigned the URL');
      await refusedAndUnchanged(
        { method: 'POST', path: '/things/tamper-presigned', query: wireQuery(query), headers: { ...presigned.headers } as Record<string, string> },
        'IncompleteSignatureException',
        /presigned URL/,
      );
    });
  });

  describe("caller policies decide what a verified caller may do", () => {
    let findingId = '';
    before(async () => {
      findingId = await seedScenario(admin);
      for (const cert of [CERT_ONE, CERT_TWO])
        await admin.send(new RegisterCertificateWithoutCACommand({ certificatePem: cert.pem, status: 'ACTIVE' }));
    });

    test("the seed's start-audit-mitigation-actions-task is denied (AWS CLI v2) to a role not allowed it, and creates nothing", async () => {
      const r = await runCli([AWS_CLI_V2!], server, AUDITOR, startMitigationArgs(findingId, 'myActionsTaskId'));
      assert.equal(r.status, 254, r.stderr);
      assert.deepEqual(cliError(r), { code: 'AccessDeniedException', message: denied(ROLE('Auditor'), 'iot:StartAuditMitigationActionsTask') });
      const now = Date.now();
      const listed = await admin.send(new ListAuditMitigationActionsTasksCommand({ startTime: new Date(now - HOUR), endTime: new Date(now + HOUR) }));
      assert.deepEqual(listed.tasks, []);
      const missing = await errorOf(() => admin.send(new DescribeAuditMitigationActionsTaskCommand({ taskId: 'myActionsTaskId' })));
      assert.equal(missing.name, 'ResourceNotFoundException');
    });

    test("the seed's start-audit-mitigation-actions-task succeeds (AWS CLI v2) for the role allowed it", async () => {
      const started = await runCli([AWS_CLI_V2!], server, AUTOMATION, startMitigationArgs(findingId, 'myActionsTaskId'));
      assert.equal(started.status, 0, started.stderr);
      assert.equal(started.json.taskId, 'myActionsTaskId');
      let described: any;
      for (let i = 0; i < 200; i++) {
        const r = await runCli([AWS_CLI_V2!], server, AUTOMATION, ['iot', 'describe-audit-mitigation-actions-task', '--task-id', 'myActionsTaskId']);
        assert.equal(r.status, 0, r.stderr);
        described = r.json;
        if (described.taskStatus !== 'IN_PROGRESS') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(described.taskStatus, 'COMPLETED');
      assert.equal(described.taskStatistics.IOT_POLICY_OVERLY_PERMISSIVE_CHECK.succeededFindingsCount, 1);
      // The read-only auditor sees the result: the policy's default version is now the blank one.
      const policy = await client(server, AUDITOR).send(new GetPolicyCommand({ policyName: 'AllowAll' }));
      assert.equal(policy.defaultVersionId, '2');
      assert.deepEqual(JSON.parse(policy.policyDocument!), BLANK_POLICY);
    });

    test('an explicit Deny beats an Allow', async () => {
      const operator = client(server, OPERATOR);
      await operator.send(new CreateThingCommand({ thingName: 'kept-thing' }));
      const refused = await errorOf(() => operator.send(new DeleteThingCommand({ thingName: 'kept-thing' })));
      assert.equal(refused.name, 'AccessDeniedException');
      assert.equal(refused.$metadata?.httpStatusCode, 403);
      assert.equal(
        refused.message,
        `User: ${ROLE('Operator')} is not authorized to perform: iot:DeleteThing on resource: ${arnA('thing/kept-thing')} ` +
          'with an explicit deny in an identity-based policy: no-deletes',
      );
      assert.equal((await admin.send(new DescribeThingCommand({ thingName: 'kept-thing' }))).thingName, 'kept-thing');
    });

    test('a resource-scoped Allow allows its certificate and denies another', async () => {
      const operator = client(server, CERT_OPERATOR);
      await operator.send(new UpdateCertificateCommand({ certificateId: CERT_ONE.id, newStatus: 'INACTIVE' }));
      const refused = await errorOf(() => operator.send(new UpdateCertificateCommand({ certificateId: CERT_TWO.id, newStatus: 'INACTIVE' })));
      assert.equal(refused.name, 'AccessDeniedException');
      assert.equal(refused.message, denied(ROLE('CertOperator'), 'iot:UpdateCertificate', arnA(`cert/${CERT_TWO.id}`)));
      const status = async (id: string) => (await admin.send(new DescribeCertificateCommand({ certificateId: id }))).certificateDescription?.status;
      assert.equal(await status(CERT_ONE.id), 'INACTIVE');
      assert.equal(await status(CERT_TWO.id), 'ACTIVE');
    });

    test('certificate ids in capitals (the same certificate) neither evade a Deny on its ARN nor miss an Allow', async () => {
      const upper = CERT_TWO.id.toUpperCase();
      const certTwoArn = arnA(`cert/${CERT_TWO.id}`);
      const explicitDeny = (action: string) =>
        `User: ${ROLE('Operator')} is not authorized to perform: ${action} on resource: ${certTwoArn} ` +
        'with an explicit deny in an identity-based policy: protect-certificate-two';
      const operator = client(server, OPERATOR);
      const update = await errorOf(() => operator.send(new UpdateCertificateCommand({ certificateId: upper, newStatus: 'REVOKED' })));
      assert.equal(update.name, 'AccessDeniedException');
      assert.equal(update.message, explicitDeny('iot:UpdateCertificate'));
      const attach = await errorOf(() => operator.send(new AttachPolicyCommand({ policyName: 'AllowAll', target: arnA(`cert/${upper}`) })));
      assert.equal(attach.name, 'AccessDeniedException');
      assert.equal(attach.message, explicitDeny('iot:AttachPolicy'));
      const status = async (id: string) => (await admin.send(new DescribeCertificateCommand({ certificateId: id }))).certificateDescription?.status;
      assert.equal(await status(CERT_TWO.id), 'ACTIVE');
      assert.deepEqual((await admin.send(new ListAttachedPoliciesCommand({ target: certTwoArn }))).policies, []);
      // The Allow scoped to certificate one's ARN covers its id in capitals too.
      await client(server, CERT_OPERATOR).send(new UpdateCertificateCommand({ certificateId: CERT_ONE.id.toUpperCase(), newStatus: 'ACTIVE' }));
      assert.equal(await status(CERT_ONE.id), 'ACTIVE');
    });

    test('conditions decide: aws:RequestTag, aws:SourceIp', async () => {
      const tagger = client(server, TAGGER);
      await tagger.send(new CreateThingGroupCommand({ thingGroupName: 'audit-team', tags: [{ Key: 'team', Value: 'audit' }] }));
      assert.equal((await admin.send(new DescribeThingGroupCommand({ thingGroupName: 'audit-team' }))).thingGroupName, 'audit-team');
      for (const [name, tags] of [['ops-team', [{ Key: 'team', Value: 'ops' }]], ['no-team', undefined]] as const) {
        const refused = await errorOf(() => tagger.send(new CreateThingGroupCommand({ thingGroupName: name, tags: tags && [...tags] })));
        assert.equal(refused.name, 'AccessDeniedException');
        assert.equal(refused.message, denied(ROLE('Tagger'), 'iot:CreateThingGroup', arnA(`thinggroup/${name}`)));
        assert.equal((await errorOf(() => admin.send(new DescribeThingGroupCommand({ thingGroupName: name })))).name, 'ResourceNotFoundException');
      }
      // Allowed from 127.0.0.0/8 (where this test runs), not from 192.0.2.0/24.
      assert.ok((await tagger.send(new ListThingsCommand({}))).things!.length > 0);
      const elsewhere = await errorOf(() => tagger.send(new ListThingGroupsCommand({})));
      assert.equal(elsewhere.message, denied(ROLE('Tagger'), 'iot:ListThingGroups'));
    });

    test("conditions decide: aws:CurrentTime is ddlocal's clock", async () => {
      const listPolicies = (signingDate?: number) => call(server, TAGGER, { method: 'GET', path: '/policies' }, { signingDate });
      assert.equal((await listPolicies()).status, 200);
      try {
        // A day later on ddlocal's clock, past the policy's DateLessThan (clients keep signing with the real time).
        const moved = await call(server, ADMIN, { method: 'POST', path: '/_ddlocal/clock', body: '{"advanceSeconds":86400}' });
        assert.equal(moved.status, 200, moved.text);
        const later = await listPolicies();
        assert.equal(assertAwsError(later, 'AccessDeniedException', 403), denied(ROLE('Tagger'), 'iot:ListPolicies'));
        const reset = await call(server, ADMIN, { method: 'POST', path: '/_ddlocal/clock', body: '{"reset":true}' });
        assert.equal(reset.status, 200, reset.text);
      } finally {
        server.clock.reset();
      }
      assert.equal((await listPolicies()).status, 200);
      assert.ok(listPoliciesUntil > new Date().toISOString());
    });

    test('a read-only auditor can read but not write', async () => {
      const auditor = client(server, AUDITOR);
      assert.deepEqual((await auditor.send(new DescribeThingCommand({ thingName: 'sensor-1' }))).attributes, { floor: '2' });
      assert.ok((await auditor.send(new ListThingsCommand({}))).things!.some((t) => t.thingName === 'sensor-1'));
      assert.ok((await auditor.send(new ListCertificatesCommand({}))).certificates!.length > 0);
      const initial = await registrySnapshot(admin);
      const writes: Array<[string, string | undefined, () => Promise<unknown>]> = [
        ['iot:CreateThing', arnA('thing/auditor-thing'), () => auditor.send(new CreateThingCommand({ thingName: 'auditor-thing' }))],
        ['iot:DeleteThing', arnA('thing/sensor-1'), () => auditor.send(new DeleteThingCommand({ thingName: 'sensor-1' }))],
        ['iot:UpdateCertificate', arnA(`cert/${CERT_TWO.id}`), () => auditor.send(new UpdateCertificateCommand({ certificateId: CERT_TWO.id, newStatus: 'REVOKED' }))],
        ['iot:CreatePolicy', arnA('policy/auditor-policy'), () => auditor.send(new CreatePolicyCommand({ policyName: 'auditor-policy', policyDocument: CONNECT_POLICY }))],
      ];
      for (const [action, resource, write] of writes) {
        const refused = await errorOf(write);
        assert.equal(refused.name, 'AccessDeniedException', action);
        assert.equal(refused.message, denied(ROLE('Auditor'), action, resource));
      }
      assert.deepEqual(await registrySnapshot(admin), initial);
    });
  });

  describe('POST /_ddlocal/iam/simulate', () => {
    const simulate = (key: SigningKey, request: object) =>
      call(server, key, { method: 'POST', path: '/_ddlocal/iam/simulate', body: JSON.stringify(request) });
    const startInput = {
      taskId: 'simulated-task',
      target: { findingIds: ['f1'] },
      auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicyVersionAction'] },
      clientRequestToken: 'simulated-token',
    };

    test('the automation role may start the mitigation task: allowed, by the statement named', async () => {
      const initial = await registrySnapshot(admin);
      const res = await simulate(AUTOMATION, { operation: 'StartAuditMitigationActionsTask', input: startInput });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json, {
        accessKeyId: AUTOMATION.accessKeyId,
        principalArn: ROLE('AuditAutomation'),
        allowed: true,
        checks: [
          { action: 'iot:StartAuditMitigationActionsTask', resource: '*', decision: 'allowed', statement: { policyName: 'audit-and-mitigation', index: 0 } },
        ],
      });
      // Simulating runs nothing.
      assert.equal((await errorOf(() => admin.send(new DescribeAuditMitigationActionsTaskCommand({ taskId: 'simulated-task' })))).name, 'ResourceNotFoundException');
      assert.deepEqual(await registrySnapshot(admin), initial);
    });

    test('the auditor may not: implicitDeny with the AccessDenied message (asked by the auditor, and by the admin)', async () => {
      const expected = {
        accessKeyId: AUDITOR.accessKeyId,
        principalArn: ROLE('Auditor'),
        allowed: false,
        checks: [
          {
            action: 'iot:StartAuditMitigationActionsTask',
            resource: '*',
            decision: 'implicitDeny',
            message: denied(ROLE('Auditor'), 'iot:StartAuditMitigationActionsTask'),
          },
        ],
      };
      for (const [key, request] of [
        [AUDITOR, { operation: 'StartAuditMitigationActionsTask', input: startInput }],
        [ADMIN, { accessKeyId: AUDITOR.accessKeyId, operation: 'StartAuditMitigationActionsTask', input: startInput }],
      ] as const) {
        const res = await simulate(key, request);
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(res.json, expected);
      }
    });

    test('the raw form: an explicit Deny names its policy and statement; a context value decides a condition', async () => {
      const resource = arnA('thing/kept-thing');
      const deny = await simulate(OPERATOR, { action: 'iot:DeleteThing', resource, context: {} });
      assert.equal(deny.status, 200, deny.text);
      assert.deepEqual(deny.json.checks, [
        {
          action: 'iot:DeleteThing',
          resource,
          decision: 'explicitDeny',
          statement: { policyName: 'no-deletes', index: 1, sid: 'KeepThings' },
          message: `User: ${ROLE('Operator')} is not authorized to perform: iot:DeleteThing on resource: ${resource} with an explicit deny in an identity-based policy: no-deletes`,
        },
      ]);
      assert.equal(deny.json.allowed, false);
      const group = arnA('thinggroup/simulated');
      const tagged = await simulate(TAGGER, { action: 'iot:CreateThingGroup', resource: group, context: { 'aws:RequestTag/team': 'audit' } });
      assert.deepEqual(tagged.json.checks, [{ action: 'iot:CreateThingGroup', resource: group, decision: 'allowed', statement: { policyName: 'tagged-groups', index: 0 } }]);
      const other = await simulate(TAGGER, { action: 'iot:CreateThingGroup', resource: group, context: { 'aws:RequestTag/team': 'ops' } });
      assert.equal(other.json.allowed, false);
      assert.equal(other.json.checks[0].decision, 'implicitDeny');
    });

    test("a caller that is not an admin cannot simulate another credential", async () => {
      const res = await simulate(AUDITOR, { accessKeyId: AUTOMATION.accessKeyId, operation: 'StartAuditMitigationActionsTask', input: startInput });
      assert.match(assertAwsError(res, 'AccessDeniedException', 403), /needs an admin credential/);
    });
  });

  describe("/_ddlocal/ endpoints stay within the caller's account", () => {
    const thingNames = async (iot: IoTClient) => (await iot.send(new ListThingsCommand({ maxResults: 250 }))).things!.map((t) => t.thingName);

    test('GET /_ddlocal/health is served unsigned', async () => {
      const res = await call(server, undefined, { method: 'GET', path: '/_ddlocal/health' });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.status, 'ok');
      assert.equal(res.json.authMode, 'strict');
    });

    test('an unsigned reset or clock change is refused: MissingAuthenticationTokenException', async () => {
      const initial = await registrySnapshot(admin);
      for (const [path, body] of [
        ['/_ddlocal/reset', JSON.stringify({ accountId: ACCOUNT_A })],
        ['/_ddlocal/reset', '{}'],
        ['/_ddlocal/clock', '{"advanceSeconds":3600}'],
      ] as const) {
        const res = await call(server, undefined, { method: 'POST', path, body });
        assert.equal(assertAwsError(res, 'MissingAuthenticationTokenException', 403), 'Missing Authentication Token');
      }
      assert.deepEqual(await registrySnapshot(admin), initial);
      assert.equal(server.clock.state().mode, 'system');
    });

    test("account B can reset neither account A nor every account, nor move the clock", async () => {
      const initial = await registrySnapshot(admin);
      assert.ok(initial.things.length > 0);
      const resetA = await call(server, TENANT_B, { method: 'POST', path: '/_ddlocal/reset', body: JSON.stringify({ accountId: ACCOUNT_A }) });
      assert.match(assertAwsError(resetA, 'AccessDeniedException', 403), new RegExp(`reset of account ${ACCOUNT_A}, which is not the caller's account ${ACCOUNT_B}, needs an admin credential`));
      const resetAll = await call(server, TENANT_B, { method: 'POST', path: '/_ddlocal/reset', body: '{}' });
      assert.match(assertAwsError(resetAll, 'AccessDeniedException', 403), /reset of every account .* needs an admin credential/);
      const clock = await call(server, TENANT_B, { method: 'POST', path: '/_ddlocal/clock', body: '{"advanceSeconds":3600}' });
      assert.match(assertAwsError(clock, 'AccessDeniedException', 403), /clock needs an admin credential/);
      // A caller of account A that is not an admin cannot reset every account either.
      const developerResetAll = await call(server, DEVELOPER, { method: 'POST', path: '/_ddlocal/reset', body: '{}' });
      assertAwsError(developerResetAll, 'AccessDeniedException', 403);
      assert.deepEqual(await registrySnapshot(admin), initial);
      const state = await call(server, TENANT_B, { method: 'GET', path: '/_ddlocal/clock' });
      assert.equal(state.json.mode, 'system');
      assert.equal(state.json.offsetSeconds, 0);
    });

    test("account B cannot read account A through /_ddlocal/: its CA is its own, A's IAM roles are not there", async () => {
      const caSubject = async (key: SigningKey, query?: Record<string, string>) => {
        const res = await call(server, key, { method: 'GET', path: '/_ddlocal/ca', query });
        assert.equal(res.status, 200, res.text);
        return new X509Certificate(res.text).subject;
      };
      const subjectA = await caSubject(ADMIN);
      assert.match(subjectA, new RegExp(`ddlocal CA ${ACCOUNT_A} ${REGION}`));
      assert.match(await caSubject(TENANT_B), new RegExp(`ddlocal CA ${ACCOUNT_B} ${REGION}`));
      assert.match(await caSubject(TENANT_B, { accountId: ACCOUNT_A }), new RegExp(`ddlocal CA ${ACCOUNT_B} ${REGION}`));

      const role = { method: 'PUT', path: '/_ddlocal/iam/roles/team-a-role', body: JSON.stringify({ policies: [allow('iot:*')] }) };
      assert.equal((await call(server, ADMIN, role)).status, 200);
      assert.equal((await call(server, ADMIN, { method: 'GET', path: '/_ddlocal/iam/roles/team-a-role' })).status, 200);
      assertAwsError(await call(server, TENANT_B, { method: 'GET', path: '/_ddlocal/iam/roles/team-a-role' }), 'ResourceNotFoundException', 404);
    });

    test("account B's credentials cannot see account A's things through the AWS API", async () => {
      const tenant = client(server, TENANT_B);
      await tenant.send(new CreateThingCommand({ thingName: 'b-thing' }));
      const missing = await errorOf(() => tenant.send(new DescribeThingCommand({ thingName: 'sensor-1' })));
      assert.equal(missing.name, 'ResourceNotFoundException');
      assert.equal(missing.$metadata?.httpStatusCode, 404);
      assert.deepEqual(await thingNames(tenant), ['b-thing']);
      assert.ok((await thingNames(admin)).includes('sensor-1'));
    });

    test("a verified caller needs a policy allowing an endpoint's ddlocal: action, even on its own account", async () => {
      const initial = await registrySnapshot(admin);
      assert.ok(initial.things.length > 0);
      // The read-only auditor (iot:Describe*, List*, Get*) may neither wipe its account, nor register an IAM role the
      // audits would read, nor undo a mitigation task, nor read the clock: none of those is an iot: action.
      for (const [method, path, body, action] of [
        ['POST', '/_ddlocal/reset', JSON.stringify({ accountId: ACCOUNT_A }), 'ddlocal:Reset'],
        ['PUT', '/_ddlocal/iam/roles/Sneaky', JSON.stringify({ policies: [allow('iot:*')] }), 'ddlocal:PutIamRole'],
        ['POST', '/_ddlocal/audit/mitigationactions/tasks/any-task/undo', '{}', 'ddlocal:UndoAuditMitigationActionsTask'],
        ['GET', '/_ddlocal/clock', undefined, 'ddlocal:GetClock'],
      ] as const) {
        const res = await call(server, AUDITOR, { method, path, body });
        assert.equal(
          assertAwsError(res, 'AccessDeniedException', 403),
          `User: ${ROLE('Auditor')} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
        );
      }
      assert.deepEqual(await registrySnapshot(admin), initial);
      const role = await call(server, ADMIN, { method: 'GET', path: '/_ddlocal/iam/roles/Sneaky' });
      assertAwsError(role, 'ResourceNotFoundException', 404);
      // iot:* does not reach ddlocal's namespace either; the developer (iot:*) cannot reset its account.
      assertAwsError(await call(server, DEVELOPER, { method: 'POST', path: '/_ddlocal/reset', body: JSON.stringify({ accountId: ACCOUNT_A }) }), 'AccessDeniedException', 403);
      assert.deepEqual(await registrySnapshot(admin), initial);
    });

    test('the admin can reset account A, and only A', async () => {
      const tenant = client(server, TENANT_B);
      const reset = await call(server, ADMIN, { method: 'POST', path: '/_ddlocal/reset', body: JSON.stringify({ accountId: ACCOUNT_A }) });
      assert.equal(reset.status, 200, reset.text);
      assert.deepEqual(await thingNames(admin), []);
      assert.deepEqual(await thingNames(tenant), ['b-thing']);
    });
  });
});
