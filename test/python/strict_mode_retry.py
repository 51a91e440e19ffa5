"""boto3 calling CreateThing once, through whatever retries botocore makes; test/strict-mode-retries.test.ts points it
at a proxy that answers the first attempt 503, so the call only succeeds if ddlocal verifies the retried request.

Usage: python3 strict_mode_retry.py <endpoint-url> <access-key-id> <secret-access-key> <thing-name> [<max-attempts>]

Without <max-attempts> botocore's own retry settings apply (the test runs it without AWS_* variables or config file,
so these are botocore's defaults). Prints one JSON object: {"thingName", "retryAttempts"} on success, or
{"error": {"code", "status", "message", "retryAttempts"}} when the service refused the call.
"""
import json
import sys

import boto3
from botocore.config import Config

endpoint, access_key, secret_key, thing_name = sys.argv[1:5]
max_attempts = int(sys.argv[5]) if len(sys.argv) > 5 else None
iot = boto3.client(
    "iot",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id=access_key,
    aws_secret_access_key=secret_key,
    config=Config(retries={"total_max_attempts": max_attempts}) if max_attempts else None,
)

try:
    created = iot.create_thing(thingName=thing_name)
    print(json.dumps({"thingName": created["thingName"], "retryAttempts": created["ResponseMetadata"]["RetryAttempts"]}))
except iot.exceptions.ClientError as err:
    print(
        json.dumps(
            {
                "error": {
                    "code": err.response["Error"]["Code"],
                    "status": err.response["ResponseMetadata"]["HTTPStatusCode"],
                    "message": err.response["Error"]["Message"],
                    "retryAttempts": err.response["ResponseMetadata"]["RetryAttempts"],
                }
            }
        )
    )
