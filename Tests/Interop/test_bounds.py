"""Resource bounds: clients that do not read, and input built to exhaust memory.

- A client that sends 5,000 requests and never reads stdout: conduit's memory stays
  bounded (it stops reading requests once its output backlog is full, instead of
  buffering every answer), and once the client reads, every answer arrives and the
  server is as responsive as before.
- A client that never reads stderr while conduit logs at debug level: requests are
  still answered (stderr lines are dropped past a backlog, never waited for).
- Input built to exhaust memory: nesting 100,000 deep, a 50 MB line, numbers and
  strings of absurd size: each a clear JSON-RPC error (or a normal answer), bounded
  memory, and the server still serving afterwards.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import CHORUS_TOKEN, base_env, write_account
from fake_chorus import FakeChorus

CLIENT_INFO = {"name": "conduit-bounds-tests", "version": "1"}
INITIALIZE = {"jsonrpc": "2.0", "id": "init", "method": "initialize",
              "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": CLIENT_INFO}}
MB = 1024 * 1024


def status(pid: int, field: str) -> float:
    """A memory figure from /proc/PID/status, in MB."""
    with open(f"/proc/{pid}/status") as f:
        for row in f:
            if row.startswith(field + ":"):
                return int(row.split()[1]) / 1024
    raise KeyError(field)


class RawServer:
    """`conduit serve` on plain pipes, read only when the test says so."""

    def __init__(self, binary: Path, account: Path, *extra: str, stderr: int = subprocess.DEVNULL) -> None:
        self.proc = subprocess.Popen([str(binary), "serve", "--account", str(account), *extra],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                                     env=base_env(CHORUS_TOKEN=CHORUS_TOKEN))
        self.pid = self.proc.pid

    def write(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.write(json.dumps(message).encode() + b"\n")

    def read(self, timeout: float = 20) -> dict[str, Any]:
        """The next stdout message (a reader thread enforces the deadline)."""
        box: list[bytes] = []
        reader = threading.Thread(target=lambda: box.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        assert box and box[0], f"no line on stdout within {timeout} s (alive: {self.proc.poll() is None})"
        return json.loads(box[0])

    def answer(self, request_id: Any, timeout: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            message = self.read(max(0.1, deadline - time.monotonic()))
            if message.get("id") == request_id and "method" not in message:
                return message

    def ping(self, request_id: str = "ping") -> dict[str, Any]:
        self.send({"jsonrpc": "2.0", "id": request_id, "method": "ping"})
        return self.answer(request_id)

    def rss(self) -> float:
        return status(self.pid, "VmRSS")

    def peak(self) -> float:
        return status(self.pid, "VmHWM")

    def close(self) -> int:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def __enter__(self) -> "RawServer":
        self.send(INITIALIZE)
        opened = self.answer("init")
        assert "result" in opened, opened
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def fake() -> Iterator[FakeChorus]:
    with FakeChorus(token=CHORUS_TOKEN) as running:
        yield running


@pytest.fixture
def account(tmp_path: Path, chorus_integration: str, fake: FakeChorus) -> Path:
    return write_account(tmp_path / "account.json", chorus_integration, fake.url)


@pytest.fixture
def users_account(tmp_path: Path, chorus_integration: str, fake: FakeChorus) -> Path:
    """Six tools: a tools/list answer of a few KB, quick to render even in a debug build."""
    return write_account(tmp_path / "users.json", chorus_integration, fake.url, tags=["users"])


# -- clients that do not read ------------------------------------------------------------------


def test_a_client_that_never_reads_stdout(conduit_binary: Path, users_account: Path) -> None:
    requests = 5000
    with RawServer(conduit_binary, users_account) as server:
        server.send({"jsonrpc": "2.0", "id": "size", "method": "tools/list"})
        size = len(json.dumps(server.answer("size")))
        baseline = server.rss()

        written = [0]

        def flood() -> None:
            try:
                for index in range(requests):
                    server.write(json.dumps({"jsonrpc": "2.0", "id": index, "method": "tools/list"}).encode() + b"\n")
                    written[0] = index + 1
            except (BrokenPipeError, ValueError, OSError):
                pass

        writer = threading.Thread(target=flood, daemon=True)
        writer.start()
        # Long enough for a debug build to answer every request if it never stopped reading.
        time.sleep(4)
        held = server.rss()
        unread = requests * size / MB
        assert server.proc.poll() is None, "conduit exited while its stdout was not read"
        assert held - baseline < min(16, unread / 2), (
            f"RSS grew {held - baseline:.1f} MB while {written[0]} requests were sent and none of their "
            f"{unread:.0f} MB of answers read: the output backlog is not bounded")

        # The client reads again: every answer arrives, and the server carries on.
        started = time.monotonic()
        seen = set()
        while len(seen) < requests:
            message = server.read(timeout=30)
            if isinstance(message.get("id"), int):
                assert "result" in message, message
                seen.add(message["id"])
        writer.join(10)
        assert written[0] == requests
        assert time.monotonic() - started < 60
        assert server.ping()["result"] == {}
        assert server.close() == 0


def test_a_client_that_never_reads_stderr(conduit_binary: Path, account: Path) -> None:
    calls = 300
    long_id = "x" * 8000  # each debug line names the request path: ~8 KB of log per call
    with RawServer(conduit_binary, account, "--log-level", "debug", stderr=subprocess.PIPE) as server:
        # One call first: libcurl and its TLS libraries load on the first request (about
        # 10 MB), which is not growth caused by the unread stderr.
        server.send({"jsonrpc": "2.0", "id": "warm", "method": "tools/call",
                     "params": {"name": "get_single_chorus_conversation_by_id", "arguments": {"id": "warm"}}})
        server.answer("warm", timeout=30)
        baseline = server.rss()
        started = time.monotonic()
        for index in range(calls):
            server.send({"jsonrpc": "2.0", "id": index, "method": "tools/call",
                         "params": {"name": "get_single_chorus_conversation_by_id", "arguments": {"id": long_id}}})
        answered = 0
        while answered < calls:
            message = server.read(timeout=30)
            if isinstance(message.get("id"), int):
                assert message["result"].get("isError") is True and "404" in json.dumps(message), message
                answered += 1
        elapsed = time.monotonic() - started
        assert elapsed < 60, f"{calls} calls took {elapsed:.1f} s with stderr unread"
        assert server.ping()["result"] == {}
        assert server.rss() - baseline < 30, f"RSS grew {server.rss() - baseline:.1f} MB with stderr unread"
        assert server.close() == 0


# -- hostile input ----------------------------------------------------------------------------


def _unaddressed_error(message: dict[str, Any], code: int) -> bool:
    return "error" in message and message.get("id") is None and message["error"]["code"] == code


@pytest.mark.parametrize("line, code", [
    (b"[" * 100_000, -32700),
    (b'{"a":' * 100_000, -32700),
    (b'{"jsonrpc":"2.0","id":"deep","method":"ping","params":{"x":' + b"[" * 100_000 + b"]" * 100_000 + b"}}", -32700),
], ids=["array-100k", "object-100k", "inside-a-request-100k"])
def test_deep_nesting_is_a_parse_error(conduit_binary: Path, account: Path, line: bytes, code: int) -> None:
    with RawServer(conduit_binary, account) as server:
        before = server.rss()
        server.write(line + b"\n")
        message = server.read()
        assert _unaddressed_error(message, code), message
        assert "nesting" in message["error"]["message"] or "deep" in message["error"]["message"], message
        assert server.ping()["result"] == {}
        assert server.peak() - before < 20
        assert server.close() == 0


def test_a_50_mb_line_is_refused_as_too_large(conduit_binary: Path, account: Path) -> None:
    with RawServer(conduit_binary, account) as server:
        before = server.rss()
        big = b'{"jsonrpc":"2.0","id":"big","method":"tools/call","params":{"name":"list_all_chorus_me","arguments":{"s":"' \
            + b"x" * (50 * MB) + b'"}}}\n'
        server.write(big)
        message = server.read(timeout=60)
        assert _unaddressed_error(message, -32600), message
        assert "exceeds" in message["error"]["message"] and "MiB" in message["error"]["message"], message
        assert server.peak() - before < 40, f"peak RSS grew {server.peak() - before:.0f} MB for a refused line"
        assert server.ping()["result"] == {}
        # The next request on the same stream is read normally.
        server.send({"jsonrpc": "2.0", "id": "list", "method": "tools/list"})
        assert "result" in server.answer("list")
        assert server.close() == 0


@pytest.mark.parametrize("value", [b"1" * 1_000_000, b"-1e999999", b"0." + b"0" * 1_000_000 + b"1",
                                   b'"' + b"\\u00e9" * 1_000_000 + b'"'],
                         ids=["million-digit-integer", "huge-exponent", "million-digit-fraction", "six-mb-escaped-string"])
def test_huge_numbers_and_strings_are_answered(conduit_binary: Path, account: Path, value: bytes) -> None:
    with RawServer(conduit_binary, account) as server:
        before = server.rss()
        server.write(b'{"jsonrpc":"2.0","id":"n","method":"ping","params":{"v":' + value + b"}}\n")
        assert server.answer("n", timeout=60)["result"] == {}
        assert server.peak() - before < 80
        assert server.ping()["result"] == {}
        assert server.close() == 0


def test_a_line_of_tiny_values_stays_within_memory_bounds(conduit_binary: Path, account: Path) -> None:
    # 6 million values in 12 MB, under the line cap: refused by the value budget as a parse
    # error (the id cannot be trusted from a message that was not read whole), in bounded memory.
    with RawServer(conduit_binary, account) as server:
        before = server.rss()
        server.write(b'{"jsonrpc":"2.0","id":"flat","method":"ping","params":{"a":[' + b"0," * (6 * MB) + b"0]}}\n")
        message = server.read(timeout=120)
        assert _unaddressed_error(message, -32700), message
        assert "values in one message" in message["error"]["message"], message
        grew = server.peak() - before
        assert server.ping()["result"] == {}
        assert server.close() == 0
        assert grew < 100, f"peak RSS grew {grew:.0f} MB for a 12 MB line"
