"""Secrets canary: credentials must never come out of conduit, whatever the vendor does.

conduit runs with canary credentials for each auth scheme the bundled integrations
use: an API token header (Chorus), HTTP Basic and Bearer (Gong), OAuth2 client
credentials (Coviu: client id and secret, and the access token the token endpoint
hands out). The loopback vendor misbehaves: its error responses (401, 400, 500,
JSON and plain text, small and large) echo the request's headers and body back,
and its redirects carry the Authorization value in the Location and in the body.

The canary (raw, Base64 as in a Basic header, percent-encoded) must appear
nowhere conduit writes: stdout (every protocol line, including log notifications
at debug level), stderr (with `--log-level debug`), files in the files directory,
the output of `conduit call` and `conduit check`, and start-up errors. And no
credential may reach another origin through a redirect.

conduit scrubs every known secret (SecretRedactor) from upstream bodies before they
become results, from every stdout and stderr line, and from `conduit call`'s output,
in whatever spelling the echo uses; and it refuses a cross-origin redirect whose
address carries a secret.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conduit_process import ConduitProcess
from conftest import base_env

CLIENT_INFO = {"name": "conduit-secret-tests", "version": "1"}
CANARY = "cnry7Q4xZ"  # a prefix no other text contains; each credential adds its own suffix
# Real tokens are often Base64 or URL-safe Base64: "+", "/" and "=" included on purpose.
CREDENTIALS = {
    "chorus": {"api_token": f"{CANARY}-chorus+token/91a7=="},
    "gong-basic": {"access_key": f"{CANARY}-gong+key/2b8c", "access_key_secret": f"{CANARY}-gong+secret/3c9d="},
    "gong-bearer": {"access_token": f"{CANARY}-gong+bearer/4d0e"},
    "coviu": {"client_id": f"{CANARY}-coviu+id/5e1f", "client_secret": f"{CANARY}-coviu+secret/6f2a=="},
}
ACCESS_TOKEN = f"{CANARY}-coviu+access/7a3b="  # what the Coviu token endpoint hands out
INTEGRATION = {"chorus": "chorus", "gong-basic": "gong", "gong-bearer": "gong", "coviu": "coviu"}
# Tools that reach the vendor: a GET without arguments and a POST with a body.
CALLS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "chorus": [("list_all_chorus_me", {}), ("chorus_conversations_join", {"body": "https://zoom.example/j/123"})],
    "gong-basic": [("list_all_gong_users", {}), ("create_a_gong_calls_transcript", {"filter": {"callIds": ["1"]}})],
    "gong-bearer": [("list_all_gong_users", {}), ("create_a_gong_calls_transcript", {"filter": {"callIds": ["1"]}})],
    "coviu": [("list_all_coviu_sessions", {}),
              ("create_a_coviu_session", {"session_name": "x", "start_time": "2025-01-01T00:00:00Z", "end_time": "2025-01-01T01:00:00Z"})],
}
MODES = ["401-json", "401-json-escaped", "400-json", "400-form", "500-text", "500-large", "redirect-same-origin",
         "redirect-cross-origin", "redirect-cross-origin-plain"]


def escaped_json(value: Any) -> str:
    """JSON as System.Text.Json writes it by default: "+" (and "/", "=") as \\u escapes."""
    return json.dumps(value).replace("+", "\\u002B").replace("/", "\\u002F").replace("=", "\\u003D")


def secret_forms() -> list[str]:
    """Every form a credential could be written in: raw, inside Basic's Base64, percent-encoded."""
    forms: set[str] = {CANARY, ACCESS_TOKEN}
    for values in CREDENTIALS.values():
        for value in values.values():
            forms |= {value, urllib.parse.quote(value, safe="")}
    for user, password in (("access_key", "access_key_secret"), ("client_id", "client_secret")):
        for values in CREDENTIALS.values():
            if user in values:
                forms.add(base64.b64encode(f"{values[user]}:{values[password]}".encode()).decode())
    return sorted(forms)


