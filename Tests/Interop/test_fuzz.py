"""Fuzzing the stdio protocol layer of the built binary.

More than 20,000 generated and mutated lines go through `conduit serve` in five
processes, one per protocol state: sessions opened at 2024-11-05, 2025-03-26
(the revision with batches), 2025-11-25 and 2026-07-28, and one never opened.
The lines are structured messages for every method (initialize, ping,
tools/list, tools/call, logging/setLevel, server/discover,
subscriptions/listen, notifications/*, resources/*, prompts/*, unknown ones)
with wrong types put in every field, ids of every JSON type (and duplicated),
batches, and byte-level garbage: random bytes, invalid UTF-8, truncated JSON,
nesting 100,000 deep, huge numbers and strings, NUL bytes, empty lines, CRLF.

For each line the test works out on its own what JSON-RPC requires (using the
same framing rules as conduit: split on LF, one trailing CR dropped, blank
lines skipped; nesting deeper than 256 is a parse error) and checks that:

- the process stays up (a sentinel request after every chunk is answered, and
  it exits 0 when stdin closes);
- every request with a usable id gets exactly one response with that id, and
  every line whose id cannot be read (parse errors, invalid requests) gets
  exactly one error without an id: nothing more, nothing less;
- every stdout line is JSON and validates against the official schema of the
  session's revision (`mcp_schemas.validate_message`).

The generator is seeded: `CONDUIT_FUZZ_SEED` (default 20250728) and
`CONDUIT_FUZZ_LINES` (default 21,000) override it. A failing chunk is written
to `fixtures/fuzz/` (reduced to single lines when one line alone reproduces
the failure) and the files there are replayed on every run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import re
import threading
import warnings
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

from conduit_process import ConduitProcess
from conftest import CHORUS_TOKEN, base_env, write_account
from mcp_schemas import HANDSHAKE_REVISIONS, validate_message

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fuzz"
DEFAULT_SEED = 20250728
SEED = int(os.environ.get("CONDUIT_FUZZ_SEED", DEFAULT_SEED))
TOTAL_LINES = int(os.environ.get("CONDUIT_FUZZ_LINES", 21_000))
CHUNK = 700
MAX_DEPTH = 256  # conduit's JSONValue.maximumDepth

UNDECIDED = "undecided"
STATES = ("2024-11-05", "2025-03-26", "2025-11-25", "2026-07-28", UNDECIDED)
PV = "io.modelcontextprotocol/protocolVersion"
CAPS = "io.modelcontextprotocol/clientCapabilities"
CLIENT_INFO = {"name": "conduit-fuzz", "version": "1"}
INT64 = (-(2**63), 2**63 - 1)

TOOLS = [
    "list_all_chorus_conversations", "get_single_chorus_conversation_by_id", "list_all_chorus_me",
    "get_single_chorus_media_by_id", "create_a_chorus_moment", "list_all_chorus_users", "chorus_conversations_join",
]
METHODS = [
    "initialize", "ping", "tools/list", "tools/call", "logging/setLevel", "server/discover", "subscriptions/listen",
    "resources/list", "resources/read", "resources/templates/list", "resources/subscribe", "prompts/list",
    "prompts/get", "completion/complete", "sampling/createMessage", "roots/list", "tasks/get",
]
NOTIFICATIONS = [
    "notifications/initialized", "notifications/cancelled", "notifications/progress",
    "notifications/roots/list_changed", "notifications/message", "notifications/unknown",
]


# -- a loopback upstream that answers every request at once ------------------------------


class _Upstream(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = b'{"data": [{"id": "x1", "type": "thing"}], "engagements": [], "continuation_key": null}'
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    server = _Upstream(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# -- what JSON-RPC requires for one line ----------------------------------------------------


class _Reject(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _Reject(name)


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


def _depth(text: str) -> int:
    """Deepest array/object nesting outside strings (the text is known to be JSON)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0  # cannot be deeper than the limit
    deepest = level = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        if match.group() in "[{":
            level += 1
            deepest = max(deepest, level)
        else:
            level -= 1
    return deepest


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    return False


_INVALID = object()


def _parse_int(text: str) -> int | float:
    return int(text) if len(text) < 4000 else float(text)


