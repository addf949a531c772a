"""The validator itself: known-good messages pass, known-bad ones are caught.

These guard the wire tests against passing vacuously (a validator that resolves
nothing accepts everything).
"""

from __future__ import annotations

import pytest

from mcp_schemas import REVISIONS, SCHEMA_DIR, schema_for, undeclared_fields, validate_message

TOOL = {"name": "t", "description": "d", "inputSchema": {"type": "object", "properties": {}}}


@pytest.mark.parametrize("revision", REVISIONS)
def test_schema_files_load_with_their_declared_dialect(revision: str) -> None:
    schema = schema_for(revision)
    assert schema.path.parent == SCHEMA_DIR
    expected = "draft-07" if revision < "2025-11-25" else "2020-12"
    assert expected in schema.dialect
    for name in ("CallToolResult", "ListToolsResult", "JSONRPCNotification", "Tool"):
        assert schema.has(name), f"{revision} lacks {name}"


@pytest.mark.parametrize("revision", ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"])
def test_a_valid_handshake_exchange_passes(revision: str) -> None:
    methods = {1: "initialize", 2: "tools/list", 3: "tools/call", 4: "ping"}
    messages = [
        {"jsonrpc": "2.0", "id": 1, "result": {"protocolVersion": revision, "capabilities": {"tools": {}},
                                                 "serverInfo": {"name": "s", "version": "1"}}},
        {"jsonrpc": "2.0", "id": 2, "result": {"tools": [TOOL]}},
        {"jsonrpc": "2.0", "id": 3, "result": {"content": [{"type": "text", "text": "x"}], "isError": True}},
        {"jsonrpc": "2.0", "id": 4, "result": {}},
        {"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": "p", "progress": 1}},
        {"jsonrpc": "2.0", "id": 5, "error": {"code": -32601, "message": "Method not found"}},
    ]
    methods[5] = "resources/list"
    for message in messages:
        assert validate_message(revision, message, methods) == [], message


def test_a_valid_modern_exchange_passes() -> None:
    methods = {1: "server/discover", 2: "tools/list", 3: "subscriptions/listen"}
    messages = [
        {"jsonrpc": "2.0", "id": 1, "result": {"resultType": "complete", "supportedVersions": ["2026-07-28"],
                                                 "capabilities": {}, "ttlMs": 0, "cacheScope": "private"}},
        {"jsonrpc": "2.0", "id": 2, "result": {"resultType": "complete", "tools": [TOOL], "ttlMs": 5,
                                                 "cacheScope": "public"}},
        {"jsonrpc": "2.0", "id": 3, "result": {"resultType": "complete",
                                                 "_meta": {"io.modelcontextprotocol/subscriptionId": 3}}},
        {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}},
        {"jsonrpc": "2.0", "id": 2, "error": {"code": -32022, "message": "no",
                                              "data": {"supported": ["2026-07-28"], "requested": "1999-01-01"}}},
    ]
    for message in messages:
        assert validate_message("2026-07-28", message, methods) == [], message


@pytest.mark.parametrize(
    ("revision", "message", "methods", "expected"),
    [
        # A result that lacks a required field of its method's result type.
        ("2026-07-28", {"jsonrpc": "2.0", "id": 1, "result": {"resultType": "complete", "tools": []}},
         {1: "tools/list"}, "ttlMs"),
        ("2025-06-18", {"jsonrpc": "2.0", "id": 1, "result": {"isError": False}}, {1: "tools/call"}, "content"),
        # 2026-07-28 results must say their resultType.
        ("2026-07-28", {"jsonrpc": "2.0", "id": 1, "result": {"content": []}}, {1: "tools/call"}, "resultType"),
        # A content type the revision does not have (resource_link arrived in 2025-06-18).
        ("2024-11-05", {"jsonrpc": "2.0", "id": 1, "result": {"content": [
            {"type": "resource_link", "uri": "file:///x", "name": "x"}]}}, {1: "tools/call"}, "CallToolResult"),
        # A tool whose inputSchema is not an object schema (resolved through #/definitions/Tool).
        ("2024-11-05", {"jsonrpc": "2.0", "id": 1, "result": {"tools": [dict(TOOL, inputSchema={"type": "array"})]}},
         {1: "tools/list"}, "object"),
        # "id": null is not a RequestId in 2025-11-25 (the id must be omitted instead).
        ("2025-11-25", {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "x"}}, {}, "id"),
        # Before 2025-11-25 null is tolerated only for parse / invalid-request errors.
        ("2025-06-18", {"jsonrpc": "2.0", "id": None, "error": {"code": -32601, "message": "x"}}, {}, "id"),
        # Batches exist only in 2025-03-26.
        ("2025-06-18", [{"jsonrpc": "2.0", "id": 1, "result": {}}], {1: "ping"}, "batch"),
        # -32022 must carry supported/requested.
        ("2026-07-28", {"jsonrpc": "2.0", "id": 1, "error": {"code": -32022, "message": "x"}}, {1: "tools/list"},
         "data"),
        # A typed 2026 error with the wrong shape of message.
        ("2026-07-28", {"jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message": 5}}, {1: "tools/list"},
         "message"),
        # Server-to-client requests are never sent by conduit.
        ("2025-11-25", {"jsonrpc": "2.0", "id": 9, "method": "roots/list"}, {}, "request"),
        # A notification this revision does not define.
        ("2025-06-18", {"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
                        "params": {"notifications": {}}}, {}, "not a server notification"),
        # A response to an id nobody used.
        ("2025-03-26", {"jsonrpc": "2.0", "id": 42, "result": {}}, {}, "no client request"),
        # A method with no result type in this revision (initialize is gone in 2026-07-28).
        ("2026-07-28", {"jsonrpc": "2.0", "id": 1, "result": {"resultType": "complete"}}, {1: "initialize"},
         "no result type"),
    ],
)
def test_violations_are_reported(revision: str, message: object, methods: dict, expected: str) -> None:
    problems = validate_message(revision, message, methods)
    assert problems, f"{revision}: accepted an invalid message {message}"
    assert any(expected in problem for problem in problems), problems


def test_parse_error_with_null_id_is_tolerated_before_2025_11_25() -> None:
    message = {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "Parse error"}}
    assert validate_message("2025-06-18", message, {}) == []


def test_undeclared_fields_are_reported_per_revision() -> None:
    result = {"protocolVersion": "2024-11-05", "capabilities": {},
              "serverInfo": {"name": "s", "version": "1", "title": "S"}}
    assert undeclared_fields("2024-11-05", "initialize", result) == [
        "result.serverInfo.title (not in 2024-11-05 Implementation)"
    ]
    assert undeclared_fields("2025-06-18", "initialize", result) == []
    call = {"content": [], "structuredContent": {}}
    assert undeclared_fields("2025-03-26", "tools/call", call) == [
        "result.structuredContent (not in 2025-03-26 CallToolResult)"
    ]
