// boto3 (Python) drives a registry walkthrough against the real server: ddlocal must work for botocore's
// rest-json client, paginators and error parsing, not only for the JavaScript SDK.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from './helpers/server.js';

const script = fileURLToPath(new URL('../../test/python/boto3_registry.py', import.meta.url));

/** The first python3 on this machine that can import boto3 (.ci/run installs Debian's python3-boto3 if none can). */
function pythonWithBoto3(): string {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(candidate, ['-c', 'import boto3'], { encoding: 'utf8' });
    if (r.status === 0) return candidate;
  }
  throw new Error('no python3 with boto3 found; install python3-boto3');
}

let server: TestServer;
before(async () => {
  server = await startTestServer('sqlite');
});
after(() => server.close());

test('boto3 registry walkthrough', async () => {
  // Asynchronous on purpose: the server answering boto3 runs on this process's event loop.
  const r = await new Promise<{ error: Error | null; stdout: string; stderr: string }>((resolve) => {
    execFile(pythonWithBoto3(), [script, server.url, '123456789012'], { encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ error, stdout, stderr }),
    );
  });
  assert.equal(r.error, null, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.things, Array.from({ length: 7 }, (_, i) => `py-thing-${i}`));
  assert.deepEqual(out.describeThing, { n: '3' });
  assert.equal(out.missingThing.code, 'ResourceNotFoundException');
  assert.equal(out.missingThing.status, 404);
  assert.match(out.missingThing.requestId, /^[0-9a-f-]{36}$/);
  assert.equal(out.badName.code, 'InvalidRequestException');
  assert.equal(out.badName.status, 400);
  assert.match(out.badName.message, /Member must satisfy regular expression pattern/);
  assert.deepEqual(out.thingsInGroup, ['py-thing-0']);
  assert.deepEqual(out.certificatesListed, out.certificatesCreated);
  assert.equal(out.certificatesListed.length, 5);
  assert.equal(out.certificatePemStart, '-----BEGIN CERTIFICATE-----');
  assert.equal(out.privateKeyStart, '-----BEGIN RSA PRIVATE KEY-----');
  assert.equal(out.certificateStatus, 'ACTIVE');
  assert.equal(out.certificateCreationDateType, 'datetime');
  assert.equal(out.thingPrincipals, true);
  assert.equal(out.deleteActiveCert.code, 'CertificateStateException');
  assert.equal(out.deleteActiveCert.status, 406);
  assert.equal(out.sixthVersion.code, 'VersionsLimitExceededException');
  assert.equal(out.sixthVersion.status, 409);
  assert.equal(out.malformed.code, 'MalformedPolicyException');
  assert.equal(out.targets, true);
  assert.equal(out.policyDocumentRoundTrip, true);
  assert.equal(out.v2BeforeSet.code, 'NotConfiguredException');
  assert.equal(out.v2BeforeSet.status, 404);
  assert.equal(out.v2AfterSet, 'INFO');
  assert.equal(out.roleAlias, 3600);
  assert.deepEqual(out.tags, [
    { Key: 'env', Value: 'test' },
    { Key: 'team', Value: 'iot' },
  ]);
  assert.equal(out.notImplemented.code, 'NotImplementedException');
  assert.equal(out.notImplemented.status, 501);
});
