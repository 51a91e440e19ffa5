"""ddlocal in pytest: one server for the session (conftest.py), a clean slate for each test, time moved instead of
waited for. Run from the repository root:  python3 -m pytest -q examples/pytest
"""
import time


def audit(iot, check_name):
    """Runs an on-demand audit of one check and returns its findings once the task is over."""
    iot.update_account_audit_configuration(
        roleArn="arn:aws:iam::123456789012:role/Audit",
        auditCheckConfigurations={check_name: {"enabled": True}},
    )
    task_id = iot.start_on_demand_audit_task(targetCheckNames=[check_name])["taskId"]
    status = "IN_PROGRESS"
    while status == "IN_PROGRESS":
        time.sleep(0.05)
        status = iot.describe_audit_task(taskId=task_id)["taskStatus"]
    assert status == "COMPLETED"
    return iot.list_audit_findings(taskId=task_id)["findings"]


def test_a_new_certificate_is_young_and_400_days_later_the_age_check_flags_it(ddlocal, iot):
    iot.create_thing(thingName="sensor-1")
    certificate_id = iot.create_keys_and_certificate(setAsActive=True)["certificateId"]

    assert audit(iot, "DEVICE_CERTIFICATE_AGE_CHECK") == []

    ddlocal.clock.advance(400 * 24 * 3600)
    findings = audit(iot, "DEVICE_CERTIFICATE_AGE_CHECK")
    assert len(findings) == 1
    assert findings[0]["nonCompliantResource"]["resourceIdentifier"]["deviceCertificateId"] == certificate_id


def test_each_test_starts_from_an_empty_registry(iot):
    assert iot.list_things()["things"] == []
