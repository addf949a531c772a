"""Drive `conduit serve` over raw stdio pipes, without any MCP library.

Every line the server writes is kept byte for byte (`lines`) so a test can
check that stdout carries nothing but protocol messages, and parsed messages
are kept in arrival order (`received`). Every wait has a deadline: nothing
here can hang a test run.
"""

from __future__ import annotations

import itertools
import json
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

DEFAULT_TIMEOUT = 10.0


class ConduitProcess:
    def __init__(self, argv: Sequence[str], env: dict[str, str]) -> None:
        self.argv = list(argv)
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self.lines: list[bytes] = []
        self.received: list[Any] = []
        self.methods: dict[Any, str] = {}  # request id -> method, for every request sent
        self._incoming: queue.Queue[Any] = queue.Queue()
        self._stderr = bytearray()
        self._ids = itertools.count(1)
        self._stdout_thread = threading.Thread(target=self._read_stdout, daemon=True)
        self._stderr_thread = threading.Thread(target=self._read_stderr, daemon=True)
        self._stdout_thread.start()
        self._stderr_thread.start()
        self.returncode: int | None = None

    # -- reading -------------------------------------------------------------

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for raw in iter(self.proc.stdout.readline, b""):
            self.lines.append(raw)
            try:
                message = json.loads(raw)
            except ValueError:
                continue  # kept in `lines`; the transcript check reports it
            self._incoming.put(message)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for chunk in iter(lambda: self.proc.stderr.read1(4096), b""):  # type: ignore[union-attr]
            self._stderr.extend(chunk)

    @property
    def stderr(self) -> str:
        return self._stderr.decode("utf-8", "replace")

    def _pump(self, deadline: float) -> bool:
        """Move one incoming message to `received`; False once the deadline passes."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        try:
            self.received.append(self._incoming.get(timeout=min(remaining, 0.05)))
        except queue.Empty:
            pass
        return True

    def _drain_incoming(self) -> None:
        while True:
            try:
                self.received.append(self._incoming.get_nowait())
            except queue.Empty:
                return

    def wait_for(self, predicate: Callable[[Any], bool], timeout: float = DEFAULT_TIMEOUT, start: int = 0) -> Any | None:
        """The first received message (at index >= start) matching `predicate`, or None at the deadline."""
        deadline = time.monotonic() + timeout
        checked = start
        while True:
            while checked < len(self.received):
                message = self.received[checked]
                checked += 1
                if predicate(message):
                    return message
            if not self._pump(deadline):
                return None

    def response(self, request_id: Any, timeout: float = DEFAULT_TIMEOUT) -> Any | None:
        """The response to `request_id` (also found inside a batch response), or None."""
        found = self.wait_for(lambda m: _has_response(m, request_id), timeout)
        if isinstance(found, list):
            return next(e for e in found if isinstance(e, dict) and e.get("id") == request_id and _is_response(e))
        return found

    def quiet_for(self, predicate: Callable[[Any], bool], seconds: float) -> bool:
        """True when no message matching `predicate` arrives within `seconds`."""
        return self.wait_for(predicate, timeout=seconds) is None

    # -- writing -------------------------------------------------------------

    def send_raw(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        if not data.endswith(b"\n"):
            data += b"\n"
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message: Any) -> None:
        if isinstance(message, dict) and "id" in message and "method" in message:
            self.methods[message["id"]] = message["method"]
        elif isinstance(message, list):
            for element in message:
                if isinstance(element, dict) and "id" in element and "method" in element:
                    self.methods[element["id"]] = element["method"]
        self.send_raw(json.dumps(message, ensure_ascii=False).encode("utf-8"))

    def next_id(self) -> int:
        return next(self._ids)

    def request(self, method: str, params: dict[str, Any] | None = None, request_id: Any = None) -> Any:
        """Send a request; returns its id."""
        if request_id is None:
            request_id = self.next_id()
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return request_id

    def call(self, method: str, params: dict[str, Any] | None = None, request_id: Any = None,
             timeout: float = DEFAULT_TIMEOUT) -> Any | None:
        """Send a request and wait for its response (None at the deadline)."""
        return self.response(self.request(method, params, request_id), timeout)

    def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    # -- shutdown ------------------------------------------------------------

    def close(self, timeout: float = DEFAULT_TIMEOUT) -> int:
        """Close stdin (the spec's shutdown signal), wait for exit, kill past the deadline."""
        if self.returncode is not None:
            return self.returncode
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
            self.returncode = -9
        self._stdout_thread.join(timeout=5)
        self._stderr_thread.join(timeout=5)
        self._drain_incoming()
        return self.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def __enter__(self) -> "ConduitProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.returncode is None:
            self.close()
        self.kill()


def _is_response(message: Any) -> bool:
    return isinstance(message, dict) and "method" not in message and ("result" in message or "error" in message)


def _has_response(message: Any, request_id: Any) -> bool:
    if isinstance(message, list):
        return any(_has_response(element, request_id) for element in message)
    return _is_response(message) and message.get("id") == request_id and type(message.get("id")) is type(request_id)
