"""Every document of the OpenAPI corpus, served against its own stand-in.

`conduit serve --sandbox DOC` imports the document and runs the stand-in built from the
same document, which checks each request the way the document says (path, required
parameters and their types, credentials, JSON, form and multipart bodies against their
schema) and answers 400/422 otherwise. Each tool is called once with arguments made from
its own input schema, the deletes last; every request conduit sends must pass the
document's check, and tools/list and every call's answer must match the official MCP
schema of the session's revision.

The corpus lives beside the repository (../shared/openapi-corpus); without it the tests
skip. Nothing of it is copied into the repository.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conduit_process import ConduitProcess
from conftest import REPO_ROOT, base_env
from mcp_schemas import validate_message

CORPUS = REPO_ROOT.parent / "shared" / "openapi-corpus"
REVISION = "2025-06-18"
DOCUMENTS = [
    "asana/asana_oas.yaml", "box/openapi.json", "digitalocean/specification/DigitalOcean-public.v2.yaml",
    "discord/openapi.json", "github/api.github.com.json", "intercom/api.intercom.io.yaml",
    "redocly-museum/openapi.yaml", "sendgrid/tsg_mc_contacts_v3.json", "slack/slack_web_openapi_v2.json",
    "zoom/openapi.v2.json",
]
PAGING = {"limit", "next_cursor", "response_fields", "range"}


def value_for(schema: Any, depth: int = 0) -> Any:
    """A value a careful model would send: the schema's own example when it fits the type,
    else one made from the type and format."""
    if not isinstance(schema, dict):
        return "x"
    kinds = schema.get("type")
    kinds = [k for k in (kinds if isinstance(kinds, list) else [kinds]) if k and k != "null"]
    kind = kinds[0] if kinds else ("object" if "properties" in schema else "array" if "items" in schema else "string")
    fits = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "object": dict, "array": list}
    for candidate in ([schema["const"]] if "const" in schema else []) + list(schema.get("enum") or []) + list(schema.get("examples") or []) + (
            [schema["default"]] if "default" in schema else []):
        if isinstance(candidate, fits.get(kind, object)) and not (kind in ("integer", "number") and isinstance(candidate, bool)):
            if kind == "object" or kind == "array":
                continue  # made below, so required fields are present
            return candidate
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            return value_for(schema[key][0], depth)
    if kind == "object":
        required = schema.get("required", [])
        return {name: value_for(sub, depth + 1) for name, sub in (schema.get("properties") or {}).items()
                if name in required and depth < 6}
    if kind == "array":
        return [value_for(schema.get("items", {}), depth + 1)] if schema.get("minItems", 0) > 0 or depth < 6 else []
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1.5))
    if kind == "boolean":
        return True
    return {"date-time": "2025-01-15T09:30:00Z", "date": "2025-01-15", "email": "someone@example.com",
            "uri": "https://example.com/x", "uuid": "00000000-0000-4000-8000-000000000001"}.get(schema.get("format"), "12345")


def serve(binary: Path, document: Path) -> ConduitProcess:
    return ConduitProcess([str(binary), "serve", "--sandbox", str(document)], base_env())


def answer(server: ConduitProcess, method: str, params: dict[str, Any]) -> dict[str, Any]:
    # A large document is imported at start: the first answer may take a while.
    response = server.call(method, params, timeout=120)
    assert response is not None, f"no answer to {method}; stderr: {server.stderr[-2000:]}"
    return response


@pytest.mark.parametrize("relative", DOCUMENTS)
def test_every_tool_sends_what_the_document_accepts(relative: str, conduit_binary: Path) -> None:
    document = CORPUS / relative
    if not document.is_file():
        pytest.skip(f"no OpenAPI corpus at {CORPUS} (it sits beside the repository, not in it)")
    with serve(conduit_binary, document) as server:
        initialized = answer(server, "initialize", {"protocolVersion": REVISION, "capabilities": {},
                                                    "clientInfo": {"name": "corpus", "version": "1"}})
        assert "result" in initialized, initialized
        listed = answer(server, "tools/list", {})
        # Every tool, as listed, is what the official schema of the session's revision allows.
        problems = validate_message(REVISION, listed, {listed["id"]: "tools/list"})
        assert not problems, "tools/list does not match the MCP schema:\n" + "\n".join(problems[:20])
        tools = listed["result"]["tools"]
        assert tools, "no tools"
        sent, refused, ours = 0, [], 0
        # Deletes last, so nothing a later call names is gone.
        for tool in sorted(tools, key=lambda t: t["name"].startswith("delete_")):
            schema = tool["inputSchema"]
            properties = schema.get("properties", {})
            if any("upload_roots" in (p.get("description") or "") for p in properties.values()):
                continue  # uploads need a local file; tests/uploads cover them
            arguments = {name: value_for(properties[name]) for name in schema.get("required", []) if name in properties}
            called = answer(server, "tools/call", {"name": tool["name"], "arguments": arguments})
            problems = validate_message(REVISION, called, {called["id"]: "tools/call"})
            assert not problems, f"{tool['name']}'s result does not match the MCP schema:\n" + "\n".join(problems[:20])
            result = called["result"]
            error = (result.get("structuredContent") or {}).get("error") or {}
            if result.get("isError") and error.get("type") == "invalid_arguments":
                ours += 1  # refused by conduit before sending: the document's own example or pattern
                continue
            sent += 1
            if result.get("isError"):
                refused.append(f"{tool['name']} {json.dumps(arguments)[:200]}: {error.get('status')} {(error.get('body') or error.get('message') or '')[:300]}")
        assert not refused, f"{len(refused)} of {sent} requests the document refuses:\n" + "\n".join(refused[:20])
        assert sent >= 0.9 * (sent + ours), f"only {sent} of {sent + ours} calls were sent"


def test_the_stand_in_of_the_example_document_keeps_what_calls_change(conduit_binary: Path) -> None:
    """`--sandbox SPEC` on the README's example: a book added is listed and read back in the
    same session, a deleted one is gone, and an argument of the wrong type never leaves."""
    with serve(conduit_binary, REPO_ROOT / "Examples" / "openapi" / "bookshop.yaml") as server:
        answer(server, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}})
        info = answer(server, "tools/list", {})["result"]["tools"]
        assert {"list_all_bookshop_books", "create_a_bookshop_book", "get_single_bookshop_book_by_id"} <= {t["name"] for t in info}

        def call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
            return answer(server, "tools/call", {"name": name, "arguments": arguments})["result"]

        created = call("create_a_bookshop_book", {"title": "Dune", "author": "Frank Herbert", "price": 9.5})
        assert not created.get("isError"), created
        book = created["structuredContent"]
        assert book["title"] == "Dune" and book["id"]
        listed = call("list_all_bookshop_books", {})["structuredContent"]["result"]
        assert listed[0]["id"] == book["id"]
        got = call("get_single_bookshop_book_by_id", {"id": book["id"]})["structuredContent"]
        assert got["author"] == "Frank Herbert"
        assert not call("delete_a_bookshop_book_by_id", {"id": book["id"]}).get("isError")
        gone = call("get_single_bookshop_book_by_id", {"id": book["id"]})
        assert gone["isError"] and gone["structuredContent"]["error"]["status"] == 404
        wrong = call("create_a_bookshop_book", {"title": "X", "author": "Y", "price": "cheap"})
        assert wrong["isError"] and wrong["structuredContent"]["error"]["type"] == "invalid_arguments"
