"""ddlocal as a pytest fixture: one real server for the session, a clean slate for every test that asks for it.

Fixtures:
  ddlocal_server  (session)  starts ddlocal once, yields a DdlocalConnection, stops the server at the end.
  ddlocal         (function) the same connection after a reset: every account and the clock start afresh.
  iot             (function) a boto3 IoT client pointed at that clean ddlocal.

Which ddlocal runs:
  - By default this repository's own bin/ddlocal.js (the example lives inside the repository).
  - DDLOCAL_COMMAND: the command that runs the ddlocal CLI, split like a shell would, such as
    DDLOCAL_COMMAND="npx ddlocal" in a project with ddlocal installed from npm (or "ddlocal" when it is on the PATH).
    `serve --port 0 --data :memory: --log-level silent` is appended: a free port, nothing kept, no request logs.
  - DDLOCAL_ENDPOINT: the URL of a ddlocal that is already running (say `npx ddlocal serve` in another terminal);
    nothing is started or stopped, and the reset before each test still applies to it.

Run from the repository root:  python3 -m pytest -q examples/pytest
Needs boto3 and pytest 7 or later.
"""
from __future__ import annotations

import json
import os
import queue
import re
import shlex
import subprocess
import threading
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Optional, Union

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

REPO = Path(__file__).resolve().parents[2]
# The line `ddlocal serve` prints once it accepts requests; with --port 0 it is how the port is learnt.
READY = re.compile(r"^ddlocal \S+ listening on (https?://\S+) \(store: .+\)$")
START_TIMEOUT_SECONDS = 60

# In open mode (ddlocal's default) a 12-digit access key id picks the account and nothing is verified; the same
# defaults as ddlocal/testing for Node.
ACCOUNT_ID = "123456789012"
SECRET_ACCESS_KEY = "ddlocal"
REGION = "us-east-1"


class DdlocalRequestError(Exception):
    """ddlocal answered one of its own endpoints with an error."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(f"HTTP {status} {error_type}: {message}")
        self.status = status
        self.error_type = error_type


class DdlocalClock:
    """ddlocal's clock through /_ddlocal/clock; every method returns the clock's time after it."""

    def __init__(self, connection: "DdlocalConnection") -> None:
        self._connection = connection

    def _call(self, body: Optional[dict] = None) -> datetime:
        state = self._connection.call("GET" if body is None else "POST", "/_ddlocal/clock", body)
        return datetime.fromisoformat(state["now"].replace("Z", "+00:00"))

    def advance(self, seconds: float) -> datetime:
        """Moves the clock forward (or back, when negative) by this many seconds."""
        return self._call({"advanceSeconds": seconds})

    def set(self, time: Union[str, datetime]) -> datetime:
        """Moves the clock to this instant: an ISO-8601 string with Z or an offset, or an aware datetime."""
        return self._call({"set": time.isoformat() if isinstance(time, datetime) else time})

    def freeze(self) -> datetime:
        """Stops the clock where it is: only advance() and set() move it until reset()."""
        return self._call({"freeze": True})

    def reset(self) -> datetime:
        """Back to the system time."""
        return self._call({"reset": True})

    def now(self) -> datetime:
        """ddlocal's current time."""
        return self._call()