_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def decoded_variants(text: str) -> list[str]:
    """The text, and the text with JSON escapes (\\uXXXX, \\/, doubled backslashes) and
    percent-encoding undone: a credential is leaked if any reader can recover it."""
    unescaped = text
    for _ in range(3):  # an escaped body inside a JSON string inside a JSON line
        unescaped = _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), unescaped.replace("\\\\", "\\"))
        unescaped = unescaped.replace("\\/", "/")
    return [text, unescaped, urllib.parse.unquote(unescaped), urllib.parse.unquote_plus(unescaped)]


def leaks(text: str | bytes) -> list[str]:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    variants = decoded_variants(text)
    return [form for form in secret_forms() if any(form in variant for variant in variants)]


# -- the misbehaving vendor ------------------------------------------------------------------------


@dataclass
class EchoVendor:
    """Answers every API request according to `mode`, echoing what it received."""

    mode: str = "401-json"
    received: list[dict[str, Any]] = field(default_factory=list)
    other: "EchoVendor | None" = None  # the origin cross-origin redirects point at

    def start(self) -> "EchoVendor":
        vendor = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return

            def _serve(self) -> None:
                vendor._handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length).decode("utf-8", "replace") if length else ""
        headers = {k: v for k, v in h.headers.items()}
        self.received.append({"path": h.path, "headers": headers, "body": body})
        authorization = h.headers.get("Authorization", "")
        if h.path.startswith("/v1/auth/token"):
            return self._send(h, 200, json.dumps({"access_token": ACCESS_TOKEN, "token_type": "bearer", "expires_in": 3600}))
        echo = {"headers": headers, "body": body, "path": h.path}
        if self.mode == "401-json" or h.path.startswith("/redirected"):
            # Where each vendor's error message is read from, so it lands in the message too.
            detail = f"invalid credentials: Authorization: {authorization}"
            return self._send(h, 401, json.dumps({"errors": [{"status": "401", "title": "Unauthorized", "detail": detail}],
                                                  "message": detail, "error_description": detail, "echo": echo}))
        if self.mode == "401-json-escaped":
            detail = f"invalid credentials: Authorization: {authorization}"
            return self._send(h, 401, escaped_json({"errors": [{"status": "401", "title": "Unauthorized", "detail": detail}],
                                                     "message": detail, "error_description": detail}))
        if self.mode == "400-form":
            # The header echoed the way form and query encoders write it ("+" as %2B, "/" as %2F).
            return self._send(h, 400, json.dumps({"message": "rejected " + urllib.parse.urlencode({"authorization": authorization})}))
        if self.mode == "400-json":
            return self._send(h, 400, json.dumps({"message": f"bad request body {body!r}", "error": "invalid_request", "echo": echo}))
        if self.mode == "500-text":
            return self._send(h, 500, f"Internal error while handling {h.command} {h.path}\n{headers}\n{body}", "text/plain")
        if self.mode == "500-large":
            return self._send(h, 500, json.dumps({"message": "trace", "trace": [echo] * 400}))
        if self.mode == "redirect-same-origin":
            target = f"/redirected?auth={urllib.parse.quote(authorization)}"
            return self._send(h, 302, json.dumps({"moved": target, "echo": echo}), location=target)
        if self.mode == "redirect-cross-origin":
            # The vendor puts the credential into the address itself: conduit must not follow.
            assert self.other is not None
            target = f"{self.other.url}/redirected?auth={urllib.parse.quote(authorization)}"
            return self._send(h, 307, json.dumps({"moved": target, "echo": echo}), location=target)
        if self.mode == "redirect-cross-origin-plain":
            # An ordinary redirect to another origin: followed, without the credential headers.
            assert self.other is not None
            target = f"{self.other.url}/redirected?next=1"
            return self._send(h, 307, json.dumps({"moved": target}), location=target)
        return self._send(h, 404, "{}")

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, text: str, content_type: str = "application/json",
              location: str | None = None) -> None:
        data = text.encode()
        try:
            h.send_response(status)
            h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(len(data)))
            if location:
                h.send_header("Location", location)
            h.end_headers()
            h.wfile.write(data)
        except OSError:
            pass


@pytest.fixture(scope="module")
def vendors() -> Iterator[tuple[EchoVendor, EchoVendor]]:
    other = EchoVendor(mode="401-json").start()
    main = EchoVendor(other=other).start()
    yield main, other
    main.stop()
    other.stop()


