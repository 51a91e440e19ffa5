"""A registry walkthrough with boto3 against ddlocal; prints one JSON object of observations for test/boto3.test.ts.

Usage: python3 boto3_registry.py <endpoint-url> <account-id>
"""
import json
import sys

import boto3
from botocore.config import Config

from client_errors import error_of as client_error_of

endpoint, account = sys.argv[1], sys.argv[2]
iot = boto3.client(
    "iot",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id=account,
    aws_secret_access_key="ddlocal-test-secret",
    config=Config(retries={"max_attempts": 1}),
)
out = {}


def error_of(fn, **kwargs):
    return client_error_of(iot, fn, with_request_id=True, **kwargs)


# Things and pagination through boto3's own paginator (token style).
for i in range(7):
    iot.create_thing(thingName=f"py-thing-{i}", attributePayload={"attributes": {"n": str(i)}})
names = []
for page in iot.get_paginator("list_things").paginate(PaginationConfig={"PageSize": 3}):
    names.extend(t["thingName"] for t in page["things"])
out["things"] = names
out["describeThing"] = iot.describe_thing(thingName="py-thing-3")["attributes"]
out["missingThing"] = error_of(iot.describe_thing, thingName="nope")
out["badName"] = error_of(iot.create_thing, thingName="bad name!")

# Thing groups and membership.
iot.create_thing_group(thingGroupName="py-group", tags=[{"Key": "team", "Value": "iot"}])
iot.add_thing_to_thing_group(thingGroupName="py-group", thingName="py-thing-0")
out["thingsInGroup"] = iot.list_things_in_thing_group(thingGroupName="py-group")["things"]

# Certificates (marker style through the paginator) and principals.
certs = [iot.create_keys_and_certificate(setAsActive=(i % 2 == 0)) for i in range(5)]
listed = []
for page in iot.get_paginator("list_certificates").paginate(PaginationConfig={"PageSize": 2}):
    listed.extend(c["certificateId"] for c in page["certificates"])
out["certificatesListed"] = sorted(listed)
out["certificatesCreated"] = sorted(c["certificateId"] for c in certs)
first = certs[0]
out["certificatePemStart"] = first["certificatePem"][:27]
out["privateKeyStart"] = first["keyPair"]["PrivateKey"][:31]
desc = iot.describe_certificate(certificateId=first["certificateId"])["certificateDescription"]
out["certificateStatus"] = desc["status"]
out["certificateCreationDateType"] = type(desc["creationDate"]).__name__
iot.attach_thing_principal(thingName="py-thing-0", principal=first["certificateArn"])
out["thingPrincipals"] = iot.list_thing_principals(thingName="py-thing-0")["principals"] == [first["certificateArn"]]
out["deleteActiveCert"] = error_of(iot.delete_certificate, certificateId=first["certificateId"])

# Policies, versions, attachments.
doc = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:Connect", "Resource": "*"}]})
iot.create_policy(policyName="py-policy", policyDocument=doc)
for _ in range(4):
    iot.create_policy_version(policyName="py-policy", policyDocument=doc, setAsDefault=True)
out["sixthVersion"] = error_of(iot.create_policy_version, policyName="py-policy", policyDocument=doc)
out["malformed"] = error_of(iot.create_policy, policyName="py-bad", policyDocument='{"Statement": []}')
iot.attach_policy(policyName="py-policy", target=first["certificateArn"])
out["targets"] = iot.list_targets_for_policy(policyName="py-policy")["targets"] == [first["certificateArn"]]
out["policyDocumentRoundTrip"] = iot.get_policy(policyName="py-policy")["policyDocument"] == doc

# Logging, role aliases, tags.
out["v2BeforeSet"] = error_of(iot.get_v2_logging_options)
iot.set_v2_logging_options(roleArn=f"arn:aws:iam::{account}:role/logging", defaultLogLevel="INFO")
out["v2AfterSet"] = iot.get_v2_logging_options()["defaultLogLevel"]
iot.create_role_alias(roleAlias="py-alias", roleArn=f"arn:aws:iam::{account}:role/device-role")
out["roleAlias"] = iot.describe_role_alias(roleAlias="py-alias")["roleAliasDescription"]["credentialDurationSeconds"]
group_arn = iot.describe_thing_group(thingGroupName="py-group")["thingGroupArn"]
iot.tag_resource(resourceArn=group_arn, tags=[{"Key": "env", "Value": "test"}])
out["tags"] = iot.list_tags_for_resource(resourceArn=group_arn)["tags"]

# Not implemented by ddlocal.
out["notImplemented"] = error_of(iot.list_topic_rules)
print(json.dumps(out))
