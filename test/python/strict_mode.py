"""boto3 against a ddlocal in strict mode, signing with a key of its credentials table; prints one JSON object of
observations that test/strict-mode.test.ts compares with what the JS SDK and the AWS CLIs observe.

Usage: python3 strict_mode.py <endpoint-url> <access-key-id> <secret-access-key> <name-prefix> [<session-token>]

The calls cover what a signature must survive: a path label with `+ = , @` (a policy name), a certificate ARN as a
label (`:` and `/`), a label with spaces and non-ASCII letters, and a list call with query parameters.
"""
import json
import sys

import boto3
from botocore.config import Config

from client_errors import error_of as client_error_of

endpoint, access_key, secret_key, prefix = sys.argv[1:5]
session_token = sys.argv[5] if len(sys.argv) > 5 else None
iot = boto3.client(
    "iot",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id=access_key,
    aws_secret_access_key=secret_key,
    aws_session_token=session_token,
    config=Config(retries={"max_attempts": 1}),
)


def error_of(fn, **kwargs):
    return client_error_of(iot, fn, **kwargs)


thing = f"{prefix}-thing"
policy = f"{prefix}+ops=v1,team@x.y"
site = f"lab/{prefix}:east=1"
iot.create_thing(thingName=thing, attributePayload={"attributes": {"site": site}})
described = iot.describe_thing(thingName=thing)
iot.create_policy(
    policyName=policy,
    policyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:Connect", "Resource": "*"}]}),
)
cert_arn = iot.create_keys_and_certificate(setAsActive=True)["certificateArn"]
iot.attach_policy(policyName=policy, target=cert_arn)
listed = iot.list_things(attributeName="site", attributeValue=site, maxResults=5)

print(
    json.dumps(
        {
            "thingAttributes": described["attributes"],
            "policyName": iot.get_policy(policyName=policy)["policyName"],
            "attachedToCertificate": [p["policyName"] for p in iot.list_attached_policies(target=cert_arn)["policies"]],
            "unicodeLabel": error_of(iot.list_attached_policies, target="café grüße 1/2+3"),
            "listedBySite": [t["thingName"] for t in listed["things"]],
        }
    )
)
