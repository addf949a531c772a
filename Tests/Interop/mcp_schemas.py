"""Validation of conduit's outgoing messages against the official MCP JSON schemas.

The schemas are the published `schema.json` of each protocol revision, kept in
`schemas/` beside this file (see schemas/README.md); nothing outside this
folder is read.

A message conduit writes is checked the way a strict client would read it:

- a response to a request by the result type of the request's method
  (`tools/list` -> `ListToolsResult`, …) and by the revision's response
  envelope (`JSONRPCResponse` / `JSONRPCResultResponse`, and in 2026-07-28
  also `<X>ResultResponse`);
- an error by the revision's error envelope (`JSONRPCError` /
  `JSONRPCErrorResponse`), `UnsupportedProtocolVersionError` for -32022, and
  in 2026-07-28 the typed error objects (`ParseError`, `InvalidParamsError`…);
- a notification by its method (`notifications/progress` ->
  `ProgressNotification`, …) and the notification envelope;
- a batch response (2025-03-26 only) as `JSONRPCBatchResponse`, element by
  element.

`validate_message` returns a list of problems (empty when the message is
valid) so a test can report every violation in a transcript at once.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.validators import validator_for

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

REVISIONS: tuple[str, ...] = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28")
HANDSHAKE_REVISIONS: tuple[str, ...] = REVISIONS[:4]
MODERN_REVISION = "2026-07-28"

# The result type of each request method conduit answers.
RESULT_TYPES: dict[str, str] = {
    "initialize": "InitializeResult",
    "ping": "EmptyResult",
    "logging/setLevel": "EmptyResult",
    "tools/list": "ListToolsResult",
    "tools/call": "CallToolResult",
    "server/discover": "DiscoverResult",
    "subscriptions/listen": "SubscriptionsListenResult",
    "resources/list": "ListResourcesResult",
    "resources/templates/list": "ListResourceTemplatesResult",
    "resources/read": "ReadResourceResult",
}

# 2026-07-28 names a typed response envelope for some methods.
RESPONSE_TYPES: dict[str, str] = {
    "tools/list": "ListToolsResultResponse",
    "tools/call": "CallToolResultResponse",
    "server/discover": "DiscoverResultResponse",
    "subscriptions/listen": "SubscriptionsListenResultResponse",
    "resources/list": "ListResourcesResultResponse",
    "resources/templates/list": "ListResourceTemplatesResultResponse",
    "resources/read": "ReadResourceResultResponse",
}

NOTIFICATION_TYPES: dict[str, str] = {
    "notifications/progress": "ProgressNotification",
    "notifications/message": "LoggingMessageNotification",
    "notifications/cancelled": "CancelledNotification",
    "notifications/tools/list_changed": "ToolListChangedNotification",
    "notifications/subscriptions/acknowledged": "SubscriptionsAcknowledgedNotification",
}

# 2026-07-28 defines the standard JSON-RPC error objects by code.
ERROR_TYPES: dict[int, str] = {
    -32700: "ParseError",
    -32600: "InvalidRequestError",
    -32601: "MethodNotFoundError",
    -32602: "InvalidParamsError",
    -32603: "InternalError",
}

# Content block types of a tool result, by their `type`.
CONTENT_TYPES: dict[str, str] = {
    "text": "TextContent",
    "image": "ImageContent",
    "audio": "AudioContent",
    "resource": "EmbeddedResource",
    "resource_link": "ResourceLink",
}

_MISSING = object()


def revision_index(revision: str) -> int:
    return REVISIONS.index(revision)


class RevisionSchema:
    """The schema of one protocol revision, with a validator per definition."""

    def __init__(self, revision: str) -> None:
        if revision not in REVISIONS:
            raise ValueError(f"unknown MCP revision {revision!r}")
        self.revision = revision
        self.path = SCHEMA_DIR / f"{revision}.json"
        self.document: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        self.defs_key = "$defs" if "$defs" in self.document else "definitions"
        self.defs: dict[str, Any] = self.document[self.defs_key]
        # Draft 7 for the 2024/2025-03/2025-06 files, 2020-12 for the later ones,
        # exactly as each file's "$schema" says.
        self.validator_class = validator_for(self.document)
        self.validator_class.check_schema(self.document)

    @property
    def dialect(self) -> str:
        return self.document["$schema"]

    def has(self, name: str) -> bool:
        return name in self.defs

    @functools.cache
    def _validator(self, name: str) -> Any:
        if name not in self.defs:
            raise KeyError(f"{self.revision} defines no {name}")
        schema = {
            "$schema": self.dialect,
            self.defs_key: self.defs,
            "$ref": f"#/{self.defs_key}/{name}",
        }
        return self.validator_class(schema, format_checker=self.validator_class.FORMAT_CHECKER)

    def errors(self, name: str, instance: Any) -> list[str]:
        """Every violation of definition `name`, as readable one-liners."""
        found = sorted(self._validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
        return [_describe(e) for e in found]

    def is_valid(self, name: str, instance: Any) -> bool:
        return self._validator(name).is_valid(instance)

    def declared_properties(self, name: str) -> set[str] | None:
        """The property names a definition declares, or None if it is not a plain object type."""
        definition = self.defs.get(name, {})
        if "properties" not in definition:
            return None
        return set(definition["properties"])


def _describe(error: jsonschema.ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    text = f"at {where}: {error.message}"
    # anyOf/oneOf failures hide the useful part in their context; show the closest branch.
    if error.context:
        best = jsonschema.exceptions.best_match(error.context)
        inner = "/".join(str(p) for p in best.absolute_path) or "(root)"
        text += f" [closest branch: at {inner}: {best.message}]"
    return text


@functools.cache
def schema_for(revision: str) -> RevisionSchema:
    return RevisionSchema(revision)


def validate_message(
    revision: str,
    message: Any,
    method_of: Callable[[Any], str | None] | Mapping[Any, str],
) -> list[str]:
    """Problems with one message (or batch) conduit wrote in a session of `revision`.

    `method_of(id)` names the method of the client request with that id (None
    when the client sent no such request).
    """
    lookup = method_of.get if isinstance(method_of, Mapping) else method_of
    schema = schema_for(revision)
    if isinstance(message, list):
        problems: list[str] = []
        if not schema.has("JSONRPCBatchResponse"):
            problems.append(f"a JSON-RPC batch response, but {revision} has no batches")
        else:
            problems += [f"JSONRPCBatchResponse {e}" for e in schema.errors("JSONRPCBatchResponse", message)]
            if not message:
                problems.append("an empty batch response (JSON-RPC: send nothing instead)")
        for index, element in enumerate(message):
            problems += [f"batch element {index}: {p}" for p in _validate_single(schema, element, lookup)]
        return problems
    return _validate_single(schema, message, lookup)


def _check(schema: RevisionSchema, name: str, instance: Any) -> list[str]:
    return [f"{name} {error}" for error in schema.errors(name, instance)]


def _validate_single(schema: RevisionSchema, message: Any, lookup: Callable[[Any], str | None]) -> list[str]:
    revision = schema.revision
    if not isinstance(message, dict):
        return [f"a message must be a JSON object, got {type(message).__name__}"]

    if "method" in message:
        if "id" in message:
            return [f"conduit sent a request ({message.get('method')!r}); it must never send requests"]
        problems = _check(schema, "JSONRPCNotification", message)
        method = message["method"]
        name = NOTIFICATION_TYPES.get(method)
        if name is None or not schema.has(name):
            problems.append(f"notification {method!r} is not a server notification of {revision}")
        else:
            problems += _check(schema, name, message)
        return problems

    if "error" in message:
        envelope = "JSONRPCErrorResponse" if schema.has("JSONRPCErrorResponse") else "JSONRPCError"
        checked = message
        error = message.get("error") if isinstance(message.get("error"), dict) else {}
        code = error.get("code")
        if (
            revision_index(revision) < revision_index("2025-11-25")
            and message.get("id", _MISSING) is None
            and code in (-32700, -32600)
        ):
            # Before 2025-11-25 the schema has no shape for an error whose request id
            # could not be read (it requires a string/integer id), while JSON-RPC 2.0
            # mandates `"id": null` there. Accept null for parse/invalid-request errors
            # and validate everything else with a placeholder id.
            checked = dict(message, id=0)
        problems = _check(schema, envelope, checked)
        if code == -32022:
            if schema.has("UnsupportedProtocolVersionError"):
                problems += _check(schema, "UnsupportedProtocolVersionError", checked)
            data = error.get("data")
            if not (isinstance(data, dict) and isinstance(data.get("supported"), list) and "requested" in data):
                problems.append("-32022 must carry data.supported (list) and data.requested")
        typed = ERROR_TYPES.get(code) if isinstance(code, int) else None
        if typed and schema.has(typed):
            problems += _check(schema, typed, error)
        request_id = message.get("id")
        if request_id is not None and lookup(request_id) is None:
            problems.append(f"an error for id {request_id!r}, which no client request used")
        return problems

    if "result" in message:
        envelope = "JSONRPCResultResponse" if schema.has("JSONRPCResultResponse") else "JSONRPCResponse"
        problems = _check(schema, envelope, message)
        method = lookup(message.get("id"))
        if method is None:
            problems.append(f"a result for id {message.get('id')!r}, which no client request used")
            return problems
        name = RESULT_TYPES.get(method)
        if name is None or not schema.has(name):
            problems.append(f"a result for {method!r}, which has no result type in {revision}")
            return problems
        problems += _check(schema, name, message["result"])
        typed_response = RESPONSE_TYPES.get(method)
        if typed_response and schema.has(typed_response):
            problems += _check(schema, typed_response, message)
        return problems

    return ["neither a notification nor a response (no method, result or error)"]


def undeclared_fields(revision: str, method: str, result: Any) -> list[str]:
    """Fields in a result that the revision's schema does not declare.

    The schemas leave most objects open, so extra fields validate; but a field
    from a later revision (`title`, `structuredContent`, `outputSchema`,
    `annotations`, `icons`…) in an older session is something that revision's
    clients do not know. This checks the objects conduit builds itself.
    """
    schema = schema_for(revision)
    found: list[str] = []

    def check(name: str, value: Any, where: str) -> None:
        declared = schema.declared_properties(name)
        if declared is None or not isinstance(value, dict):
            return
        for key in value:
            if key not in declared:
                found.append(f"{where}.{key} (not in {revision} {name})")

    if not isinstance(result, dict):
        return found
    if method == "initialize":
        check("InitializeResult", result, "result")
        check("Implementation", result.get("serverInfo"), "result.serverInfo")
        check("ServerCapabilities", result.get("capabilities"), "result.capabilities")
    elif method == "server/discover":
        check("DiscoverResult", result, "result")
        check("ServerCapabilities", result.get("capabilities"), "result.capabilities")
    elif method == "tools/list":
        check("ListToolsResult", result, "result")
        for index, tool in enumerate(result.get("tools") or []):
            check("Tool", tool, f"result.tools[{index}]")
            if isinstance(tool, dict):
                check("ToolAnnotations", tool.get("annotations"), f"result.tools[{index}].annotations")
    elif method == "tools/call":
        check("CallToolResult", result, "result")
        for index, block in enumerate(result.get("content") or []):
            if isinstance(block, dict) and block.get("type") in CONTENT_TYPES:
                check(CONTENT_TYPES[block["type"]], block, f"result.content[{index}]")
    return found
