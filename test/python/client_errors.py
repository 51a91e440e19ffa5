"""The error a boto3 call answers, as the Python test scripts report it to the Node tests (one shape for all)."""


def error_of(client, fn, with_request_id=False, **kwargs):
    """Calls fn(**kwargs); returns None when it succeeds, else the service error's code, HTTP status and message."""
    try:
        fn(**kwargs)
    except client.exceptions.ClientError as err:
        error = {
            "code": err.response["Error"]["Code"],
            "status": err.response["ResponseMetadata"]["HTTPStatusCode"],
            "message": err.response["Error"]["Message"],
        }
        if with_request_id:
            error["requestId"] = err.response["ResponseMetadata"].get("RequestId")
        return error
    return None
