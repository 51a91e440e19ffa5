// The AWS IoT Device Defender workshop's device provisioning flow (its scripts/provision_thing.py), run with boto3 as a
// Python script against a real ddlocal server over HTTP, on both stores: find no thing, create the thing, keys and an
// active certificate, attach certificate and policy, read the ATS data endpoint (ddlocal answers its own address,
// docs/decisions.md#w22), put the thing into a new thing group — then take all of it down again and check that the
// account's registry is empty. A second test runs the cleanup in the wrong order first (the thing before its
// principal, the policy and the certificate while still attached), as a hand-written cleanup easily does, and checks
// that boto3 sees the errors and that nothing was half-deleted. DescribeEndpoint's endpoint types and invalid types,
// and the exact AWS message of DeleteThing with an attached principal, are covered by describe-endpoint.test.ts and
// aws-fidelity.test.ts.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forEachStore, type TestServer } from './helpers/server.js';
import { tempDir } from './helpers/temp-dir.js';

/** The first python3 on this machine that can import boto3 (.ci/run installs Debian's python3-boto3 if none can). */
function pythonWithBoto3(): string {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(candidate, ['-c', 'import boto3'], { encoding: 'utf8' });
    if (r.status === 0) return candidate;
  }
  throw new Error('no python3 with boto3 found; install python3-boto3');
}