class DdlocalConnection:
    """The controls of a running ddlocal: boto3 clients, reset and clock (like connectDdlocal in ddlocal/testing)."""

    def __init__(self, endpoint: str, access_key_id: str = ACCOUNT_ID, secret_access_key: str = SECRET_ACCESS_KEY,
                 region: str = REGION) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.account_id = access_key_id if re.fullmatch(r"\d{12}", access_key_id) else "000000000000"
        self.clock = DdlocalClock(self)

    def client(self, service: str = "iot", **overrides: Any):
        """A boto3 client pointed at ddlocal; keyword arguments win over the defaults."""
        settings = {
            "endpoint_url": self.endpoint,
            "region_name": self.region,
            "aws_access_key_id": self.access_key_id,
            "aws_secret_access_key": self.secret_access_key,
            **overrides,
        }
        return boto3.client(service, **settings)

    def env(self) -> dict:
        """The same as environment variables, for the aws CLI or other subprocesses."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
        }

    def reset(self, account_id: Optional[str] = None, region: Optional[str] = None) -> None:
        """Deletes state: without arguments every account, region and the clock; else one account (and region)."""
        body = {}
        if account_id is not None:
            body["accountId"] = account_id
        if region is not None:
            body["region"] = region
        self.call("POST", "/_ddlocal/reset", body)

    def call(self, method: str, path: str, body: Optional[dict] = None) -> Any:
        """One SigV4-signed JSON request to ddlocal's own endpoints (signed so that strict mode accepts it too)."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {} if data is None else {"Content-Type": "application/json"}
        request = AWSRequest(method=method, url=self.endpoint + path, data=data, headers=headers)
        SigV4Auth(Credentials(self.access_key_id, self.secret_access_key), "iot", self.region).add_auth(request)
        prepared = request.prepare()
        sent = urllib.request.Request(prepared.url, data=data, headers=dict(prepared.headers.items()), method=method)
        try:
            with urllib.request.urlopen(sent, timeout=30) as response:
                text = response.read().decode("utf-8")
        except urllib.error.HTTPError as err:
            text = err.read().decode("utf-8", "replace")
            try:
                message = json.loads(text).get("message", text)
            except ValueError:
                message = text
            error_type = (err.headers.get("x-amzn-ErrorType") or "").split(":")[0]
            raise DdlocalRequestError(err.code, error_type, f"{method} {path}: {message}") from None
        return json.loads(text) if text.strip() else {}


def _ddlocal_command() -> list:
    configured = os.environ.get("DDLOCAL_COMMAND")
    if configured:
        return shlex.split(configured)
    return ["node", str(REPO / "bin" / "ddlocal.js")]


class DdlocalProcess:
    """`ddlocal serve` as a child process: started, its URL read from the ready line, stopped."""

    def __init__(self) -> None:
        command = _ddlocal_command() + ["serve", "--port", "0", "--data", ":memory:", "--log-level", "silent"]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self.output: list = []
        lines: "queue.Queue[Optional[str]]" = queue.Queue()

        # Reads the output until the process ends, so that it never blocks on a full pipe.
        def drain() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                lines.put(line.rstrip("\n"))
            lines.put(None)

        threading.Thread(target=drain, name="ddlocal-output", daemon=True).start()
        try:
            self.endpoint = self._wait_until_ready(lines, " ".join(command))
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self, lines: "queue.Queue[Optional[str]]", command: str) -> str:
        deadline = START_TIMEOUT_SECONDS
        while True:
            try:
                line = lines.get(timeout=deadline)
            except queue.Empty:
                raise RuntimeError(f"`{command}` printed no ready line within {START_TIMEOUT_SECONDS}s:\n"
                                   + "\n".join(self.output)) from None
            if line is None:
                code = self.process.wait()
                raise RuntimeError(f"`{command}` exited with {code} before it was ready:\n" + "\n".join(self.output))
            self.output.append(line)
            match = READY.match(line)
            if match:
                return match.group(1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="session")
def ddlocal_server() -> Iterator[DdlocalConnection]:
    """One ddlocal for the whole session (or the one DDLOCAL_ENDPOINT names)."""
    existing = os.environ.get("DDLOCAL_ENDPOINT")
    if existing:
        yield DdlocalConnection(existing)
        return
    server = DdlocalProcess()
    try:
        yield DdlocalConnection(server.endpoint)
    finally:
        server.stop()


@pytest.fixture
def ddlocal(ddlocal_server: DdlocalConnection) -> DdlocalConnection:
    """The session's ddlocal, reset: every account empty and the clock back to the system time."""
    ddlocal_server.reset()
    return ddlocal_server


@pytest.fixture
def iot(ddlocal: DdlocalConnection):
    """A boto3 IoT client of the clean ddlocal."""
    return ddlocal.client("iot")
