"""Every byte conduit writes on stdout, checked against the official MCP schemas.

Part (a): the binary is spawned with plain pipes (no MCP library) and taken
through a scripted conversation in each revision: 2024-11-05, 2025-03-26,
2025-06-18 and 2025-11-25 through `initialize`; 2026-07-28 with `_meta` on
every request. The scripts include the error paths (unknown method, unknown
tool, malformed JSON, invalid requests, batches, unsupported versions,
cancellation, subscriptions). Each conversation runs once (a module fixture);
separate tests then check (1) that every stdout line is a JSON message that
validates against that revision's schema, (2) that results carry no field
the revision does not define, and (3) what each answer says.

Part (b): transcripts written by the Swift end-to-end tests. When
CONDUIT_WIRE_LOG names a folder, each `*.jsonl` file in it holds lines
`{"revision": ..., "method": <the request method a response answers, or
null>, "message": {...}}`, validated the same way.
"""

from __future__ import annotations

import json
import os
import re
import stat
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conduit_process import ConduitProcess
from conftest import CHORUS_TOKEN, SERVER_NAME, base_env, write_account
from fake_chorus import ALL_ENGAGEMENT_IDS, HOLD_ID, MEDIA_BYTES, FakeChorus
from mcp_schemas import (
    HANDSHAKE_REVISIONS,
    MODERN_REVISION,
    REVISIONS,
    revision_index,
    schema_for,
    undeclared_fields,
    validate_message,
)

LIST_TOOL = "list_all_chorus_conversations"
GET_TOOL = "get_single_chorus_conversation_by_id"
MEDIA_TOOL = "get_single_chorus_media_by_id"
CLIENT_INFO = {"name": "conduit-wire-tests", "version": "1.0"}
PV = "io.modelcontextprotocol/protocolVersion"
CAPS = "io.modelcontextprotocol/clientCapabilities"
SUB_ID = "io.modelcontextprotocol/subscriptionId"