def account_for(folder: Path, scheme: str, base_url: str, **extra: Any) -> tuple[Path, dict[str, str]]:
    """An account whose credentials come from the environment, as the README recommends."""
    variables = {f"CANARY_{scheme.replace('-', '_').upper()}_{name.upper()}": value
                 for name, value in CREDENTIALS[scheme].items()}
    credentials = {name: f"${{CANARY_{scheme.replace('-', '_').upper()}_{name.upper()}}}" for name in CREDENTIALS[scheme]}
    account = {"integration": INTEGRATION[scheme], "base_url": base_url, "credentials": credentials,
               "timeouts": {"idle_seconds": 5, "total_seconds": 10}, "files": {"directory": str(folder / "files")}, **extra}
    path = folder / f"{scheme}.json"
    path.write_text(json.dumps(account))
    return path, variables


@dataclass
class Exposure:
    """Everything conduit wrote in one scheme's session, by channel."""

    results: dict[str, str] = field(default_factory=dict)  # "mode tool" -> the tool result line
    other_stdout: list[str] = field(default_factory=list)  # every other stdout line (logs, progress, handshake)
    stderr: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    cross_origin: list[dict[str, Any]] = field(default_factory=list)  # what the other origin received


@pytest.fixture(scope="module")
def sessions(conduit_binary: Path, vendors: tuple[EchoVendor, EchoVendor],
             tmp_path_factory: pytest.TempPathFactory) -> dict[str, Exposure]:
    main, other = vendors
    found: dict[str, Exposure] = {}
    for scheme in CREDENTIALS:
        folder = tmp_path_factory.mktemp(f"canary-{scheme}")
        account, variables = account_for(folder, scheme, main.url)
        exposure = Exposure()
        other.received.clear()
        argv = [str(conduit_binary), "serve", "--account", str(account), "--log-level", "debug"]
        with ConduitProcess(argv, base_env(**variables)) as proc:
            opened = proc.call("initialize", {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": CLIENT_INFO})
            assert opened and "result" in opened, f"{scheme}: {opened}\n{proc.stderr[-1500:]}"
            proc.notify("notifications/initialized")
            assert proc.call("logging/setLevel", {"level": "debug"}) is not None
            result_ids: dict[Any, str] = {}
            for mode in MODES:
                main.mode = mode
                for tool, arguments in CALLS[scheme]:
                    request_id = proc.request("tools/call", {"name": tool, "arguments": arguments, "_meta": {"progressToken": 1}})
                    answer = proc.response(request_id, timeout=20)
                    assert answer is not None, f"{scheme} {mode} {tool}: no answer\n{proc.stderr[-1500:]}"
                    assert answer.get("result", {}).get("isError") is True, f"{scheme} {mode} {tool}: {answer}"
                    assert "invalid_arguments" not in json.dumps(answer), f"{scheme} {tool} never reached the vendor: {answer}"
                    result_ids[request_id] = f"{mode} {tool}"
            proc.close()
            for raw in proc.lines:
                message = json.loads(raw)
                label = result_ids.get(message.get("id")) if isinstance(message, dict) and "result" in message else None
                if label:
                    exposure.results[label] = raw.decode()
                else:
                    exposure.other_stdout.append(raw.decode())
            exposure.stderr = proc.stderr
        files = folder / "files"
        if files.is_dir():
            exposure.files = {p.name: p.read_bytes() for p in files.rglob("*") if p.is_file()}
        exposure.cross_origin = list(other.received)
        found[scheme] = exposure
    return found


# -- serve ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", list(CREDENTIALS))
def test_the_vendor_received_the_canary(sessions: dict[str, Exposure], vendors: tuple[EchoVendor, EchoVendor], scheme: str) -> None:
    """The canaries are really sent (so their absence elsewhere means something)."""
    main, _ = vendors
    sent = json.dumps(main.received)
    assert leaks(sent), "no canary credential reached the vendor"


@pytest.mark.parametrize("scheme", list(CREDENTIALS))
def test_no_canary_in_stderr_at_debug_level(sessions: dict[str, Exposure], scheme: str) -> None:
    exposure = sessions[scheme]
    assert exposure.stderr.strip(), "conduit logged nothing at debug level: the check would be vacuous"
    assert not leaks(exposure.stderr), f"{scheme}: credentials in stderr: {leaks(exposure.stderr)}"


@pytest.mark.parametrize("scheme", list(CREDENTIALS))
def test_no_canary_in_log_notifications_or_other_protocol_lines(sessions: dict[str, Exposure], scheme: str) -> None:
    exposure = sessions[scheme]
    assert any('"notifications/message"' in line for line in exposure.other_stdout), "no log notifications at debug level"
    found = [line[:300] for line in exposure.other_stdout if leaks(line)]
    assert not found, f"{scheme}: credentials on stdout outside tool results: {found}"


@pytest.mark.parametrize("scheme", list(CREDENTIALS))
def test_no_canary_in_files(sessions: dict[str, Exposure], scheme: str) -> None:
    exposure = sessions[scheme]
    found = {name: leaks(content) for name, content in exposure.files.items() if leaks(content)}
    assert not found, f"{scheme}: credentials in files conduit wrote: {found}"


@pytest.mark.parametrize("scheme", list(CREDENTIALS))
def test_no_credential_follows_a_redirect_to_another_origin(sessions: dict[str, Exposure], scheme: str) -> None:
    exposure = sessions[scheme]
    assert exposure.cross_origin, "the cross-origin redirect was not followed: the check would be vacuous"
    for request in exposure.cross_origin:
        sent = {k: v for k, v in request["headers"].items() if k.lower() != "host"}
        # The Location itself carries the echoed value in its query (the vendor put it there); what
        # conduit adds on its own — headers — must carry no credential.
        assert not leaks(json.dumps(sent)), f"{scheme}: credentials sent to another origin: {sent}"
        assert "authorization" not in {k.lower() for k in sent}, f"{scheme}: Authorization sent to another origin"


# Echo modes whose leak is a known bug (pinned as strict xfails); none today. The spellings
# covered: as is, JSON-escaped (\", \/, \uXXXX either case), percent-encoded in any alphabet.
LEAKING: dict[tuple[str, str], str] = {}


def _result_cases() -> list[Any]:
    cases = []
    for scheme in CREDENTIALS:
        for mode in MODES:
            reason = LEAKING.get((scheme, mode))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            cases.append(pytest.param(scheme, mode, marks=marks, id=f"{scheme}-{mode}"))
    return cases


@pytest.mark.parametrize(("scheme", "mode"), _result_cases())
def test_no_canary_in_tool_results(sessions: dict[str, Exposure], scheme: str, mode: str) -> None:
    exposure = sessions[scheme]
    found = {label: leaks(line) for label, line in exposure.results.items() if label.startswith(mode + " ") and leaks(line)}
    assert not found, f"{scheme} {mode}: credentials in tool results: " + "; ".join(
        f"{label}: {forms}" for label, forms in found.items())


def test_no_credential_reaches_another_origin_even_in_a_vendor_built_url(sessions: dict[str, Exposure]) -> None:
    carried = {scheme: [r["path"] for r in exposure.cross_origin if leaks(r["path"])] for scheme, exposure in sessions.items()}
    carried = {scheme: paths for scheme, paths in carried.items() if paths}
    assert not carried, f"credentials carried to another origin in the URL: {carried}"


# -- the other commands and start-up failures ------------------------------------------------------


def run(binary: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=30, env=env)


def _call_cases() -> list[Any]:
    cases = []
    for scheme in CREDENTIALS:
        for mode in ("401-json", "500-text", "401-json-escaped"):
            marks: list[Any] = []
            cases.append(pytest.param(scheme, mode, marks=marks, id=f"{scheme}-{mode}"))
    return cases


@pytest.mark.parametrize(("scheme", "mode"), _call_cases())
def test_no_canary_from_conduit_call(conduit_binary: Path, vendors: tuple[EchoVendor, EchoVendor], tmp_path: Path,
                                     scheme: str, mode: str) -> None:
    main, _ = vendors
    main.mode = mode
    account, variables = account_for(tmp_path, scheme, main.url)
    for tool, arguments in CALLS[scheme]:
        out = run(conduit_binary, "call", tool, "--args", json.dumps(arguments), "--account", str(account), env=base_env(**variables))
        assert out.returncode == 1, f"a failed call must exit 1: {out.returncode} {out.stdout} {out.stderr}"
        assert "invalid_arguments" not in out.stdout, out.stdout
        assert not leaks(out.stderr), f"{tool} stderr: {leaks(out.stderr)}"
        assert not leaks(out.stdout), f"{tool} stdout: {leaks(out.stdout)}"


@pytest.mark.parametrize("scheme", list(CREDENTIALS))
def test_no_canary_from_conduit_check_and_tools(conduit_binary: Path, vendors: tuple[EchoVendor, EchoVendor],
                                                tmp_path: Path, scheme: str) -> None:
    main, _ = vendors
    account, variables = account_for(tmp_path, scheme, main.url)
    check = run(conduit_binary, "check", "--account", str(account), env=base_env(**variables))
    assert check.returncode == 0, check.stderr
    assert not leaks(check.stdout + check.stderr), f"conduit check: {leaks(check.stdout + check.stderr)}"
    tools = run(conduit_binary, "tools", "--account", str(account), "--json", env=base_env(**variables))
    assert tools.returncode == 0 and not leaks(tools.stdout + tools.stderr)


# Start-up failures with the canaries in place: each must name the problem, never a value.
BAD_ACCOUNTS: dict[str, dict[str, Any]] = {
    "unknown field": {"surprise": True},
    "expired": {"server": {"expires_at": "2001-01-01T00:00:00Z"}},
    "api token hash mismatch": {"server": {"require_api_token_auth": True, "api_token_sha256": "0" * 64}},
    "credential of another integration": {"credentials_extra": True},
    "credential not a string": {"credentials_number": True},
    "unterminated reference": {"credentials_unterminated": True},
    "bad timeouts": {"timeouts": {"idle_seconds": -1}},
    "bad base_url": {"base_url": f"ftp://{CANARY}-chorus-token-91a7@example.com"},
}


@pytest.mark.parametrize("case", list(BAD_ACCOUNTS))
@pytest.mark.parametrize("command", ["serve", "check", "call"])
def test_no_canary_in_start_up_errors(conduit_binary: Path, tmp_path: Path, case: str, command: str) -> None:
    scheme = "gong-basic" if "another integration" not in case else "chorus"
    account, variables = account_for(tmp_path, scheme, "http://127.0.0.1:9")
    data = json.loads(account.read_text())
    change = dict(BAD_ACCOUNTS[case])
    if change.pop("credentials_extra", False):
        data["credentials"]["access_key_secret"] = CREDENTIALS["gong-basic"]["access_key_secret"]
    if change.pop("credentials_number", False):
        data["credentials"]["access_key"] = 12345
        data["credentials"]["extra"] = CREDENTIALS["gong-basic"]["access_key"]
    if change.pop("credentials_unterminated", False):
        data["credentials"]["access_key"] = CREDENTIALS["gong-basic"]["access_key"] + "${UNTERMINATED"
    data.update(change)
    account.write_text(json.dumps(data))
    env = base_env(**variables, CONDUIT_API_TOKEN=CREDENTIALS["chorus"]["api_token"])
    args = {"serve": ["serve", "--account", str(account), "--log-level", "debug"],
            "check": ["check", "--account", str(account)],
            "call": ["call", "list_all_gong_users", "--account", str(account)]}[command]
    out = subprocess.run([str(conduit_binary), *args], capture_output=True, text=True, timeout=30, env=env, stdin=subprocess.DEVNULL)
    assert out.returncode == 1, f"{case}: conduit {command} exited {out.returncode}: {out.stdout} {out.stderr}"
    assert out.stderr.strip(), f"{case}: no explanation on stderr"
    assert out.stdout == "" or command == "check", f"{case}: stdout must stay empty: {out.stdout!r}"
    assert not leaks(out.stdout + out.stderr), f"{case} ({command}): {leaks(out.stdout + out.stderr)} in {out.stderr!r}"