// The workshop's flow, with its names; `cleanup` is the full teardown the workshop's own --cleanup only half does
// (it neither removes the thing from its group nor detaches the certificate from the thing). Prints one JSON object of
// observations.
const SCRIPT = String.raw`
import json
import sys

import boto3
from botocore.config import Config

endpoint, account, mode = sys.argv[1], sys.argv[2], sys.argv[3]
THING_NAME = "DefenderWorkshopThing"
POLICY_NAME = "DefenderWorkshopPolicy"
GROUP_NAME = "DefenderWorkshopGroup"

client = boto3.client(
    "iot",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id=account,
    aws_secret_access_key="ddlocal-test-secret",
    config=Config(retries={"max_attempts": 1}),
)
out = {}

# A typical device policy: connect as the thing itself, publish and subscribe under the thing's own topics.
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "iot:Connect",
         "Resource": "arn:aws:iot:us-east-1:" + account + ":client/${"${iot:Connection.Thing.ThingName}"}"},
        {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"],
         "Resource": "arn:aws:iot:us-east-1:" + account + ":topic/device/${"${iot:Connection.Thing.ThingName}"}/*"},
        {"Effect": "Allow", "Action": "iot:Subscribe",
         "Resource": "arn:aws:iot:us-east-1:" + account + ":topicfilter/device/${"${iot:Connection.Thing.ThingName}"}/*"},
    ],
}


def error_of(fn, **kwargs):
    try:
        fn(**kwargs)
    except client.exceptions.ClientError as err:
        return {
            "code": err.response["Error"]["Code"],
            "status": err.response["ResponseMetadata"]["HTTPStatusCode"],
            "message": err.response["Error"]["Message"],
        }
    return None


def registry():
    return {
        "things": [t["thingName"] for t in client.list_things()["things"]],
        "certificates": [c["certificateId"] for c in client.list_certificates()["certificates"]],
        "policies": [p["policyName"] for p in client.list_policies()["policies"]],
        "thingGroups": [g["groupName"] for g in client.list_thing_groups()["thingGroups"]],
    }


def provision():
    p = {}
    # As the workshop script: look the thing up first (by an attribute filter), then create it.
    p["thingsBefore"] = client.list_things(attributeName=THING_NAME, attributeValue=THING_NAME)["things"]
    p["allThingsBefore"] = client.list_things()["things"]
    thing = client.create_thing(thingName=THING_NAME)
    p["thing"] = {k: thing[k] for k in ("thingName", "thingArn", "thingId")}

    keys = client.create_keys_and_certificate(setAsActive=True)
    p["certificate"] = {
        "certificateArn": keys["certificateArn"],
        "certificateId": keys["certificateId"],
        "pemStart": keys["certificatePem"].splitlines()[0],
        "privateKeyStart": keys["keyPair"]["PrivateKey"].splitlines()[0],
        "publicKeyStart": keys["keyPair"]["PublicKey"].splitlines()[0],
    }
    cert_arn = keys["certificateArn"]
    client.attach_thing_principal(thingName=THING_NAME, principal=cert_arn)

    existing = [x for x in client.list_policies()["policies"] if x["policyName"] == POLICY_NAME]
    p["policyExisted"] = len(existing) > 0
    created = client.create_policy(policyName=POLICY_NAME, policyDocument=json.dumps(POLICY))
    p["policy"] = {k: created[k] for k in ("policyName", "policyArn", "policyVersionId")}
    client.attach_policy(policyName=POLICY_NAME, target=cert_arn)

    p["endpointAddress"] = client.describe_endpoint(endpointType="iot:Data-ATS")["endpointAddress"]

    group = client.create_thing_group(thingGroupName=GROUP_NAME)
    p["thingGroupArn"] = group["thingGroupArn"]
    # The workshop adds the thing by ARN, not by name.
    client.add_thing_to_thing_group(thingGroupArn=group["thingGroupArn"], thingArn=thing["thingArn"])

    # What the provisioning left behind, read back.
    p["principalThings"] = client.list_principal_things(principal=cert_arn)["things"]
    p["thingPrincipals"] = client.list_thing_principals(thingName=THING_NAME)["principals"]
    p["attachedPolicies"] = [x["policyName"] for x in client.list_attached_policies(target=cert_arn)["policies"]]
    p["policyTargets"] = client.list_targets_for_policy(policyName=POLICY_NAME)["targets"]
    p["groupsOfThing"] = [g["groupName"] for g in client.list_thing_groups_for_thing(thingName=THING_NAME)["thingGroups"]]
    p["thingsInGroup"] = client.list_things_in_thing_group(thingGroupName=GROUP_NAME)["things"]
    p["certificateStatus"] = client.describe_certificate(certificateId=keys["certificateId"])["certificateDescription"]["status"]
    p["policyDocument"] = json.loads(client.get_policy(policyName=POLICY_NAME)["policyDocument"])
    p["registry"] = registry()
    return p, keys["certificateId"], cert_arn


def cleanup(cert_id, cert_arn):
    client.remove_thing_from_thing_group(thingGroupName=GROUP_NAME, thingName=THING_NAME)
    client.detach_policy(policyName=POLICY_NAME, target=cert_arn)
    client.detach_thing_principal(thingName=THING_NAME, principal=cert_arn)
    client.update_certificate(certificateId=cert_id, newStatus="INACTIVE")
    client.delete_certificate(certificateId=cert_id)
    client.delete_thing(thingName=THING_NAME)
    client.delete_thing_group(thingGroupName=GROUP_NAME)
    client.delete_policy(policyName=POLICY_NAME)


out["provision"], cert_id, cert_arn = provision()

if mode == "wrong-order":
    wrong = {}
    # The thing first, while the certificate is still attached to it.
    wrong["deleteThing"] = error_of(client.delete_thing, thingName=THING_NAME)
    # The policy while it is still attached to the certificate.
    wrong["deletePolicy"] = error_of(client.delete_policy, policyName=POLICY_NAME)
    # The certificate while it is still active, then (deactivated) while still attached to the thing and the policy.
    wrong["deleteActiveCertificate"] = error_of(client.delete_certificate, certificateId=cert_id)
    client.update_certificate(certificateId=cert_id, newStatus="INACTIVE")
    wrong["deleteAttachedCertificate"] = error_of(client.delete_certificate, certificateId=cert_id)
    # Nothing was half-deleted: every resource and every link is still there.
    wrong["registry"] = registry()
    wrong["thingPrincipals"] = client.list_thing_principals(thingName=THING_NAME)["principals"]
    wrong["attachedPolicies"] = [x["policyName"] for x in client.list_attached_policies(target=cert_arn)["policies"]]
    wrong["groupsOfThing"] = [g["groupName"] for g in client.list_thing_groups_for_thing(thingName=THING_NAME)["thingGroups"]]
    wrong["certificateStatus"] = client.describe_certificate(certificateId=cert_id)["certificateDescription"]["status"]
    out["wrongOrder"] = wrong

# The right order (update_certificate to INACTIVE again is harmless after the wrong-order attempt).
cleanup(cert_id, cert_arn)
out["after"] = registry()
out["deletedThing"] = error_of(client.describe_thing, thingName=THING_NAME)
print(json.dumps(out))
`;

const SCRIPT_FILE = join(tempDir('ddlocal-workshop-'), 'provision_thing.py');
writeFileSync(SCRIPT_FILE, SCRIPT);

type Mode = 'right-order' | 'wrong-order';

/** Runs the workshop script against the server for the account; its JSON observations. */
async function runWorkshop(server: TestServer, accountId: string, mode: Mode): Promise<any> {
  // Asynchronous on purpose: the server answering boto3 runs on this process's event loop.
  const r = await new Promise<{ error: Error | null; stdout: string; stderr: string }>((resolve) => {
    execFile(pythonWithBoto3(), [SCRIPT_FILE, server.url, accountId, mode], { encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ error, stdout, stderr }),
    );
  });
  assert.equal(r.error, null, r.stderr);
  return JSON.parse(r.stdout);
}

const EMPTY = { things: [], certificates: [], policies: [], thingGroups: [] };