def modern_meta(version: str = MODERN_REVISION, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {PV: version, CAPS: {}, "io.modelcontextprotocol/clientInfo": CLIENT_INFO}
    meta.update(extra)
    return meta


@dataclass
class Conversation:
    """What one scripted session produced."""

    revision: str
    lines: list[bytes]
    received: list[Any]
    methods: dict[Any, str]
    answers: dict[str, Any] = field(default_factory=dict)  # label -> response (None if none came)
    notes: dict[str, Any] = field(default_factory=dict)  # label -> other observations
    returncode: int | None = None
    stderr: str = ""

    def answer(self, label: str) -> Any:
        found = self.answers.get(label)
        assert found is not None, f"[{self.revision}] no response for {label!r}.\nconduit stderr:\n{self.stderr[-2000:]}"
        return found


def _is_error(message: Any, code: int | None = None) -> bool:
    return isinstance(message, dict) and "error" in message and (code is None or message["error"].get("code") == code)


def _unaddressed_error(code: int):
    """Predicate: an error response whose request id could not be read (null or absent id)."""
    return lambda m: _is_error(m, code) and m.get("id") is None


def _tool_payload(response: dict[str, Any]) -> Any:
    result = response["result"]
    if "structuredContent" in result:
        return result["structuredContent"]
    return json.loads(result["content"][0]["text"])


def _cancel_in_flight(proc: ConduitProcess, fake: FakeChorus, conv: Conversation, meta: dict[str, Any] | None) -> None:
    """tools/call that the fake holds open, cancelled mid-flight: no response may follow."""
    params: dict[str, Any] = {"name": GET_TOOL, "arguments": {"id": HOLD_ID}}
    if meta is not None:
        params["_meta"] = meta
    proc.request("tools/call", params, request_id="held-call")
    conv.notes["hold_reached_upstream"] = fake.wait_until_held(10)
    start = len(proc.received)
    proc.notify("notifications/cancelled", {"requestId": "held-call", "reason": "test cancels"})
    # A round trip after the cancellation: stdin is read in order, so once this is answered
    # the server has seen the cancellation, and only then does the fake answer the held call.
    if meta is None:
        conv.answers["barrier_after_cancel"] = proc.call("ping")
    else:
        conv.answers["barrier_after_cancel"] = proc.call("server/discover", {"_meta": meta})
    fake.release_hold()
    conv.notes["cancelled_call_silent"] = proc.quiet_for(lambda m: _answers(m, "held-call"), 1.0)
    # Nothing at all about the cancelled call after the cancellation (2026-07-28: "MUST NOT
    # send any further messages for it"; the modern call asks for debug logs to make this bite).
    conv.notes["after_cancel_mentions"] = [
        m for m in proc.received[start:] if HOLD_ID in json.dumps(m) or "held-call" in json.dumps(m)
    ]


def _answers(message: Any, request_id: Any) -> bool:
    if isinstance(message, list):
        return any(_answers(e, request_id) for e in message)
    return isinstance(message, dict) and "method" not in message and message.get("id") == request_id


def _observe_media(response: Any, conv: Conversation) -> None:
    """Record what a binary download returned: where the file is and what is in it.

    Observed while the server runs (it may clean its temporary directory at exit); the
    file is then removed so test runs leave nothing behind.
    """
    seen: dict[str, Any] = {"response": response is not None}
    conv.notes["media"] = seen
    if not response or "result" not in response:
        return
    result = response["result"]
    blocks = result.get("content") or []
    texts = [b.get("text", "") for b in blocks if b.get("type") == "text"]
    links = [b for b in blocks if b.get("type") == "resource_link"]
    seen.update(is_error=result.get("isError") is True, text_bytes=sum(len(t.encode()) for t in texts),
                links=links, text=" ".join(texts)[:2000])
    candidates = [urllib.parse.unquote(urllib.parse.urlsplit(link.get("uri", "")).path) for link in links]
    candidates += re.findall(r"(/[^\s\"'\\,;)]+)", " ".join(texts))
    path = next((Path(c) for c in candidates if Path(c).is_file()), None)
    seen["path"] = str(path) if path else None
    if path is None:
        return
    seen.update(
        same_bytes=path.read_bytes() == MEDIA_BYTES,
        file_mode=stat.S_IMODE(path.stat().st_mode),
        dir_mode=stat.S_IMODE(path.parent.stat().st_mode),
    )
    path.unlink()


def run_handshake_conversation(binary: Path, account: Path, fake: FakeChorus, revision: str) -> Conversation:
    with ConduitProcess([str(binary), "serve", "--account", str(account)], base_env(CHORUS_TOKEN=CHORUS_TOKEN)) as proc:
        conv = Conversation(revision, proc.lines, proc.received, proc.methods)
        a = conv.answers

        # Before the handshake: ping is answered, anything else is refused.
        a["ping_before_initialize"] = proc.call("ping", request_id=0)
        a["list_before_initialize"] = proc.call("tools/list", request_id="early")

        a["initialize"] = proc.call(
            "initialize",
            {"protocolVersion": revision, "capabilities": {}, "clientInfo": CLIENT_INFO},
            request_id="init",
        )
        proc.notify("notifications/initialized")
        a["ping"] = proc.call("ping", request_id="ping-ü")  # a non-ASCII string id echoes back exactly
        a["set_level"] = proc.call("logging/setLevel", {"level": "debug"})
        a["tools_list"] = proc.call("tools/list")

        a["list_page1"] = proc.call(
            "tools/call", {"name": LIST_TOOL, "arguments": {}, "_meta": {"progressToken": "progress-1"}}
        )
        cursor = None
        if a["list_page1"] and "result" in a["list_page1"]:
            cursor = _tool_payload(a["list_page1"]).get("next_cursor")
        if cursor:
            a["list_page2"] = proc.call("tools/call", {"name": LIST_TOOL, "arguments": {"next_cursor": cursor}})
        a["get"] = proc.call("tools/call", {"name": GET_TOOL, "arguments": {"id": ALL_ENGAGEMENT_IDS[0]}})
        a["get_missing"] = proc.call("tools/call", {"name": GET_TOOL, "arguments": {"id": "NOSUCHCONVERSATION"}})
        a["unknown_argument"] = proc.call("tools/call", {"name": LIST_TOOL, "arguments": {"no_such_argument": 1}})
        a["media_file"] = proc.call(
            "tools/call",
            {"name": MEDIA_TOOL, "arguments": {"id": ALL_ENGAGEMENT_IDS[0], "info": False},
             "_meta": {"progressToken": "media-progress"}},
            timeout=30,
        )
        _observe_media(a["media_file"], conv)

        # Protocol errors.
        a["unknown_tool"] = proc.call("tools/call", {"name": "no_such_tool", "arguments": {}})
        a["unknown_method"] = proc.call("prompts/list")
        a["resources_list"] = proc.call("resources/list")
        a["resource_not_found"] = proc.call("resources/read", {"uri": "file:///etc/passwd"})
        a["reinitialize"] = proc.call(
            "initialize", {"protocolVersion": revision, "capabilities": {}, "clientInfo": CLIENT_INFO}
        )
        a["missing_method"] = proc.response(_send_and_id(proc, {"jsonrpc": "2.0", "id": "no-method"}))
        start = len(proc.received)
        proc.send_raw(b'{"jsonrpc": "2.0", "id": 99, "method": "ping"')  # truncated JSON
        a["parse_error"] = proc.wait_for(_unaddressed_error(-32700), start=start)
        start = len(proc.received)
        proc.send_raw(b"42")
        a["not_an_object"] = proc.wait_for(_unaddressed_error(-32600), start=start)

        # Batches: only a 2025-03-26 session takes them.
        batch = [
            {"jsonrpc": "2.0", "id": "batch-ping", "method": "ping"},
            {"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": "x", "progress": 1}},
            {"jsonrpc": "2.0", "id": "batch-list", "method": "tools/list"},
        ]
        start = len(proc.received)
        proc.send(batch)
        if revision == "2025-03-26":
            a["batch"] = proc.wait_for(lambda m: isinstance(m, list), start=start)
        else:
            a["batch"] = proc.wait_for(_unaddressed_error(-32600), start=start)
        start = len(proc.received)
        proc.send_raw(b"[]")
        a["empty_batch"] = proc.wait_for(_unaddressed_error(-32600), start=start)

        _cancel_in_flight(proc, fake, conv, meta=None)
        a["ping_after_cancel"] = proc.call("ping")

        conv.returncode = proc.close()
        conv.stderr = proc.stderr
        return conv