def parse_strict(line: bytes) -> Any:
    """The JSON value of a line as RFC 8259 (and conduit) reads it, or _INVALID."""
    try:
        text = line.decode("utf-8")
        if text.startswith("\ufeff"):
            return _INVALID
        # Integers too long for Python's int parsing limit are numbers all the same (conduit
        # reads them as doubles, which is what they become here).
        value = json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int)
    except (ValueError, RecursionError):
        return _INVALID
    if _depth(text) > MAX_DEPTH or _has_surrogate(value):
        return _INVALID
    return value


def id_key(value: Any) -> tuple[str, Any] | None:
    """A usable JSON-RPC id (string, or integer within 64 bits) as a hashable key; else None."""
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, int) and not isinstance(value, bool) and INT64[0] <= value <= INT64[1]:
        return ("i", value)
    return None


@dataclass
class Expectations:
    """What a stream of lines must produce."""

    addressed: Counter = field(default_factory=Counter)  # id key -> responses required
    methods: dict[tuple[str, Any], set[str]] = field(default_factory=dict)  # id key -> methods used with it
    unaddressed: int = 0  # errors without an id required
    cancelled: set[tuple[str, Any]] = field(default_factory=set)  # ids a notifications/cancelled named
    line_of: dict[tuple[str, Any], int] = field(default_factory=dict)  # id key -> first line index

    def add_message(self, message: Any, index: int) -> None:
        if not isinstance(message, dict):
            self.unaddressed += 1
            return
        key = id_key(message["id"]) if "id" in message else None

        def addressed_or_not(method: str) -> None:
            if key is not None:
                self.addressed[key] += 1
                self.methods.setdefault(key, set()).add(method)
                self.line_of.setdefault(key, index)
            else:
                self.unaddressed += 1

        if message.get("jsonrpc") != "2.0":
            return addressed_or_not("(invalid request)")
        if "method" not in message:
            if "result" in message or "error" in message:
                return  # a response to nothing: ignored
            return addressed_or_not("(invalid request)")
        method = message["method"]
        if not isinstance(method, str):
            return addressed_or_not("(invalid request)")
        if "id" in message and key is None:
            self.unaddressed += 1
            return
        params = message.get("params")
        if params is not None and not isinstance(params, dict):
            if key is not None:
                addressed_or_not("(invalid params)")
            return
        if key is not None:
            addressed_or_not(method)
        elif method == "notifications/cancelled" and isinstance(params, dict):
            target = id_key(params.get("requestId"))
            if target is not None:
                self.cancelled.add(target)

    def add_line(self, line: bytes, index: int, state: str) -> None:
        if line.endswith(b"\r"):
            line = line[:-1]
        if not line.strip(b" \t\r"):
            return  # blank lines carry no message
        value = parse_strict(line)
        if value is _INVALID:
            self.unaddressed += 1
        elif isinstance(value, list):
            if state != "2025-03-26" or not value:
                self.unaddressed += 1
            else:
                for element in value:
                    self.add_message(element, index)
        else:
            self.add_message(value, index)


def physical_lines(stream: bytes) -> list[bytes]:
    lines = stream.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


# -- checking what came back ---------------------------------------------------------------------


def schema_revision(state: str) -> str:
    return "2025-11-25" if state == UNDECIDED else state


_validation_cache: dict[tuple[str, tuple[str, ...], str], tuple[str, ...]] = {}


def _problems_for(revision: str, message: Any, methods: set[str]) -> list[str]:
    """Schema problems, accepting the message if it fits any method used with its id."""
    normalized = message
    if isinstance(message, dict) and "id" in message and message["id"] is not None:
        normalized = dict(message, id=0 if isinstance(message["id"], int) else "id")
    candidates: tuple[str | None, ...] = tuple(sorted(methods)) or (None,)
    cache_key = (revision, tuple(str(c) for c in candidates), json.dumps(normalized, sort_keys=True))
    if cache_key not in _validation_cache:
        best: list[str] | None = None
        for method in candidates:
            request_id = normalized.get("id") if isinstance(normalized, dict) else None
            found = validate_message(revision, normalized, {request_id: method} if method is not None else {})
            if best is None or len(found) < len(best):
                best = found
            if not found:
                break
        _validation_cache[cache_key] = tuple(best or ())
    return list(_validation_cache[cache_key])