/** What provisioning must have produced, whatever the cleanup that follows. */
function assertProvisioned(p: any, accountId: string, authority: string): void {
  assert.deepEqual(p.thingsBefore, []);
  assert.deepEqual(p.allThingsBefore, []);
  assert.equal(p.thing.thingName, 'DefenderWorkshopThing');
  assert.equal(p.thing.thingArn, `arn:aws:iot:us-east-1:${accountId}:thing/DefenderWorkshopThing`);
  assert.match(p.thing.thingId, /^[0-9a-f-]{36}$/);

  assert.match(p.certificate.certificateId, /^[0-9a-f]{64}$/);
  assert.equal(p.certificate.certificateArn, `arn:aws:iot:us-east-1:${accountId}:cert/${p.certificate.certificateId}`);
  assert.equal(p.certificate.pemStart, '-----BEGIN CERTIFICATE-----');
  assert.equal(p.certificate.privateKeyStart, '-----BEGIN RSA PRIVATE KEY-----');
  assert.equal(p.certificate.publicKeyStart, '-----BEGIN PUBLIC KEY-----');
  assert.equal(p.certificateStatus, 'ACTIVE', 'setAsActive=True');

  assert.equal(p.policyExisted, false);
  assert.deepEqual(p.policy, {
    policyName: 'DefenderWorkshopPolicy',
    policyArn: `arn:aws:iot:us-east-1:${accountId}:policy/DefenderWorkshopPolicy`,
    policyVersionId: '1',
  });
  assert.equal(p.policyDocument.Statement[0].Resource, `arn:aws:iot:us-east-1:${accountId}:client/\${iot:Connection.Thing.ThingName}`);

  // W22: not an AWS host name (…-ats.iot.<region>.amazonaws.com) but the host and port the script reached ddlocal
  // through, so a device SDK given this address talks to the local server.
  assert.equal(p.endpointAddress, authority);
  assert.doesNotMatch(p.endpointAddress, /amazonaws\.com/);

  assert.equal(p.thingGroupArn, `arn:aws:iot:us-east-1:${accountId}:thinggroup/DefenderWorkshopGroup`);
  assert.deepEqual(p.principalThings, ['DefenderWorkshopThing']);
  assert.deepEqual(p.thingPrincipals, [p.certificate.certificateArn]);
  assert.deepEqual(p.attachedPolicies, ['DefenderWorkshopPolicy']);
  assert.deepEqual(p.policyTargets, [p.certificate.certificateArn]);
  assert.deepEqual(p.groupsOfThing, ['DefenderWorkshopGroup'], 'added by ARN');
  assert.deepEqual(p.thingsInGroup, ['DefenderWorkshopThing']);
  assert.deepEqual(p.registry, {
    things: ['DefenderWorkshopThing'],
    certificates: [p.certificate.certificateId],
    policies: ['DefenderWorkshopPolicy'],
    thingGroups: ['DefenderWorkshopGroup'],
  });
}

function assertCleanedUp(out: any): void {
  assert.deepEqual(out.after, EMPTY, 'list_things, list_certificates, list_policies and list_thing_groups are all empty');
  assert.equal(out.deletedThing.code, 'ResourceNotFoundException');
  assert.equal(out.deletedThing.status, 404);
}

forEachStore('Device Defender workshop provisioning with boto3', (suite) => {
  let server: TestServer;
  let authority: string;
  before(() => {
    server = suite.server;
    authority = new URL(server.url).host;
  });

  test('provision_thing.py: thing, keys and certificate, policy, ATS endpoint, thing group; then the full cleanup', async () => {
    const accountId = '310000000001';
    const out = await runWorkshop(server, accountId, 'right-order');
    assertProvisioned(out.provision, accountId, authority);
    assert.equal(out.wrongOrder, undefined);
    assertCleanedUp(out);
  });

  test('cleanup in the wrong order fails step by step, deletes nothing half-way, and the right order then succeeds', async () => {
    const accountId = '310000000002';
    const out = await runWorkshop(server, accountId, 'wrong-order');
    assertProvisioned(out.provision, accountId, authority);
    const wrong = out.wrongOrder;
    const errorShape = (e: any) => e && { code: e.code, status: e.status };
    // The message of this one is AWS's exact text, checked in aws-fidelity.test.ts.
    assert.deepEqual(errorShape(wrong.deleteThing), { code: 'InvalidRequestException', status: 400 });
    assert.deepEqual(errorShape(wrong.deletePolicy), { code: 'DeleteConflictException', status: 409 });
    assert.deepEqual(errorShape(wrong.deleteActiveCertificate), { code: 'CertificateStateException', status: 406 });
    assert.deepEqual(errorShape(wrong.deleteAttachedCertificate), { code: 'DeleteConflictException', status: 409 });
    assert.deepEqual(wrong.registry, out.provision.registry, 'every resource is still there');
    assert.deepEqual(wrong.thingPrincipals, [out.provision.certificate.certificateArn]);
    assert.deepEqual(wrong.attachedPolicies, ['DefenderWorkshopPolicy']);
    assert.deepEqual(wrong.groupsOfThing, ['DefenderWorkshopGroup']);
    assert.equal(wrong.certificateStatus, 'INACTIVE');
    assertCleanedUp(out);
  });
});