def _send_and_id(proc: ConduitProcess, message: dict[str, Any]) -> Any:
    """Send a malformed request whose id is still readable (its error response carries that id)."""
    proc.methods[message["id"]] = "(invalid request)"
    proc.send_raw(json.dumps(message).encode())
    return message["id"]


def run_modern_conversation(binary: Path, account: Path, fake: FakeChorus) -> Conversation:
    with ConduitProcess([str(binary), "serve", "--account", str(account)], base_env(CHORUS_TOKEN=CHORUS_TOKEN)) as proc:
        conv = Conversation(MODERN_REVISION, proc.lines, proc.received, proc.methods)
        a = conv.answers
        meta = modern_meta()

        a["discover"] = proc.call("server/discover", {"_meta": meta})
        a["tools_list"] = proc.call("tools/list", {"_meta": meta})
        a["list_page1"] = proc.call(
            "tools/call",
            {"name": LIST_TOOL, "arguments": {},
             "_meta": modern_meta(**{"io.modelcontextprotocol/logLevel": "debug", "progressToken": 7})},
        )
        cursor = None
        if a["list_page1"] and "result" in a["list_page1"]:
            cursor = _tool_payload(a["list_page1"]).get("next_cursor")
        if cursor:
            a["list_page2"] = proc.call(
                "tools/call", {"name": LIST_TOOL, "arguments": {"next_cursor": cursor}, "_meta": meta}
            )
        a["get"] = proc.call("tools/call", {"name": GET_TOOL, "arguments": {"id": ALL_ENGAGEMENT_IDS[0]}, "_meta": meta})
        a["get_missing"] = proc.call(
            "tools/call", {"name": GET_TOOL, "arguments": {"id": "NOSUCHCONVERSATION"}, "_meta": meta}
        )
        a["unknown_argument"] = proc.call(
            "tools/call", {"name": LIST_TOOL, "arguments": {"no_such_argument": 1}, "_meta": meta}
        )
        a["media_file"] = proc.call(
            "tools/call",
            {"name": MEDIA_TOOL, "arguments": {"id": ALL_ENGAGEMENT_IDS[0], "info": False},
             "_meta": dict(meta, progressToken="media-progress")},
            timeout=30,
        )
        _observe_media(a["media_file"], conv)

        # Version and envelope errors.
        a["unsupported_version"] = proc.call("tools/list", {"_meta": modern_meta("2099-01-01")})
        a["handshake_version_in_meta"] = proc.call("tools/list", {"_meta": modern_meta("2025-06-18")})
        a["missing_capabilities"] = proc.call("tools/list", {"_meta": {PV: MODERN_REVISION}})
        a["missing_meta"] = proc.call("tools/list", {})
        a["initialize_after_modern"] = proc.call(
            "initialize", {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": CLIENT_INFO}
        )
        a["ping"] = proc.call("ping", {"_meta": meta})  # ping is gone in 2026-07-28
        a["unknown_tool"] = proc.call("tools/call", {"name": "no_such_tool", "arguments": {}, "_meta": meta})
        a["unknown_method"] = proc.call("prompts/list", {"_meta": meta})
        a["resources_list"] = proc.call("resources/list", {"_meta": meta})
        a["resource_not_found"] = proc.call("resources/read", {"uri": "file:///etc/passwd", "_meta": meta})
        a["missing_method"] = proc.response(_send_and_id(proc, {"jsonrpc": "2.0", "id": "no-method"}))
        start = len(proc.received)
        proc.send_raw(b"{not json at all")
        a["parse_error"] = proc.wait_for(_unaddressed_error(-32700), start=start)
        start = len(proc.received)
        proc.send([{"jsonrpc": "2.0", "id": "batch-list", "method": "tools/list", "params": {"_meta": meta}}])
        a["batch"] = proc.wait_for(_unaddressed_error(-32600), start=start)

        # Subscriptions: one cancelled by the client, one left open until stdin closes.
        proc.request(
            "subscriptions/listen",
            {"_meta": meta, "notifications": {"toolsListChanged": True, "promptsListChanged": True}},
            request_id="sub-1",
        )
        conv.notes["ack_1"] = proc.wait_for(lambda m: _acknowledges(m, "sub-1"))
        proc.notify("notifications/cancelled", {"requestId": "sub-1"})
        proc.request("subscriptions/listen", {"_meta": meta, "notifications": {}}, request_id=2000)
        conv.notes["ack_2"] = proc.wait_for(lambda m: _acknowledges(m, 2000))

        _cancel_in_flight(proc, fake, conv, meta=modern_meta(**{"io.modelcontextprotocol/logLevel": "debug"}))
        a["discover_after_cancel"] = proc.call("server/discover", {"_meta": meta})

        conv.returncode = proc.close()
        conv.stderr = proc.stderr
        # The open subscription is closed gracefully at EOF; the cancelled one never answered.
        a["listen_closed"] = next((m for m in proc.received if _answers(m, 2000)), None)
        conv.notes["cancelled_subscription_answered"] = any(_answers(m, "sub-1") for m in proc.received)
        return conv


def _acknowledges(message: Any, subscription: Any) -> bool:
    return (
        isinstance(message, dict)
        and message.get("method") == "notifications/subscriptions/acknowledged"
        and (message.get("params", {}).get("_meta") or {}).get(SUB_ID) == subscription
    )


@pytest.fixture(scope="module")
def run_conversation(conduit_binary: Path, chorus_integration: str, tmp_path_factory: pytest.TempPathFactory):
    """Runs each revision's scripted conversation once (lazily) and caches what it produced."""
    cache: dict[str, Conversation] = {}

    def get(revision: str) -> Conversation:
        if revision not in cache:
            with FakeChorus(token=CHORUS_TOKEN) as fake:
                account = write_account(tmp_path_factory.mktemp(f"wire-{revision}") / "account.json",
                                        chorus_integration, fake.url, name=SERVER_NAME)
                if revision == MODERN_REVISION:
                    cache[revision] = run_modern_conversation(conduit_binary, account, fake)
                else:
                    cache[revision] = run_handshake_conversation(conduit_binary, account, fake, revision)
        return cache[revision]

    return get


@pytest.fixture(params=REVISIONS)
def conversation(request: pytest.FixtureRequest, run_conversation) -> Conversation:
    return run_conversation(request.param)


@pytest.fixture(params=HANDSHAKE_REVISIONS)
def handshake(request: pytest.FixtureRequest, run_conversation) -> Conversation:
    return run_conversation(request.param)


@pytest.fixture
def modern(run_conversation) -> Conversation:
    return run_conversation(MODERN_REVISION)


# -- (1) every line is a schema-valid protocol message ---------------------------------


def transcript_problems(conv: Conversation) -> list[str]:
    problems: list[str] = []
    for number, raw in enumerate(conv.lines, 1):
        shown = raw.decode("utf-8", "replace").rstrip("\n")
        if not raw.endswith(b"\n"):
            problems.append(f"line {number} is not newline-terminated: {shown[:300]}")
        try:
            message = json.loads(raw)
        except ValueError as error:
            problems.append(f"line {number} is not JSON ({error}): {shown[:300]}")
            continue
        for problem in validate_message(conv.revision, message, conv.methods):
            problems.append(f"line {number}: {problem}\n    {shown[:400]}")
    return problems


def test_every_stdout_line_validates(conversation: Conversation) -> None:
    assert conversation.lines, "conduit wrote nothing"
    problems = transcript_problems(conversation)
    assert not problems, (
        f"{len(problems)} schema problem(s) in the {conversation.revision} transcript "
        f"(schema {schema_for(conversation.revision).path.name}):\n" + "\n".join(problems)
    )


def test_results_carry_only_fields_the_revision_defines(conversation: Conversation) -> None:
    extra: list[str] = []
    for message in conversation.received:
        for element in message if isinstance(message, list) else [message]:
            if isinstance(element, dict) and "result" in element:
                method = conversation.methods.get(element.get("id"))
                if method:
                    extra += [f"{method}: {f}" for f in undeclared_fields(conversation.revision, method, element["result"])]
    assert not extra, f"fields unknown to {conversation.revision}:\n" + "\n".join(sorted(set(extra)))


def test_server_exits_cleanly_at_eof(conversation: Conversation) -> None:
    assert conversation.returncode == 0, (
        f"conduit exited {conversation.returncode} after stdin closed\n{conversation.stderr[-2000:]}"
    )


# -- (3) what the answers say -------------------------------------------------------------


def _error_code(message: Any) -> int | None:
    return message["error"].get("code") if _is_error(message) else None


def test_tools_and_calls(conversation: Conversation) -> None:
    rev = conversation.revision
    structured = revision_index(rev) >= revision_index("2025-06-18")
    tools = {t["name"]: t for t in conversation.answer("tools_list")["result"]["tools"]}
    assert {LIST_TOOL, GET_TOOL} <= set(tools)
    for tool in tools.values():
        assert tool["inputSchema"].get("type") == "object"
    if revision_index(rev) >= revision_index("2025-03-26"):
        assert tools[LIST_TOOL].get("annotations", {}).get("readOnlyHint") is True

    page1 = conversation.answer("list_page1")["result"]
    assert page1.get("isError") is not True, page1
    assert ("structuredContent" in page1) == structured, f"structuredContent presence wrong for {rev}"
    payload = _tool_payload(conversation.answer("list_page1"))
    assert [e["engagement_id"] for e in payload["result"]] == ALL_ENGAGEMENT_IDS[:3]
    page2 = _tool_payload(conversation.answer("list_page2"))
    assert [e["engagement_id"] for e in page2["result"]] == ALL_ENGAGEMENT_IDS[3:6]

    got = conversation.answer("get")["result"]
    assert got.get("isError") is not True and ALL_ENGAGEMENT_IDS[0] in json.dumps(got)
    missing = conversation.answer("get_missing")["result"]
    assert missing.get("isError") is True and "404" in json.dumps(missing)

    # An argument the tool does not take is refused, as a tool error or invalid params.
    refused = conversation.answer("unknown_argument")
    assert _error_code(refused) == -32602 or refused["result"].get("isError") is True
    assert "no_such_argument" in json.dumps(refused)


def test_protocol_errors(conversation: Conversation) -> None:
    rev = conversation.revision
    assert _error_code(conversation.answer("unknown_tool")) == -32602
    assert "no_such_tool" in conversation.answer("unknown_tool")["error"]["message"]
    assert _error_code(conversation.answer("unknown_method")) == -32601
    assert isinstance(conversation.answer("resources_list")["result"]["resources"], list)
    # Resource not found: -32002 through 2025-11-25, invalid params from 2026-07-28.
    assert _error_code(conversation.answer("resource_not_found")) == (-32602 if rev == "2026-07-28" else -32002)
    assert _error_code(conversation.answer("parse_error")) == -32700
    assert _error_code(conversation.answer("missing_method")) == -32600
    assert conversation.answer("missing_method")["id"] == "no-method"
    if rev == "2025-03-26":
        batch = conversation.answer("batch")
        assert isinstance(batch, list) and {m["id"] for m in batch} == {"batch-ping", "batch-list"}, (
            "a 2025-03-26 batch gets one array with a response per request (none for the notification)"
        )
    else:
        assert _error_code(conversation.answer("batch")) == -32600, f"{rev} must refuse batches"


def test_binary_media_is_a_private_file_not_bytes(conversation: Conversation) -> None:
    """PRODUCT.md: binary bodies go to a file in a private temporary directory (0700 dir,
    0600 file); the result gives the path, and from 2025-06-18 a file:// resource_link."""
    answer = conversation.answer("media_file")
    assert "result" in answer, f"the download was answered with a protocol error: {answer}"
    media = conversation.notes["media"]
    assert not media["is_error"], f"the download failed: {media['text'][:500]}"
    assert media["text_bytes"] < 64 * 1024, (
        f"the tool result carries {media['text_bytes']} bytes of text for a {len(MEDIA_BYTES)}-byte recording: "
        f"binary bodies must be streamed to a file, never returned inline. Text begins: {media['text'][:200]!r}"
    )
    has_links = revision_index(conversation.revision) >= revision_index("2025-06-18")
    if has_links:
        assert len(media["links"]) == 1, f"expected one resource_link, got {media['links']}"
        link = media["links"][0]
        assert link["uri"].startswith("file://") and link.get("mimeType") == "audio/webm", link
    else:
        assert media["links"] == [], f"{conversation.revision} has no resource_link content"
    assert media["path"], f"no existing file path in the result: {media['text'][:500]}"
    assert media["same_bytes"], "the file does not hold the downloaded bytes"
    assert media["file_mode"] == 0o600 and media["dir_mode"] == 0o700, (
        f"file mode {oct(media['file_mode'])}, directory mode {oct(media['dir_mode'])}; want 0600 / 0700"
    )


def test_cancelled_request_gets_no_response(conversation: Conversation) -> None:
    assert conversation.notes.get("hold_reached_upstream"), "the held call never reached the fake"
    assert conversation.notes.get("cancelled_call_silent"), "a response was sent for a cancelled request"
    if conversation.revision == MODERN_REVISION:
        assert conversation.notes.get("after_cancel_mentions") == [], (
            f"messages about the cancelled request after its cancellation: {conversation.notes['after_cancel_mentions']}"
        )
    # The server is still serving afterwards.
    after = "discover_after_cancel" if conversation.revision == MODERN_REVISION else "ping_after_cancel"
    assert "result" in conversation.answer(after)


def test_handshake_lifecycle(handshake: Conversation) -> None:
    rev = handshake.revision
    assert handshake.answer("ping_before_initialize").get("result") == {}
    assert _error_code(handshake.answer("list_before_initialize")) == -32602
    init = handshake.answer("initialize")["result"]
    assert init["protocolVersion"] == rev, "conduit must accept every handshake revision as offered"
    assert "chorus" in init["serverInfo"]["name"].lower()
    assert "tools" in init["capabilities"]
    assert isinstance(init.get("instructions"), str) and "Chorus" in init["instructions"]
    assert handshake.answer("ping") == {"jsonrpc": "2.0", "id": "ping-ü", "result": {}}
    assert handshake.answer("set_level").get("result") == {}
    assert _error_code(handshake.answer("reinitialize")) == -32600


def test_modern_discover_and_envelope_errors(modern: Conversation) -> None:
    discover = modern.answer("discover")["result"]
    assert discover["resultType"] == "complete"
    assert set(REVISIONS) <= set(discover["supportedVersions"])
    assert "tools" in discover["capabilities"]
    assert "chorus" in discover["_meta"]["io.modelcontextprotocol/serverInfo"]["name"].lower()

    for label, requested in (("unsupported_version", "2099-01-01"), ("handshake_version_in_meta", "2025-06-18")):
        error = modern.answer(label)["error"]
        assert error["code"] == -32022, f"{label}: {error}"
        assert error["data"]["requested"] == requested
        assert MODERN_REVISION in error["data"]["supported"]
    assert _error_code(modern.answer("missing_capabilities")) == -32602
    assert _error_code(modern.answer("missing_meta")) == -32602
    late_init = modern.answer("initialize_after_modern")["error"]
    assert late_init["code"] == -32022 and late_init["data"]["requested"] == "2025-11-25"
    assert _error_code(modern.answer("ping")) == -32601


def test_modern_subscriptions(modern: Conversation) -> None:
    ack = modern.notes.get("ack_1")
    assert ack is not None, "subscriptions/listen was not acknowledged"
    assert ack["params"]["notifications"] == {"toolsListChanged": True}, (
        "only the notification types the server supports may be acknowledged (no prompts here)"
    )
    assert modern.notes.get("ack_2") is not None
    assert not modern.notes.get("cancelled_subscription_answered"), "a cancelled subscription must get no response"
    closed = modern.answer("listen_closed")
    assert closed["result"]["resultType"] == "complete"
    assert closed["result"]["_meta"][SUB_ID] == 2000


def test_start_errors_go_to_stderr_only(conduit_binary: Path, chorus_integration: str, tmp_path: Path) -> None:
    """A start failure (here: the credential's variable is unset) writes nothing to stdout."""
    account = write_account(tmp_path / "account.json", chorus_integration, "http://127.0.0.1:9")
    with ConduitProcess([str(conduit_binary), "serve", "--account", str(account)], base_env()) as proc:
        code = proc.close()
    assert code != 0, "conduit must refuse to start without its credential"
    assert proc.lines == [], f"stdout must stay empty on a start error: {proc.lines!r}"
    assert "CHORUS_TOKEN" in proc.stderr or "api_token" in proc.stderr, proc.stderr


# -- (b) transcripts from the Swift end-to-end tests ---------------------------------------


def _wire_log_files() -> list[Path]:
    folder = os.environ.get("CONDUIT_WIRE_LOG")
    if not folder:
        return []
    return sorted(Path(folder).glob("*.jsonl"))


def _envelope_errors(revision: str, message: Any) -> list[str]:
    schema = schema_for(revision)
    name = "JSONRPCResultResponse" if schema.has("JSONRPCResultResponse") else "JSONRPCResponse"
    return schema.errors(name, message)


def test_swift_end_to_end_transcripts_validate() -> None:
    folder = os.environ.get("CONDUIT_WIRE_LOG")
    if not folder:
        pytest.skip("CONDUIT_WIRE_LOG is not set: no Swift end-to-end transcripts to validate")
    files = _wire_log_files()
    if not files:
        pytest.skip(f"CONDUIT_WIRE_LOG={folder} holds no *.jsonl transcripts (run the Swift end-to-end tests first)")
    problems: list[str] = []
    checked = 0
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path.name}:{number}"
            try:
                entry = json.loads(line)
            except ValueError as error:
                problems.append(f"{where}: not JSON ({error})")
                continue
            revision, method, message = entry.get("revision"), entry.get("method"), entry.get("message")
            if revision not in REVISIONS:
                problems.append(f"{where}: unknown revision {revision!r}")
                continue
            request_id = message.get("id") if isinstance(message, dict) else None
            checked += 1
            if method is None and isinstance(message, dict) and "result" in message:
                # The transcript does not say which request this answers (the Swift harness
                # sent it without recording its method): still check it against the union
                # of server results, and report the gap in the transcript.
                found = [f"the transcript gives no method for this result (id {request_id!r}); "
                         "record the request's method so it can be checked by its own result type"]
                found += [f"JSONRPC envelope {e}" for e in _envelope_errors(revision, message)]
                found += [f"ServerResult {e}" for e in schema_for(revision).errors("ServerResult", message["result"])]
            else:
                found = validate_message(revision, message, {request_id: method} if method else {})
            for problem in found:
                problems.append(f"{where} ({revision}, {method}): {problem}\n    {json.dumps(message)[:400]}")
    assert checked, f"no messages in {len(files)} transcript file(s)"
    assert not problems, f"{len(problems)} schema problem(s) in Swift end-to-end transcripts:\n" + "\n".join(problems)