def check_transcript(state: str, sent: list[bytes], out: list[bytes], returncode: int | None,
                     sentinel_failures: list[str]) -> list[str]:
    """Every problem with what conduit wrote for the lines it was sent."""
    expected = Expectations()
    for index, line in enumerate(sent):
        expected.add_line(line, index, state)
    revision = schema_revision(state)
    problems: list[str] = list(sentinel_failures)
    if returncode != 0:
        problems.append(f"conduit exited {returncode} (expected 0 once stdin closed)")
    got: Counter = Counter()
    unaddressed = 0
    for number, raw in enumerate(out, 1):
        shown = raw[:300].decode("utf-8", "replace")
        if not raw.endswith(b"\n"):
            problems.append(f"stdout line {number} is not newline-terminated: {shown}")
        try:
            message = json.loads(raw)
        except ValueError as error:
            problems.append(f"stdout line {number} is not JSON ({error}): {shown}")
            continue
        elements = message if isinstance(message, list) else [message]
        for element in elements:
            if not isinstance(element, dict) or "method" in element:
                continue
            key = id_key(element.get("id"))
            if key is None:
                if "error" in element:
                    unaddressed += 1
                else:
                    problems.append(f"stdout line {number}: a result without a usable id: {shown}")
            else:
                got[key] += 1
        if isinstance(message, list):
            methods: set[str] = set()
            for element in elements:
                if isinstance(element, dict):
                    methods |= expected.methods.get(id_key(element.get("id")) or ("", None), set())
            # Validate the batch envelope, then each element against its own methods. Like
            # validate_message does for single errors, a null id is accepted on parse and
            # invalid-request errors (JSON-RPC requires it; these schemas have no shape for it).
            envelope = [dict(e, id=0) if isinstance(e, dict) and e.get("id", 0) is None
                        and (e.get("error") or {}).get("code") in (-32700, -32600) else e for e in message]
            for problem in validate_message(revision, envelope, lambda _id: "ping"):
                if problem.startswith("JSONRPCBatchResponse") or "batches" in problem or "empty batch" in problem:
                    problems.append(f"stdout line {number}: {problem}")
            for element in elements:
                key = id_key(element.get("id")) if isinstance(element, dict) else None
                for problem in _problems_for(revision, element, expected.methods.get(key, set()) if key else set()):
                    problems.append(f"stdout line {number} (batch element): {problem}\n    {shown}")
        else:
            key = id_key(message.get("id")) if isinstance(message, dict) else None
            for problem in _problems_for(revision, message, expected.methods.get(key, set()) if key else set()):
                problems.append(f"stdout line {number}: {problem}\n    {shown}")
    for key, count in expected.addressed.items():
        have = got.get(key, 0)
        if have != count and not (key in expected.cancelled and have <= count):
            line = expected.line_of.get(key, -1)
            problems.append(
                f"id {key[1]!r} ({', '.join(sorted(expected.methods.get(key, [])))}): {count} request(s), {have} response(s); "
                f"first sent on line {line}: {sent[line][:200]!r}")
    for key, count in got.items():
        if key not in expected.addressed:
            problems.append(f"{count} response(s) for id {key[1]!r}, which no request used")
    if unaddressed != expected.unaddressed:
        problems.append(f"{expected.unaddressed} error(s) without an id were due (unparseable or id-less invalid lines), "
                        f"{unaddressed} came")
    return problems


# -- the generator -------------------------------------------------------------------------------------


class Generator:
    def __init__(self, seed: int, state: str) -> None:
        self.random = random.Random(f"{seed}:{state}")
        self.state = state
        self.counter = 0
        self.used_ids: list[Any] = []

    # values of every JSON type, the awkward ones included
    def scalar(self) -> Any:
        r = self.random
        return r.choice([
            None, True, False, 0, -1, 1, 2**53 + 1, INT64[1], INT64[0], 2**63, -(2**63) - 1, 10**30, 1.5, -0.0, 1e308,
            "", "x", "ü😀", "\u0000", "a\nb", "\\", '"', "x" * r.choice([10, 300, 5000]), "2025-11-25", "2026-07-28",
            "debug", "not-a-level", r.choice(TOOLS), r.choice(METHODS),
        ])

    def value(self, depth: int = 0) -> Any:
        r = self.random
        kind = r.random()
        if depth > 3 or kind < 0.6:
            return self.scalar()
        if kind < 0.8:
            return [self.value(depth + 1) for _ in range(r.randint(0, 4))]
        return {r.choice(["a", "id", "name", "arguments", "_meta", "level", "x" * 50, ""]): self.value(depth + 1)
                for _ in range(r.randint(0, 4))}

    def fresh_id(self) -> Any:
        self.counter += 1
        r = self.random
        choice = r.random()
        if choice < 0.05 and self.used_ids:
            return r.choice(self.used_ids)  # a duplicate
        if choice < 0.15:
            return r.choice([None, 1.5, 1e3, True, False, [], {}, [1], {"id": 1}, 2**63, -(2**63) - 1, 10**40, "1"])
        if choice < 0.2:
            return r.choice([0, -1, INT64[1], INT64[0], "", "ü😀-" + str(self.counter), "x" * 2000 + str(self.counter)])
        made: Any = f"{self.state}-{self.counter}" if choice < 0.6 else 1_000_000 + self.counter
        self.used_ids.append(made)
        return made

    def meta(self) -> dict[str, Any]:
        if self.state == UNDECIDED:
            return {"progressToken": self.random.choice(["p", 1])} if self.random.random() < 0.2 else {}
        meta: dict[str, Any] = {}
        if self.state == "2026-07-28" or self.random.random() < 0.1:
            meta = {PV: "2026-07-28", CAPS: {}, "io.modelcontextprotocol/clientInfo": CLIENT_INFO}
        if self.random.random() < 0.3:
            meta["progressToken"] = self.random.choice(["progress-1", 7, self.counter, self.scalar(), self.value()])
        if self.random.random() < 0.1:
            meta["io.modelcontextprotocol/logLevel"] = self.random.choice(["debug", "info", "error"])
        return meta

    def params_for(self, method: str) -> dict[str, Any]:
        r = self.random
        if method == "initialize":
            return {"protocolVersion": r.choice(["2025-11-25", "2024-11-05", "2099-01-01", ""]), "capabilities": {},
                    "clientInfo": CLIENT_INFO}
        if method == "tools/call":
            arguments: dict[str, Any] = r.choice([
                {}, {"id": "EE018ED5BBBC254177B8201B9D848559"}, {"limit": r.choice([1, 0, -5, 10**12, "3"])},
                {"next_cursor": r.choice(["", "garbage", "x" * 400])}, {"no_such_argument": 1},
                {"id": self.scalar(), "info": self.scalar()}, {"body": self.value()},
            ])
            return {"name": r.choice(TOOLS + ["no_such_tool", "", "x" * 100]), "arguments": arguments}
        if method == "logging/setLevel":
            return {"level": r.choice(["debug", "info", "warning", "emergency", "verbose", ""])}
        if method == "tools/list":
            return r.choice([{}, {}, {"cursor": None}, {"cursor": "abc"}])
        if method == "subscriptions/listen":
            return {"notifications": r.choice([{}, {"toolsListChanged": True}, {"promptsListChanged": True}])}
        if method == "resources/read":
            return {"uri": "file:///etc/passwd"}
        return {}

    def message(self) -> Any:
        r = self.random
        if r.random() < 0.25:
            method = r.choice(NOTIFICATIONS)
            params: dict[str, Any] = {}
            if method == "notifications/cancelled":
                # Only ids no request uses: a cancelled request rightly gets no response.
                params = {"requestId": r.choice([f"never-used-{self.counter}", 9_000_000_000 + self.counter]),
                          "reason": "fuzz"}
            elif method == "notifications/progress":
                params = {"progressToken": "x", "progress": 1}
            message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        else:
            pool = [m for m in METHODS if not (self.state == UNDECIDED and m == "initialize")]
            method = r.choice(pool + ["tools/call"] * 4 + [f"unknown/{r.randint(0, 99)}", "", "rpc.discover"])
            params = self.params_for(method)
            meta = self.meta()
            if meta:
                params["_meta"] = meta
            message = {"jsonrpc": "2.0", "id": self.fresh_id(), "method": method, "params": params}
        return self.wrong_types(message) if r.random() < 0.35 else message

    def wrong_types(self, message: dict[str, Any]) -> dict[str, Any]:
        """A wrong type (or a missing or unknown member) somewhere in the message."""
        r = self.random
        message = json.loads(json.dumps(message))
        targets: list[tuple[dict[str, Any], str]] = [(message, k) for k in ("jsonrpc", "id", "method", "params")]
        if isinstance(message.get("params"), dict):
            targets += [(message["params"], k) for k in message["params"]]
            for key in ("arguments", "_meta", "clientInfo", "capabilities"):
                if isinstance(message["params"].get(key), dict):
                    targets += [(message["params"][key], k) for k in message["params"][key]]
        container, key = r.choice(targets)
        action = r.random()
        if action < 0.15:
            container.pop(key, None)
        elif action < 0.25:
            container[f"unknown_{r.randint(0, 9)}"] = self.value()
        else:
            container[key] = self.value()
        return message

    # byte-level lines
    def garbage(self) -> bytes:
        r = self.random
        kind = r.randrange(14)
        if kind == 0:
            return bytes(r.choice([b for b in range(256) if b != 0x0A]) for _ in range(r.randint(0, 120)))
        if kind == 1:
            return r.choice([b"\xff\xfe", b"\xc0\x80", b"\x80", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xfe"]) \
                + self.serialize(self.message())[: r.randint(0, 40)]
        if kind == 2:  # invalid UTF-8 inside a string
            return b'{"jsonrpc": "2.0", "id": "bad-utf8-' + str(self.counter).encode() + b'", "method": "ping", "params": {"x": "' + \
                r.choice([b"\xff", b"\xc3\x28", b"\xed\xb2\x80", b"\xf0\x28\x8c\x28", b"\xe2\x28\xa1"]) + b'"}}'
        if kind == 3:  # truncated
            line = self.serialize(self.message())
            return line[: r.randint(0, max(0, len(line) - 1))]
        if kind == 4:  # deep nesting
            depth = r.choice([MAX_DEPTH, MAX_DEPTH + 1, 1000, 100_000 if r.random() < 0.02 else 5000])
            opener, closer = r.choice([(b"[", b"]"), (b'{"a":', b"}")])
            body = opener * depth + b"1" + closer * depth
            return body if r.random() < 0.5 else b'{"jsonrpc":"2.0","id":"deep-' + str(self.counter).encode() + \
                b'","method":"ping","params":{"x":' + body + b"}}"
        if kind == 5:  # huge numbers
            number = r.choice([b"1" * 5000, b"-" + b"9" * 400, b"1e999999", b"-1e-999999", b"0." + b"0" * 3000 + b"1",
                               b"123456789012345678901234567890", b"1E+2", b"-0", b"01", b"1.", b".5", b"+1"])
            return r.choice([number, b'{"jsonrpc":"2.0","id":' + number + b',"method":"ping"}',
                             b'{"jsonrpc":"2.0","id":"num-' + str(self.counter).encode() + b'","method":"ping","params":{"n":' + number + b"}}"])
        if kind == 6:  # huge strings
            size = r.choice([70_000, 1 << 20]) if r.random() < 0.05 else 20_000
            return json.dumps({"jsonrpc": "2.0", "id": f"huge-{self.counter}", "method": r.choice(["tools/call", "ping", "x" * size]),
                               "params": {"name": "list_all_chorus_me", "arguments": {"s": "é" * size}}}).encode()
        if kind == 7:  # batches
            batch = [self.message() for _ in range(r.randint(0, 5))]
            if r.random() < 0.2:
                batch.append([self.message()])
            return json.dumps(batch).encode()
        if kind == 8:
            return r.choice([b"", b" ", b"\t", b"\r", b" \r", b"\x0c", b"\x00", b"\x0b", b"\xef\xbb\xbf{}", b"null", b"42", b'"s"',
                             b"true", b"[]", b"{}", b"[[]]", b"{}{}", b"{} x", b"[1,]", b'{"a":1,}', b"NaN", b"Infinity"])
        if kind == 9:  # CRLF and stray CRs
            return self.serialize(self.message()) + r.choice([b"\r", b"\r\r", b" \r", b"\r "])
        if kind == 10:  # lone surrogates and escapes
            return b'{"jsonrpc":"2.0","id":"esc-' + str(self.counter).encode() + b'","method":"ping","params":{"s":"' + \
                r.choice([b"\\ud800", b"\\udc00", b"\\ud800\\u0041", b"\\u00", b"\\x41", b"\\uD83D\\uDE00", b"\\/\\b\\f"]) + b'"}}'
        if kind == 11:  # duplicate keys
            return b'{"jsonrpc":"2.0","id":"dup-' + str(self.counter).encode() + b'","id":' + \
                r.choice([b"1", b"null", b'"other"', b"1.5"]) + b',"method":"ping","method":"tools/list"}'
        return self.mutate(self.serialize(self.message()))

    def mutate(self, line: bytes) -> bytes:
        r = self.random
        data = bytearray(line)
        for _ in range(r.randint(1, 4)):
            if not data:
                break
            at = r.randrange(len(data))
            op = r.randrange(5)
            if op == 0:
                data[at] = r.choice([b for b in range(256) if b != 0x0A])
            elif op == 1:
                del data[at: at + r.randint(1, 8)]
            elif op == 2:
                data[at:at] = r.choice([b'"', b"{", b"}", b"[", b"]", b",", b":", b"\\", b"\x00", b"\xff", b"null", b"-"])
            elif op == 3:
                end = min(len(data), at + r.randint(1, 30))
                data[at:at] = data[at:end]
            else:
                del data[at:]
        return bytes(data)

    def serialize(self, message: Any) -> bytes:
        return json.dumps(message, ensure_ascii=self.random.random() < 0.5).encode()

    def line(self) -> bytes:
        self.counter += 1
        kind = self.random.random()
        line = self.serialize(self.message()) if kind < 0.55 else self.garbage()
        assert b"\n" not in line
        if self.state == UNDECIDED:
            value = parse_strict(line.rstrip(b"\r"))
            if _opens_session(value):
                return b'{"jsonrpc":"2.0","method":"notifications/initialized"}'
        return line


def _opens_session(value: Any) -> bool:
    """Whether a line could fix the era of a session that has none yet."""
    messages = value if isinstance(value, list) else [value]
    for m in messages:
        if isinstance(m, dict) and (m.get("method") == "initialize" or PV in json.dumps(m)):
            return True
    return False


# -- running -------------------------------------------------------------------------------------------


def opening(state: str) -> list[bytes]:
    if state == UNDECIDED:
        return []
    if state == "2026-07-28":
        meta = {PV: state, CAPS: {}, "io.modelcontextprotocol/clientInfo": CLIENT_INFO}
        return [json.dumps({"jsonrpc": "2.0", "id": "open", "method": "server/discover", "params": {"_meta": meta}}).encode()]
    init = {"jsonrpc": "2.0", "id": "open", "method": "initialize",
            "params": {"protocolVersion": state, "capabilities": {}, "clientInfo": CLIENT_INFO}}
    return [json.dumps(init).encode(), b'{"jsonrpc":"2.0","method":"notifications/initialized"}']


def sentinel(state: str, number: int) -> bytes:
    request: dict[str, Any] = {"jsonrpc": "2.0", "id": f"sentinel-{number}", "method": "ping"}
    if state == "2026-07-28":
        request.update(method="server/discover",
                       params={"_meta": {PV: state, CAPS: {}, "io.modelcontextprotocol/clientInfo": CLIENT_INFO}})
    return json.dumps(request).encode()


@dataclass
class Session:
    state: str
    sent: list[bytes]
    out: list[bytes]
    returncode: int | None
    sentinel_failures: list[str]
    stderr: str
    chunk_of_line: list[int]

    def problems(self) -> list[str]:
        return check_transcript(self.state, self.sent, self.out, self.returncode, self.sentinel_failures)


def run_session(binary: Path, account: Path, state: str, chunks: list[list[bytes]], sentinel_timeout: float = 60) -> Session:
    sent: list[bytes] = []
    chunk_of_line: list[int] = []
    failures: list[str] = []
    with ConduitProcess([str(binary), "serve", "--account", str(account)], base_env(CHORUS_TOKEN=CHORUS_TOKEN)) as proc:
        first = opening(state)
        for line in first:
            proc.send_raw(line + b"\n")
        sent += first
        chunk_of_line += [-1] * len(first)
        if first and proc.response("open", timeout=30) is None:
            failures.append(f"no answer to the opening request\n{proc.stderr[-1500:]}")
        for number, chunk in enumerate(chunks):
            check = sentinel(state, number)
            try:
                proc.send_raw(b"\n".join(chunk + [check]) + b"\n")
            except (BrokenPipeError, OSError) as error:
                failures.append(f"chunk {number}: conduit stopped reading stdin ({error})")
                break
            sent += chunk + [check]
            chunk_of_line += [number] * (len(chunk) + 1)
            if proc.response(f"sentinel-{number}", timeout=sentinel_timeout) is None:
                failures.append(f"chunk {number}: no answer to the sentinel within {sentinel_timeout} s "
                                f"(alive: {proc.proc.poll() is None})\n{proc.stderr[-1500:]}")
                break
        returncode = proc.close(timeout=30)
        return Session(state, sent, list(proc.lines), returncode, failures, proc.stderr, chunk_of_line)


@pytest.fixture(scope="module")
def fuzz_account(tmp_path_factory: pytest.TempPathFactory, chorus_integration: str, upstream: str) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    account = write_account(folder / "account.json", chorus_integration, upstream)
    data = json.loads(account.read_text())
    data["timeouts"] = {"idle_seconds": 5, "total_seconds": 10}
    data["files"] = {"directory": str(folder / "files")}
    account.write_text(json.dumps(data))
    return account


def _save_fixture(state: str, lines: list[bytes], reason: str) -> Path:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(b"\n".join(lines)).hexdigest()[:12]
    path = FIXTURES / f"{state}-{digest}.json"
    path.write_text(json.dumps({
        "revision": state, "seed": SEED, "reason": reason[:2000],
        "lines": [base64.b64encode(line).decode() for line in lines],
    }, indent=1) + "\n")
    return path


def _reduce(binary: Path, account: Path, state: str, lines: list[bytes]) -> list[bytes]:
    """Single lines that fail on their own (at most 25 tried), else the lines given."""
    culprits = []
    for line in lines[:25]:
        if split_known(run_session(binary, account, state, [[line]], sentinel_timeout=15).problems())[0]:
            culprits.append(line)
    return culprits or lines


# Problems the fuzzer finds that are known bugs outside this suite's reach, each pinned by
# a strict xfail test below: signature in the problem text -> what is wrong and where.
# When one is fixed its xfail test passes (and so fails, being strict): then remove it here.
KNOWN_BUGS: dict[str, str] = {}


def split_known(problems: list[str]) -> tuple[list[str], list[str]]:
    known = [p for p in problems if any(signature in p for signature in KNOWN_BUGS)]
    return [p for p in problems if p not in known], known


@pytest.mark.parametrize("state", STATES)
def test_fuzzed_lines_keep_the_protocol(conduit_binary: Path, fuzz_account: Path, state: str) -> None:
    generator = Generator(SEED, state)
    per_state = TOTAL_LINES // len(STATES)
    lines = [generator.line() for _ in range(per_state)]
    chunks = [lines[i:i + CHUNK] for i in range(0, len(lines), CHUNK)]
    session = run_session(conduit_binary, fuzz_account, state, chunks)
    problems, known = split_known(session.problems())
    if known:
        warnings.warn(f"[{state}] {len(known)} line(s) hit known bugs: "
                      + "; ".join(sorted({v for k, v in KNOWN_BUGS.items() if any(k in p for p in known)})))
    if not problems:
        return
    # Keep what failed as a regression fixture: the chunks the problems point at.
    suspect: set[int] = set()
    for problem in problems:
        for number, chunk in enumerate(chunks):
            if any(repr(line[:200]) in problem for line in chunk):
                suspect.add(number)
    if not suspect:
        suspect = {len(chunks) - 1 if session.sentinel_failures else 0}
    saved = []
    for number in sorted(suspect)[:3]:
        reduced = _reduce(conduit_binary, fuzz_account, state, chunks[number])
        saved.append(_save_fixture(state, reduced, "\n".join(problems[:20])))
    pytest.fail(
        f"[{state}, seed {SEED}] {len(problems)} problem(s) over {len(session.sent)} lines; saved "
        f"{', '.join(p.name for p in saved)} in {FIXTURES}:\n" + "\n".join(problems[:40])
        + f"\nconduit stderr (end):\n{session.stderr[-1500:]}",
        pytrace=False,
    )


def _fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("*.json")) if FIXTURES.is_dir() else []


@pytest.mark.parametrize("fixture", _fixture_files(), ids=lambda p: p.name)
def test_saved_fuzz_fixtures_replay_cleanly(conduit_binary: Path, fuzz_account: Path, fixture: Path) -> None:
    saved = json.loads(fixture.read_text())
    lines = [base64.b64decode(line) for line in saved["lines"]]
    session = run_session(conduit_binary, fuzz_account, saved["revision"], [lines], sentinel_timeout=30)
    problems, _ = split_known(session.problems())
    assert not problems, f"{fixture.name} ({saved['reason'][:300]}):\n" + "\n".join(problems[:30])


def test_the_checker_notices_what_is_wrong() -> None:
    """The transcript check is not vacuous: each kind of wrong output is reported."""
    sent = [b'{"jsonrpc":"2.0","id":1,"method":"ping"}', b'{"jsonrpc":"2.0","id":"a","method":"tools/list"}', b"{oops", b"",
            b'{"jsonrpc":"2.0","method":"notifications/initialized"}']
    good = [b'{"jsonrpc":"2.0","id":1,"result":{}}\n', b'{"jsonrpc":"2.0","id":"a","result":{"tools":[]}}\n',
            b'{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"}}\n']
    assert check_transcript("2025-11-25", sent, good, 0, []) == []
    cases = {
        "missing answer": good[1:],
        "extra answer": good + [good[0]],
        "missing id-less error": good[:2],
        "not JSON": good + [b"hello\n"],
        "schema": [good[0], b'{"jsonrpc":"2.0","id":"a","result":{"tools":"none"}}\n', good[2]],
        "stray id": good + [b'{"jsonrpc":"2.0","id":77,"result":{}}\n'],
    }
    for name, out in cases.items():
        assert check_transcript("2025-11-25", sent, out, 0, []), f"{name} went unnoticed"
    assert check_transcript("2025-11-25", sent, good, 1, []), "a non-zero exit went unnoticed"


def test_the_generator_covers_what_it_claims() -> None:
    """The stream is large and varied: every method, every id type, batches and garbage."""
    seen_methods: set[str] = set()
    id_types: set[str] = set()
    kinds = Counter()
    total = 0
    for state in STATES:
        generator = Generator(SEED, state)
        for _ in range(TOTAL_LINES // len(STATES)):
            line = generator.line()
            total += 1
            value = parse_strict(line.rstrip(b"\r"))
            if value is _INVALID:
                kinds["unparseable"] += 1
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    kinds["invalid utf-8"] += 1
                continue
            if isinstance(value, list):
                kinds["batch"] += 1
            for message in value if isinstance(value, list) else [value]:
                if isinstance(message, dict):
                    if isinstance(message.get("method"), str):
                        seen_methods.add(message["method"])
                    if "id" in message:
                        id_types.add(type(message["id"]).__name__)
    assert total >= 20_000
    assert set(METHODS) <= seen_methods and set(NOTIFICATIONS) <= seen_methods
    assert {"str", "int", "float", "bool", "NoneType", "list", "dict"} <= id_types
    assert kinds["unparseable"] > 2000 and kinds["invalid utf-8"] > 200 and kinds["batch"] > 200
    assert set(HANDSHAKE_REVISIONS) >= {s for s in STATES if s not in (UNDECIDED, "2026-07-28")}


# -- known bugs the fuzzer found, pinned ---------------------------------------------------------------


@pytest.mark.parametrize("token", [{"a": 1}, 1.5, None, True, [1]], ids=["object", "float", "null", "bool", "array"])
def test_a_progress_token_of_another_type_is_not_echoed(conduit_binary: Path, fuzz_account: Path, token: Any) -> None:
    with ConduitProcess([str(conduit_binary), "serve", "--account", str(fuzz_account)], base_env(CHORUS_TOKEN=CHORUS_TOKEN)) as proc:
        proc.call("initialize", {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": CLIENT_INFO})
        answer = proc.call("tools/call", {"name": "list_all_chorus_me", "arguments": {}, "_meta": {"progressToken": token}})
        assert answer is not None
        proc.close()
        progress = [m for m in proc.received if isinstance(m, dict) and m.get("method") == "notifications/progress"]
        problems = [p for m in progress for p in validate_message("2025-11-25", m, {})]
        assert not problems, problems


def test_cancelling_one_request_of_a_batch_still_answers_the_others(
    conduit_binary: Path, tmp_path: Path, chorus_integration: str
) -> None:
    from fake_chorus import HOLD_ID, FakeChorus

    with FakeChorus(token=CHORUS_TOKEN) as fake:
        account = write_account(tmp_path / "account.json", chorus_integration, fake.url)
        with ConduitProcess([str(conduit_binary), "serve", "--account", str(account)], base_env(CHORUS_TOKEN=CHORUS_TOKEN)) as proc:
            proc.call("initialize", {"protocolVersion": "2025-03-26", "capabilities": {}, "clientInfo": CLIENT_INFO})
            proc.send([
                {"jsonrpc": "2.0", "id": "batch-ping", "method": "ping"},
                {"jsonrpc": "2.0", "id": "batch-held", "method": "tools/call",
                 "params": {"name": "get_single_chorus_conversation_by_id", "arguments": {"id": HOLD_ID}}},
            ])
            assert fake.wait_until_held(10)
            proc.notify("notifications/cancelled", {"requestId": "batch-held"})
            assert proc.call("ping") is not None
            fake.release_hold()
            batch = proc.wait_for(lambda m: isinstance(m, list), timeout=3)
            assert batch is not None, "the batch's ping was never answered"
            assert [m["id"] for m in batch] == ["batch-ping"]
